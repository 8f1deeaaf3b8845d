// Proves the status-bar health light shows the state's colour and carries the
// last error in its tooltip.

#include "ui/widgets/healthlight.h"

#include "models/core/statuscolours.h"

#include <QtTest>

using idem::ui::HealthLight;

class TestHealthLight : public QObject
{
    Q_OBJECT

private slots:
    void states()
    {
        HealthLight light(QStringLiteral("orders store"));
        light.show();
        QCOMPARE(light.state(), HealthLight::State::Unknown);
        QVERIFY(light.toolTip().contains(QStringLiteral("not checked yet")));

        light.setState(HealthLight::State::Down, QStringLiteral("connection refused"));
        QCOMPARE(light.color(), idem::models::statusColour(idem::models::StatusColour::Error, light.palette()));
        QVERIFY(light.toolTip().startsWith(QStringLiteral("<qt>orders store: down")));
        QVERIFY(light.toolTip().contains(QStringLiteral("connection refused")));

        // A server's error text is shown as text, not as HTML.
        light.setState(HealthLight::State::Down, QStringLiteral("refused <img src=x> <b>bold</b>"));
        QVERIFY2(light.toolTip().contains(QStringLiteral("refused &lt;img src=x&gt; &lt;b&gt;bold&lt;/b&gt;")),
                 qPrintable(light.toolTip()));
        QVERIFY(!light.toolTip().contains(QStringLiteral("<img")));

        light.setState(HealthLight::State::Ok);
        QCOMPARE(light.color(), idem::models::statusColour(idem::models::StatusColour::Ok, light.palette()));
        QVERIFY(!light.toolTip().contains(QStringLiteral("connection refused")));

        // The dark palette's shade on a dark palette.
        light.setPalette(idem::models::darkPalette());
        QCOMPARE(light.color(), idem::models::statusColour(idem::models::StatusColour::Ok, idem::models::darkPalette()));
        QVERIFY(light.color() != idem::models::statusColour(idem::models::StatusColour::Ok, idem::models::lightPalette()));

        const QImage image = light.grab().toImage();
        const QColor centre = image.pixelColor(image.width() / 2, image.height() / 2);
        QCOMPARE(centre, light.color());
    }
};

QTEST_MAIN(TestHealthLight)
#include "tst_healthlight.moc"
