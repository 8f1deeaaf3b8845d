// Proves every status colour reads on both of Idem's palettes: text in it has
// a WCAG contrast ratio of at least 4.5:1 against the window and the base
// (table) colour of the light and of the dark palette, and the light/dark
// choice follows the palette's window colour.

#include "models/core/statuscolours.h"

#include <QtTest>

using namespace idem::models;

class TestStatusColours : public QObject
{
    Q_OBJECT

private slots:
    void contrastOnBothPalettes_data()
    {
        QTest::addColumn<QPalette>("palette");
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << lightPalette() << false;
        QTest::newRow("dark") << darkPalette() << true;
    }

    void contrastOnBothPalettes()
    {
        QFETCH(QPalette, palette);
        QFETCH(bool, dark);
        QCOMPARE(isDarkPalette(palette), dark);
        for (const StatusColour status : allStatusColours()) {
            const QColor colour = statusColour(status, palette);
            for (const auto role : {QPalette::Window, QPalette::Base, QPalette::AlternateBase}) {
                const double ratio = contrastRatio(colour, palette.color(role));
                QVERIFY2(ratio >= 4.5, qPrintable(QStringLiteral("status %1 (%2) on role %3 (%4): %5:1")
                                                      .arg(int(status))
                                                      .arg(colour.name())
                                                      .arg(int(role))
                                                      .arg(palette.color(role).name())
                                                      .arg(ratio, 0, 'f', 2)));
            }
            // Each palette's text stays readable too.
            QVERIFY(contrastRatio(palette.color(QPalette::Text), palette.color(QPalette::Base)) >= 7);
        }
        // The shades differ between the palettes (a colour for one only would fail above).
        QVERIFY(statusColour(StatusColour::Error, lightPalette()) != statusColour(StatusColour::Error, darkPalette()));
    }

    void contrastFormula()
    {
        QCOMPARE(contrastRatio(Qt::black, Qt::white), 21.0);
        QCOMPARE(contrastRatio(Qt::white, Qt::white), 1.0);
        QCOMPARE(readableTextOn(QColor(0xb7, 0x1c, 0x1c)), QColor(Qt::white));
        QCOMPARE(readableTextOn(QColor(0xff, 0x8c, 0x00)), QColor(Qt::black));
    }
};

QTEST_GUILESS_MAIN(TestStatusColours)
#include "tst_statuscolours.moc"
