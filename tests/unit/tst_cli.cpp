// Proves each executable answers --version with the project version, --help
// with its options, and rejects unknown options with status 2.

#include <QProcess>
#include <QtTest>

class TestCli : public QObject
{
    Q_OBJECT

private:
    static QString binary(const QString &name) { return QStringLiteral(IDEM_BIN_DIR "/") + name; }

    static QProcessEnvironment offscreen()
    {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        return env;
    }

    struct Run
    {
        int exitCode;
        QString out;
        QString err;
    };

    static Run run(const QString &name, const QStringList &args)
    {
        QProcess p;
        p.setProcessEnvironment(offscreen());
        p.start(binary(name), args);
        if (!p.waitForFinished(30000))
            return {-1, {}, QStringLiteral("timed out")};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

private slots:
    void version_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("idem") << QStringLiteral("idem");
        QTest::newRow("idemctl") << QStringLiteral("idemctl");
        QTest::newRow("idem-sandbox") << QStringLiteral("idem-sandbox");
    }
    void version()
    {
        QFETCH(QString, name);
        const Run r = run(name, {QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(), name + QStringLiteral(" " IDEM_EXPECTED_VERSION));
    }

    void help_data() { version_data(); }
    void help()
    {
        QFETCH(QString, name);
        const Run r = run(name, {QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("--version")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("--log-level")), qPrintable(r.out));
    }

    void unknownOption_data() { version_data(); }
    void unknownOption()
    {
        QFETCH(QString, name);
        const Run r = run(name, {QStringLiteral("--no-such-option")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("no-such-option")), qPrintable(r.err));
    }

    void badLogLevel()
    {
        const Run r = run(QStringLiteral("idemctl"), {QStringLiteral("--log-level"), QStringLiteral("loud")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("unknown log level \"loud\"")), qPrintable(r.err));
    }

    // An error quoting text from outside (here a file name) cannot send the
    // terminal escape sequences or reorder the line.
    void errorsEscapeControlCharacters()
    {
        const QString path = QStringLiteral("/nonexistent/idem\x1b]0;owned\x07") + QChar(0x202e) + QStringLiteral("lmay.");
        const Run r = run(QStringLiteral("idemctl"), {QStringLiteral("--config"), path, QStringLiteral("lag")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("idem\\x1b]0;owned\\x07\\u202elmay.")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QChar(0x1b)));
        QVERIFY(!r.err.contains(QChar(0x202e)));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
