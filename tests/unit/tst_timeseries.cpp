// Proves metric history keeps the newest points within its capacity, that
// thinning older points keeps the extremes of every range a chart can ask
// for while its storage stays bounded, and that downsampling keeps every
// bucket's minimum and maximum, so spikes survive a day-long chart.

#include "models/metrics/timeseries.h"

#include <QRandomGenerator>
#include <QtTest>

using namespace idem::models;

namespace {

// A random walk with spikes, one point every `stepMs` for `hours`, into
// a thinned series and a reference that keeps every point.
struct Walk
{
    TimeSeries thinned{1 << 20, SeriesResolution::day()};
    std::vector<TimePoint> all;
};
Walk walk(double hours, qint64 stepMs, quint32 seed)
{
    Walk w;
    QRandomGenerator random(seed);
    double v = 100;
    const qint64 start = 1'700'000'000'000 + qint64(random.bounded(60000));
    for (qint64 t = start; t < start + qint64(hours * 3600 * 1000); t += stepMs) {
        v += random.bounded(21) - 10;
        const double value = random.bounded(5000) == 0 ? v + 1e5 : random.bounded(5000) == 0 ? v - 1e5 : v;
        w.thinned.append(t, value);
        w.all.push_back({t, value});
    }
    return w;
}
std::pair<double, double> extremes(const std::vector<TimePoint> &points, qint64 from, qint64 to)
{
    double lo = qInf(), hi = -qInf();
    for (const TimePoint &p : points) {
        if (p.t >= from && p.t <= to) {
            lo = std::min(lo, p.v);
            hi = std::max(hi, p.v);
        }
    }
    return {lo, hi};
}
std::vector<TimePoint> points(const TimeSeries &s)
{
    std::vector<TimePoint> out;
    for (qsizetype i = 0; i < s.size(); ++i)
        out.push_back(s.at(i));
    return out;
}

} // namespace

class TestTimeSeries : public QObject
{
    Q_OBJECT

private slots:
    // Storage follows the data: it grows with the points held, never past
    // the capacity, and once full the oldest point makes room.
    void storageGrowsWithTheData()
    {
        TimeSeries series(86400);
        QCOMPARE(series.allocated(), 0);
        for (int i = 0; i < 10; ++i)
            series.append(i * 1000, i);
        QVERIFY(series.allocated() <= 64);
        for (int i = 10; i < 100000; ++i) {
            series.append(i * 1000LL, i);
            const qsizetype now = series.allocated();
            QVERIFY(now >= series.size());
            QVERIFY(now <= series.size() + 64);
        }
        QCOMPARE(series.size(), 86400);
        QVERIFY(series.allocated() <= 86400 + 64);
        QCOMPARE(series.at(0).t, (100000 - 86400) * 1000LL);
        QCOMPARE(series.last().t, 99999 * 1000LL);
        for (qsizetype i = 1; i < series.size(); ++i)
            QVERIFY(series.at(i).t == series.at(i - 1).t + 1000);
        // The extremes of a range read through the whole series are those of the data.
        const QList<TimePoint> down = series.downsampled(series.at(0).t, series.last().t, 100);
        QCOMPARE(down.first().v, double(100000 - 86400));
        QCOMPARE(down.last().v, 99999.0);
    }

    // Older points are thinned to min/max per bucket; every range made of
    // whole buckets of the resolution it reaches keeps the extremes of the
    // full data, and the recent hour keeps every point.
    void thinningKeepsTheExtremesOfEveryRange()
    {
        const Walk w = walk(30, 1000, 7);
        const std::vector<TimePoint> kept = points(w.thinned);
        const qint64 newest = w.all.back().t;
        // The last hour as it came.
        const auto lastHour = std::count_if(w.all.begin(), w.all.end(), [&](const TimePoint &p) {
            return p.t >= newest - 3600 * 1000 + 10'000;
        });
        const auto keptLastHour = std::count_if(kept.begin(), kept.end(), [&](const TimePoint &p) {
            return p.t >= newest - 3600 * 1000 + 10'000;
        });
        QCOMPARE(keptLastHour, lastHour);
        // Nothing older than the day (and its margin) is kept.
        QVERIFY(kept.front().t >= newest - SeriesResolution::day().keepMs);
        // Points are in time order, each one a point of the data.
        for (size_t i = 1; i < kept.size(); ++i)
            QVERIFY(kept[i].t >= kept[i - 1].t);
        QRandomGenerator random(11);
        for (int round = 0; round < 2000; ++round) {
            // A range of whole minutes anywhere in the day kept.
            const qint64 oldest = (kept.front().t / 60000 + 1) * 60000;
            const qint64 minutes = (newest - oldest) / 60000;
            const qint64 a = oldest + qint64(random.bounded(quint32(minutes))) * 60000;
            const qint64 b = std::min(newest, a + (1 + qint64(random.bounded(quint32(minutes)))) * 60000 - 1);
            QCOMPARE(extremes(kept, a, b), extremes(w.all, a, b));
        }
    }

