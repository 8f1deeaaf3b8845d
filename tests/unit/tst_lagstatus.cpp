// Proves each of Burrow's lag rules as Idem applies them, one row per rule
// and per edge, and that a group takes its worst partition's status.

#include "models/metrics/lagstatus.h"

#include <QtTest>

using namespace idem::models;

Q_DECLARE_METATYPE(QList<OffsetSample>)

namespace {

// "committed/high" pairs, one per poll 10 s apart.
QList<OffsetSample> series(const QList<QPair<qint64, qint64>> &points)
{
    QList<OffsetSample> out;
    qint64 t = 0;
    for (const auto &[committed, high] : points) {
        const qint64 from = committed < 0 ? 0 : committed;
        out.append({t, committed, high, std::max<qint64>(0, high - from)});
        t += 10000;
    }
    return out;
}

} // namespace

class TestLagStatus : public QObject
{
    Q_OBJECT

private slots:
    void rules_data()
    {
        QTest::addColumn<QList<OffsetSample>>("samples");
        QTest::addColumn<int>("members"); // -1 unknown, 0 none, 1 some
        QTest::addColumn<LagStatus>("status");
        QTest::newRow("ok: caught up") << series({{100, 100}, {110, 110}, {120, 120}}) << -1 << LagStatus::Ok;
        QTest::newRow("ok: lag touched zero once") << series({{100, 130}, {130, 130}, {130, 160}}) << -1 << LagStatus::Ok;
        QTest::newRow("ok: lag shrinking, never zero") << series({{100, 150}, {120, 160}, {150, 170}}) << -1 << LagStatus::Ok;
        QTest::newRow("warning: lag grows while committing") << series({{100, 150}, {110, 170}, {120, 190}}) << -1 << LagStatus::Warning;
        QTest::newRow("warning: lag flat while committing") << series({{100, 150}, {110, 160}, {120, 170}}) << -1 << LagStatus::Warning;
        QTest::newRow("stalled: commit stuck, lag above zero") << series({{100, 150}, {100, 160}, {100, 170}}) << -1 << LagStatus::Stalled;
        QTest::newRow("stalled: members present") << series({{100, 150}, {100, 150}}) << 1 << LagStatus::Stalled;
        QTest::newRow("stopped: no members") << series({{100, 150}, {100, 150}}) << 0 << LagStatus::Stopped;
        QTest::newRow("stopped: nothing ever committed") << series({{-1, 150}, {-1, 160}}) << -1 << LagStatus::Stopped;
        QTest::newRow("rewound: committed went back") << series({{100, 150}, {40, 160}, {60, 170}}) << -1 << LagStatus::Rewound;
        QTest::newRow("rewound wins over zero lag") << series({{150, 150}, {40, 150}, {150, 150}}) << -1 << LagStatus::Rewound;
        QTest::newRow("one sample, lag") << series({{100, 150}}) << -1 << LagStatus::NotEnoughData;
        QTest::newRow("one sample, no lag") << series({{150, 150}}) << -1 << LagStatus::Ok;
        QTest::newRow("no samples") << QList<OffsetSample>() << -1 << LagStatus::NotEnoughData;
        QTest::newRow("idle partition, nothing to read") << series({{0, 0}, {0, 0}}) << 0 << LagStatus::Ok;
    }
    void rules()
    {
        QFETCH(QList<OffsetSample>, samples);
        QFETCH(int, members);
        QFETCH(LagStatus, status);
        const std::optional<bool> hasMembers = members < 0 ? std::nullopt : std::optional<bool>(members > 0);
        QCOMPARE(lagStatusName(evaluateLagStatus(samples, hasMembers)), lagStatusName(status));
    }

    void groupTakesWorstPartition()
    {
        QCOMPARE(worstStatus({LagStatus::Ok, LagStatus::Stalled, LagStatus::Warning}), LagStatus::Stalled);
        QCOMPARE(worstStatus({LagStatus::Ok, LagStatus::NotEnoughData}), LagStatus::Ok);
        QCOMPARE(worstStatus({LagStatus::Rewound, LagStatus::Stopped}), LagStatus::Stopped);
        QCOMPARE(worstStatus({}), LagStatus::NotEnoughData);
    }
};

QTEST_GUILESS_MAIN(TestLagStatus)
#include "tst_lagstatus.moc"
