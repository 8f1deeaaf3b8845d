// Proves the one place untrusted text is made safe to keep and show: capping
// cuts with an ellipsis and never splits a character, terminal escaping makes
// every control, DEL, C1 and bidi formatting character visible and leaves
// other text alone, and tooltips show HTML as the characters typed.

#include "models/core/untrustedtext.h"

#include <QTextDocument>
#include <QtTest>

using namespace idem::models;

class TestUntrustedText : public QObject
{
    Q_OBJECT

private slots:
    void cap()
    {
        QCOMPARE(capUntrusted(u"short"), QStringLiteral("short"));
        QCOMPARE(capUntrusted(QString(256, u'x')), QString(256, u'x'));
        QCOMPARE(capUntrusted(QString(257, u'x')), QString(256, u'x') + QChar(0x2026));
        const QString mib(1024 * 1024, u'y');
        QCOMPARE(capUntrusted(mib).size(), 257);
        QCOMPARE(capUntrusted(u"abcdef", 3), QStringLiteral("abc…"));
        // An emoji (a surrogate pair) across the cut is left out whole.
        const QString emoji = QStringLiteral("ab") + QString::fromUcs4(U"\U0001F600") + QStringLiteral("cd");
        QCOMPARE(capUntrusted(emoji, 3), QStringLiteral("ab…"));
    }

    void terminal_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << QStringLiteral("com.acme.Orders: évènement 注文") << QStringLiteral("com.acme.Orders: évènement 注文");
        QTest::newRow("escape sequence") << QStringLiteral("\x1b[2J\x1b]0;pwned\x07ok") << QStringLiteral("\\x1b[2J\\x1b]0;pwned\\x07ok");
        QTest::newRow("newline, tab, return") << QStringLiteral("a\nb\tc\rd") << QStringLiteral("a\\nb\\tc\\rd");
        QTest::newRow("nul and del") << QString(QChar(0)) + QStringLiteral("x\x7f") << QStringLiteral("\\x00x\\x7f");
        QTest::newRow("c1 csi") << QString(QChar(0x9b)) + QStringLiteral("31m") << QStringLiteral("\\u009b31m");
        QTest::newRow("bidi override") << QStringLiteral("evt-") + QChar(0x202e) + QStringLiteral("gpj.exe")
                                       << QStringLiteral("evt-\\u202egpj.exe");
        QTest::newRow("bidi isolates") << QString(QChar(0x2066)) + QChar(0x2069) + QChar(0x202a) + QChar(0x200f)
                                       << QStringLiteral("\\u2066\\u2069\\u202a\\u200f");
        QTest::newRow("emoji stays") << QString::fromUcs4(U"\U0001F600") << QString::fromUcs4(U"\U0001F600");
    }

    void terminal()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(escapeForTerminal(text), expected);
        for (const char32_t c : escapeForTerminal(text).toUcs4())
            QVERIFY(!isTerminalControl(c));
    }

    void tooltip()
    {
        QCOMPARE(plainTextToolTip(QString()), QString());
        QCOMPARE(plainTextToolTip(QStringLiteral("<img src=x> & <b>b</b>\nnext")),
                 QStringLiteral("<qt>&lt;img src=x&gt; &amp; &lt;b&gt;b&lt;/b&gt;<br>next</qt>"));
        // Qt takes it as rich text, so the entities show as the characters typed.
        QVERIFY(Qt::mightBeRichText(plainTextToolTip(QStringLiteral("&lt; no tags"))));
    }
};

QTEST_GUILESS_MAIN(TestUntrustedText)
#include "tst_untrustedtext.moc"