    // What a chart asks for: the last 5 minutes to 24 hours in 1 000 pixel
    // buckets. Every bucket but the two the range cuts shows the same
    // minimum and maximum as the full data's bucket.
    void downsampledThinnedSeriesDrawsTheSameExtremes_data()
    {
        QTest::addColumn<qint64>("rangeMs");
        QTest::newRow("5 minutes") << qint64(5 * 60 * 1000);
        QTest::newRow("1 hour") << qint64(3600 * 1000);
        QTest::newRow("6 hours") << qint64(6 * 3600 * 1000);
        QTest::newRow("24 hours") << qint64(24 * 3600 * 1000);
    }
    void downsampledThinnedSeriesDrawsTheSameExtremes()
    {
        QFETCH(qint64, rangeMs);
        const Walk w = walk(26, 2000, 3);
        const qint64 to = w.all.back().t;
        const qint64 from = to - rangeMs;
        const QList<TimePoint> drawn = w.thinned.downsampled(from, to, 1000);
        // The width the series chose: whole buckets of the coarsest resolution in range.
        qsizetype first = 0;
        while (w.thinned.at(first).t < from)
            ++first;
        const qint64 coarsest = w.thinned.resolutionAt(first);
        qint64 width = (rangeMs + 1000) / 1000;
        if (coarsest > 0)
            width = (width + coarsest - 1) / coarsest * coarsest;
        QMap<qint64, std::pair<double, double>> shown, truth;
        auto add = [](QMap<qint64, std::pair<double, double>> &grid, qint64 bucket, double v) {
            auto it = grid.find(bucket);
            if (it == grid.end())
                grid.insert(bucket, {v, v});
            else
                *it = {std::min(it->first, v), std::max(it->second, v)};
        };
        for (const TimePoint &p : drawn)
            add(shown, p.t / width, p.v);
        for (const TimePoint &p : w.all) {
            if (p.t >= from && p.t <= to)
                add(truth, p.t / width, p.v);
        }
        QVERIFY(shown.size() <= 1001);
        shown.remove(from / width);
        shown.remove(to / width);
        truth.remove(from / width);
        truth.remove(to / width);
        QCOMPARE(shown, truth);
    }

