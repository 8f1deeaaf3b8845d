// Proves the four live health figures of a flow (lag, retry share, error
// rate, dead letters) and its worst group, computed from two snapshots as
// staff would by hand.

#include "models/metrics/flowmetrics.h"

#include <QtTest>

using namespace idem::models;

namespace {

LagSnapshot snapshot(qint64 atMs, qint64 sourceHigh, qint64 retryHigh, qint64 dlqLow, qint64 dlqHigh,
                     qint64 billingCommitted, qint64 shippingCommitted)
{
    LagSnapshot s;
    s.cluster = QStringLiteral("main");
    s.takenAt = QDateTime::fromMSecsSinceEpoch(atMs, Qt::UTC);
    s.health.state = HealthState::Ok;
    using Role = TopicPartitionMarks::Role;
    s.topics = {{QStringLiteral("orders"), QStringLiteral("orders.events"), Role::Source, 0, 0, sourceHigh},
                {QStringLiteral("orders"), QStringLiteral("orders.retry.1"), Role::Retry, 0, 0, retryHigh},
                {QStringLiteral("orders"), QStringLiteral("orders.dlq"), Role::DeadLetter, 0, dlqLow, dlqHigh}};
    s.partitions = {{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0, billingCommitted, 0, sourceHigh},
                    {QStringLiteral("orders"), QStringLiteral("shipping"), QStringLiteral("orders.events"), 0, shippingCommitted, 0, sourceHigh}};
    return s;
}

} // namespace

class TestFlowMetrics : public QObject
{
    Q_OBJECT

private slots:
    void oneSnapshotKnowsOnlyLevels()
    {
        MetricsTracker tracker;
        tracker.add(snapshot(0, 1000, 50, 10, 30, 990, 1000));
        const auto flows = tracker.flows();
        QCOMPARE(flows.size(), 1);
        QCOMPARE(flows[0].lag, 10);
        QCOMPARE(flows[0].deadLetters, 20);
        QCOMPARE(flows[0].retryShare, -1.0);
        QCOMPARE(flows[0].errorsPerMinute, -1.0);
    }

    void figuresOverTheWindow()
    {
        MetricsTracker tracker(std::chrono::minutes(5));
        tracker.add(snapshot(0, 1000, 50, 10, 30, 990, 900));
        tracker.add(snapshot(60000, 1600, 110, 10, 36, 1590, 900));
        tracker.add(snapshot(120000, 2200, 150, 10, 42, 2200, 900));
        const FlowFigures f = tracker.flows().first();
        QCOMPARE(f.windowMs, 120000);
        QCOMPARE(f.sourceMessages, 1200);
        // 100 retries entered against 1200 source messages.
        QCOMPARE(f.retryShare, 100.0 / 1300.0);
        QCOMPARE(f.errorsPerMinute, 6.0);    // 12 dead letters in two minutes
        QCOMPARE(f.errorShare, 12.0 / 1200.0);
        QCOMPARE(f.deadLetters, 32);
        QCOMPARE(f.lag, 1300);               // shipping stuck at 900 of 2200
        QCOMPARE(f.status, LagStatus::Stalled);
        QCOMPARE(f.worstGroup, QStringLiteral("shipping"));

        const auto groups = tracker.groups();
        QCOMPARE(groups.size(), 2);
        QCOMPARE(groups[0].status, LagStatus::Ok);      // billing reached zero lag
        QCOMPARE(groups[1].status, LagStatus::Stalled);
    }

    // A group whose commits stand still with lag is STALLED while it has (or
    // may have) members and STOPPED once the cluster says it has none.
    void membershipTellsStoppedFromStalled()
    {
        auto withGroups = [](LagSnapshot s, std::optional<int> shippingMembers) {
            FlowGroup billing;
            billing.flow = QStringLiteral("orders");
            billing.group = QStringLiteral("billing");
            billing.members = 2;
            billing.state = QStringLiteral("Stable");
            FlowGroup shipping = billing;
            shipping.group = QStringLiteral("shipping");
            shipping.members = shippingMembers;
            shipping.state = shippingMembers ? QStringLiteral("Empty") : QString();
            shipping.discovered = true;
            s.groups = {billing, shipping};
            return s;
        };
        MetricsTracker unknown;
        unknown.add(withGroups(snapshot(0, 1000, 0, 0, 0, 990, 900), std::nullopt));
        unknown.add(withGroups(snapshot(60000, 1600, 0, 0, 0, 1590, 900), std::nullopt));
        QCOMPARE(unknown.groups()[1].status, LagStatus::Stalled);
        QCOMPARE(unknown.groups()[1].members, std::nullopt);

        MetricsTracker none;
        none.add(withGroups(snapshot(0, 1000, 0, 0, 0, 990, 900), 0));
        none.add(withGroups(snapshot(60000, 1600, 0, 0, 0, 1590, 900), 0));
        const auto groups = none.groups();
        QCOMPARE(groups[1].status, LagStatus::Stopped);
        QCOMPARE(groups[1].members, std::optional<int>(0));
        QCOMPARE(groups[1].state, QStringLiteral("Empty"));
        QVERIFY(groups[1].discovered);
        QCOMPARE(groups[0].status, LagStatus::Warning); // billing commits, lag still 10: untouched
        QCOMPARE(groups[0].members, std::optional<int>(2));
        QVERIFY(!groups[0].discovered);
        QCOMPARE(none.flows().first().status, LagStatus::Stopped);
        QCOMPARE(none.partitions()[1].status, LagStatus::Stopped);
    }

    void oldSnapshotsLeaveTheWindow()
    {
        MetricsTracker tracker(std::chrono::minutes(1));
        tracker.add(snapshot(0, 1000, 0, 0, 0, 0, 0));
        tracker.add(snapshot(60000, 1100, 0, 0, 0, 1100, 1100));
        tracker.add(snapshot(120000, 1300, 0, 0, 6, 1300, 1300));
        const FlowFigures f = tracker.flows().first();
        QCOMPARE(f.windowMs, 60000);
        QCOMPARE(f.sourceMessages, 200);
        QCOMPARE(f.errorsPerMinute, 6.0);
        QCOMPARE(f.status, LagStatus::Ok);
    }

    void downSnapshotsAreIgnored()
    {
        MetricsTracker tracker;
        tracker.add(snapshot(0, 1000, 0, 0, 0, 1000, 1000));
        LagSnapshot down;
        down.cluster = QStringLiteral("main");
        down.takenAt = QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC);
        down.health.state = HealthState::Down;
        tracker.add(down);
        QCOMPARE(tracker.flows().first().lag, 0);
        QCOMPARE(tracker.partitions().size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestFlowMetrics)
#include "tst_flowmetrics.moc"
