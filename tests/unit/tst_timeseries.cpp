// Proves metric history keeps the newest points within its capacity and that
// downsampling keeps every bucket's minimum and maximum, so spikes survive a
// day-long chart.

#include "models/metrics/timeseries.h"

#include <QtTest>

using namespace idem::models;

class TestTimeSeries : public QObject
{
    Q_OBJECT

private slots:
    void ringKeepsNewest()
    {
        TimeSeries s(3);
        for (int i = 0; i < 5; ++i)
            s.append(i * 1000, i);
        QCOMPARE(s.size(), 3);
        QCOMPARE(s.at(0).t, 2000);
        QCOMPARE(s.last().v, 4.0);
        s.append(3500, 9); // older than the newest: dropped
        QCOMPARE(s.last().t, 4000);
    }

    void smallRangesComeBackWhole()
    {
        TimeSeries s;
        for (int i = 0; i < 10; ++i)
            s.append(i * 1000, i);
        const auto points = s.downsampled(2000, 5000, 100);
        QCOMPARE(points.size(), 4);
        QCOMPARE(points.first().t, 2000);
        QCOMPARE(points.last().t, 5000);
    }

    void bucketsKeepMinAndMax()
    {
        TimeSeries s;
        // A day at one point a second, flat at 10 with one spike and one dip.
        for (qint64 i = 0; i < 86400; ++i)
            s.append(i * 1000, i == 40000 ? 500.0 : i == 70000 ? -5.0 : 10.0);
        const auto points = s.downsampled(0, 86399 * 1000, 1000);
        QVERIFY(points.size() <= 2000);
        QVERIFY(points.size() >= 1000);
        auto maxIt = std::max_element(points.begin(), points.end(), [](auto a, auto b) { return a.v < b.v; });
        auto minIt = std::min_element(points.begin(), points.end(), [](auto a, auto b) { return a.v < b.v; });
        QCOMPARE(maxIt->v, 500.0);
        QCOMPARE(maxIt->t, 40000 * 1000);
        QCOMPARE(minIt->v, -5.0);
        for (int i = 1; i < points.size(); ++i)
            QVERIFY(points[i].t > points[i - 1].t);
    }

    void historyByName()
    {
        MetricHistory h(10);
        h.append(QStringLiteral("orders/lag"), 1000, 5);
        h.append(QStringLiteral("orders/lag"), 2000, 7);
        QCOMPARE(h.series(QStringLiteral("orders/lag"))->size(), 2);
        QCOMPARE(h.series(QStringLiteral("orders/lag"))->capacity(), 10);
        QVERIFY(!h.series(QStringLiteral("nope")));
    }
};

QTEST_GUILESS_MAIN(TestTimeSeries)
#include "tst_timeseries.moc"