    // A day of a series costs a fraction of its points: about an hour as it
    // came, then two points per 10 s to six hours and two per minute beyond.
    void thinnedStorageIsBounded()
    {
        for (qint64 step : {1000, 2000}) {
            TimeSeries s(1 << 20, SeriesResolution::day());
            qsizetype most = 0;
            for (qint64 t = 0; t < 48LL * 3600 * 1000; t += step) {
                s.append(t, double((t / step) % 97)); // never flat: every bucket keeps two points
                most = std::max(most, s.size());
            }
            const qsizetype bound = 3600 * 1000 / step + 2 * (5 * 360) + 2 * (18 * 60 + 10) + 20;
            QVERIFY2(most <= bound, qPrintable(QStringLiteral("%1 > %2").arg(most).arg(bound)));
            QVERIFY(s.size() < 86400 * 1000 / step / 4); // under a quarter of a day's points
            QVERIFY(s.allocated() <= s.size() + 64);
        }
        // Usable resolutions only: a coarser tier must be older and a multiple.
        QVERIFY(SeriesResolution::day().problem().isEmpty());
        SeriesResolution bad;
        bad.tiers = {{3600'000, 10'000}, {7200'000, 15'000}};
        QVERIFY(!bad.problem().isEmpty());
        TimeSeries fallsBack(10, bad);
        QCOMPARE(fallsBack.resolution(), SeriesResolution::full());
    }

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
        QVERIFY(points.size() <= 2 * (1000 + 1)); // the aligned grid may cut one more bucket
        QVERIFY(points.size() >= 1000);
        auto maxIt = std::max_element(points.begin(), points.end(), [](auto a, auto b) { return a.v < b.v; });
        auto minIt = std::min_element(points.begin(), points.end(), [](auto a, auto b) { return a.v < b.v; });
        QCOMPARE(maxIt->v, 500.0);
        QCOMPARE(maxIt->t, 40000 * 1000);
        QCOMPARE(minIt->v, -5.0);
        for (int i = 1; i < points.size(); ++i)
            QVERIFY(points[i].t > points[i - 1].t);
    }

    // The buckets of an aligned grid, read point by point: the reference the
    // downsampler must equal.
    static QList<TimePoint> reference(const TimeSeries &s, qint64 from, qint64 to, int buckets)
    {
        QList<TimePoint> inRange;
        qsizetype first = -1;
        for (qsizetype i = 0; i < s.size(); ++i) {
            if (s.at(i).t >= from && s.at(i).t <= to) {
                inRange << s.at(i);
                if (first < 0)
                    first = i;
            }
        }
        if (inRange.size() <= 2 * buckets)
            return inRange;
        qint64 width = (to - from + buckets) / buckets;
        if (const qint64 coarsest = s.resolutionAt(first); coarsest > 0)
            width = (width + coarsest - 1) / coarsest * coarsest;
        QMap<qint64, QList<TimePoint>> grid;
        for (const TimePoint &p : inRange)
            grid[p.t / width] << p; // times are positive here
        QList<TimePoint> out;
        for (const auto &points : grid) {
            qsizetype lo = 0, hi = 0;
            for (qsizetype i = 1; i < points.size(); ++i) {
                if (points[i].v < points[lo].v)
                    lo = i;
                if (points[i].v > points[hi].v)
                    hi = i;
            }
            out << points[std::min(lo, hi)];
            if (lo != hi)
                out << points[std::max(lo, hi)];
        }
        return out;
    }

    void cacheGivesTheSamePointsAsAFreshRead_data()
    {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<qint64>("rangeMs");
        QTest::addColumn<int>("buckets");
        QTest::addColumn<int>("step"); // ms between points
        QTest::addColumn<bool>("thinned");
        QTest::newRow("day range, ring not full") << 20000 << qint64(3600 * 1000) << 300 << 1000 << false;
        QTest::newRow("ring evicts inside the range") << 3000 << qint64(3600 * 1000) << 200 << 1000 << false;
        QTest::newRow("width of one ms") << 5000 << qint64(700) << 100 << 1 << false;
        QTest::newRow("uneven steps") << 8000 << qint64(2000 * 1000) << 333 << 7 << false;
        QTest::newRow("thinned, 6 h range crossing the tiers") << (1 << 20) << qint64(6 * 3600 * 1000) << 500 << 30000 << true;
        QTest::newRow("thinned, 2 h range") << (1 << 20) << qint64(2 * 3600 * 1000) << 400 << 3000 << true;
    }

    // As the console uses it: points arrive, the range follows the newest
    // one, sometimes it holds still (paused) and sometimes the chart changes
    // width. The cached result must equal both a fresh read and the
    // point-by-point reference every time.
    void cacheGivesTheSamePointsAsAFreshRead()
    {
        QFETCH(int, capacity);
        QFETCH(qint64, rangeMs);
        QFETCH(int, buckets);
        QFETCH(int, step);
        QFETCH(bool, thinned);
        TimeSeries s(capacity, thinned ? SeriesResolution::day() : SeriesResolution::full());
        DownsampleCache cache;
        QRandomGenerator random(42);
        qint64 t = 1'700'000'000'000;
        qint64 pausedAt = -1;
        for (int round = 0; round < 400; ++round) {
            const int arriving = 1 + int(random.bounded(40));
            for (int k = 0; k < arriving; ++k) {
                t += step == 7 ? 1 + qint64(random.bounded(2 * step)) : step;
                s.append(t, random.bounded(1000) == 0 ? 1e6 : double(random.bounded(100)));
            }
            if (round % 50 == 20)
                pausedAt = t;
            if (round % 50 == 30)
                pausedAt = -1;
            if (round == 200)
                buckets += 17; // the chart was resized
            const qint64 to = pausedAt >= 0 ? pausedAt : t;
            const auto cached = s.downsampled(to - rangeMs, to, buckets, &cache);
            const auto fresh = s.downsampled(to - rangeMs, to, buckets);
            QCOMPARE(cached, fresh);
            if (round % 20 == 0)
                QCOMPARE(fresh, reference(s, to - rangeMs, to, buckets));
        }
    }

    void historyByName()
    {
        MetricHistory h(10);
        h.append(QStringLiteral("orders/lag"), 1000, 5);
        h.append(QStringLiteral("orders/lag"), 2000, 7);
        QCOMPARE(h.series(QStringLiteral("orders/lag"))->size(), 2);
        QCOMPARE(h.series(QStringLiteral("orders/lag"))->capacity(), 10);
        h.setCapacity(4); // series made from now on
        h.append(QStringLiteral("orders/retry_share"), 1000, 0.5);
        QCOMPARE(h.series(QStringLiteral("orders/retry_share"))->capacity(), 4);
        QCOMPARE(h.series(QStringLiteral("orders/lag"))->capacity(), 10);
        QVERIFY(!h.series(QStringLiteral("nope")));
    }

    void goneGroupsSeriesAreFreed()
    {
        // A day of points per series; a discovered group that is gone frees
        // its series once absent for longer than the window.
        MetricHistory h(86400);
        GroupSeriesRetention retention(5 * 60 * 1000);
        const QPair<QString, QString> billing{QStringLiteral("orders"), QStringLiteral("billing")};
        const QPair<QString, QString> gone{QStringLiteral("orders"), QStringLiteral("console-consumer-4711")};
        auto poll = [&](qint64 t, const QList<QPair<QString, QString>> &present) {
            for (const auto &g : present) {
                h.append(groupSeriesName(g.first, g.second, "lag"), t, 1);
                h.append(groupSeriesName(g.first, g.second, "lag_seconds"), t, 0.5);
            }
            return retention.update(present, t, h);
        };
        h.append(QStringLiteral("flow/orders/lag"), 0, 1);
        poll(0, {billing});
        // A series' storage grows as points arrive: one point allocates a
        // small first block, not a day's ring.
        TimeSeries onePoint(86400);
        onePoint.append(0, 1);
        const qsizetype fresh = onePoint.allocated();
        QVERIFY(fresh > 0 && fresh <= 64);
        const qsizetype before = h.allocatedPoints();
        QCOMPARE(before, 3 * fresh);
        const QStringList namesBefore = h.names();

        poll(1000, {billing, gone});
        QCOMPARE(h.allocatedPoints(), before + 2 * fresh);
        QVERIFY(h.series(QStringLiteral("group/orders/console-consumer-4711/lag")));
        QCOMPARE(retention.trackedGroups(), 2);
        // Absent, but within the window: kept (a group can miss a poll).
        QVERIFY(poll(1000 + 5 * 60 * 1000, {billing}).isEmpty());
        QVERIFY(h.series(QStringLiteral("group/orders/console-consumer-4711/lag_seconds")));
        // Past the window: its series are gone, and their memory with them.
        QCOMPARE(poll(1001 + 5 * 60 * 1000, {billing}), (QList<QPair<QString, QString>>{gone}));
        QVERIFY(!h.series(QStringLiteral("group/orders/console-consumer-4711/lag")));
        QVERIFY(!h.series(QStringLiteral("group/orders/console-consumer-4711/lag_seconds")));
        QCOMPARE(h.names(), namesBefore);
        QCOMPARE(h.allocatedPoints(), before);
        QCOMPARE(retention.trackedGroups(), 1);
        // The flow's own series and the present group's are untouched.
        QCOMPARE(h.series(QStringLiteral("group/orders/billing/lag"))->size(), 4);
        QCOMPARE(h.series(QStringLiteral("flow/orders/lag"))->size(), 1);
        // A group that comes back starts new series.
        poll(2000 + 5 * 60 * 1000, {billing, gone});
        QCOMPARE(h.series(QStringLiteral("group/orders/console-consumer-4711/lag"))->size(), 1);
        QVERIFY(!h.remove(QStringLiteral("nope")));
    }
};

QTEST_GUILESS_MAIN(TestTimeSeries)
#include "tst_timeseries.moc"
