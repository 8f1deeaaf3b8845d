// Proves the lag arithmetic staff read (lag per partition and per group) and
// that the partitions and connections tables are well-behaved models.

#include "models/health/connectiontablemodel.h"
#include "models/metrics/partitiontablemodel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace idem::models;

class TestLagModels : public QObject
{
    Q_OBJECT

private slots:
    void partitionLag_data()
    {
        QTest::addColumn<qint64>("committed");
        QTest::addColumn<qint64>("low");
        QTest::addColumn<qint64>("high");
        QTest::addColumn<qint64>("lag");
        QTest::newRow("caught up") << 120LL << 0LL << 120LL << 0LL;
        QTest::newRow("behind") << 100LL << 0LL << 120LL << 20LL;
        QTest::newRow("nothing committed counts all retained") << -1LL << 30LL << 120LL << 90LL;
        QTest::newRow("commit below retention counts from low") << 10LL << 50LL << 120LL << 70LL;
        QTest::newRow("empty partition") << -1LL << 0LL << 0LL << 0LL;
        QTest::newRow("watermarks unknown") << 5LL << -1LL << -1LL << 0LL;
        QTest::newRow("commit beyond high is no negative lag") << 130LL << 0LL << 120LL << 0LL;
    }
    void partitionLag()
    {
        QFETCH(qint64, committed);
        QFETCH(qint64, low);
        QFETCH(qint64, high);
        QFETCH(qint64, lag);
        PartitionLag p{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0,
                       committed, low, high};
        QCOMPARE(p.lag(), lag);
    }

    void groupTotalsSumPartitions()
    {
        const QList<PartitionLag> rows{
            {QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0, 5, 0, 10},
            {QStringLiteral("orders"), QStringLiteral("shipping"), QStringLiteral("orders.events"), 0, 9, 0, 10},
            {QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 1, -1, 0, 7},
        };
        const QList<GroupLag> totals = groupTotals(rows);
        QCOMPARE(totals.size(), 2);
        QCOMPARE(totals[0].group, QStringLiteral("billing"));
        QCOMPARE(totals[0].lag, 12);
        QCOMPARE(totals[0].partitions, 2);
        QCOMPARE(totals[1].group, QStringLiteral("shipping"));
        QCOMPARE(totals[1].lag, 1);
    }

    void groupLagSecondsFollowSourceTopics()
    {
        // One rule for the console's charts and idemctl lag: a group's
        // lag_seconds is the oldest unread record of its source topics; its
        // retry topics, held back on purpose, are reported apart.
        LagSnapshot s;
        s.topics = {{QStringLiteral("orders"), QStringLiteral("orders.events"), TopicPartitionMarks::Role::Source, 0, 0, 10},
                    {QStringLiteral("orders"), QStringLiteral("orders.retry.1m"), TopicPartitionMarks::Role::Retry, 0, 0, 3},
                    {QStringLiteral("orders"), QStringLiteral("orders.dlt"), TopicPartitionMarks::Role::DeadLetter, 0, 0, 1}};
        auto part = [](const char *group, const char *topic, int partition, qint64 lagMs) {
            PartitionLag p{QStringLiteral("orders"), QString::fromLatin1(group), QString::fromLatin1(topic), partition, 0, 0, 10};
            p.lagMs = lagMs;
            return p;
        };
        s.partitions = {part("billing", "orders.events", 0, 4000), part("billing", "orders.events", 1, 9000),
                        part("billing", "orders.events", 2, -1), part("billing", "orders.retry.1m", 0, 600000),
                        part("shipping", "orders.events", 0, 0), part("audit", "orders.retry.1m", 0, 120000),
                        part("unknown", "orders.events", 0, -1)};
        // The same topic name in another flow is that flow's source topic.
        PartitionLag other{QStringLiteral("returns"), QStringLiteral("billing"), QStringLiteral("orders.retry.1m"), 0, 0, 0, 10};
        other.lagMs = 7000;
        s.partitions << other;

        const auto ages = groupLagAges(s);
        QCOMPARE(ages.size(), 5);
        QCOMPARE(ages.value({QStringLiteral("orders"), QStringLiteral("billing")}).sourceMs, 9000);
        QCOMPARE(ages.value({QStringLiteral("orders"), QStringLiteral("billing")}).retryMs, 600000);
        QCOMPARE(ages.value({QStringLiteral("orders"), QStringLiteral("shipping")}).sourceMs, 0);
        QCOMPARE(ages.value({QStringLiteral("orders"), QStringLiteral("shipping")}).retryMs, -1);
        QCOMPARE(ages.value({QStringLiteral("orders"), QStringLiteral("audit")}).sourceMs, -1);
        QCOMPARE(ages.value({QStringLiteral("orders"), QStringLiteral("audit")}).retryMs, 120000);
        QCOMPARE(ages.value({QStringLiteral("orders"), QStringLiteral("unknown")}).sourceMs, -1);
        QCOMPARE(ages.value({QStringLiteral("returns"), QStringLiteral("billing")}).sourceMs, 7000);
        QCOMPARE(ages.value({QStringLiteral("returns"), QStringLiteral("billing")}).retryMs, -1);
    }

    void partitionTable()
    {
        PartitionTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        LagSnapshot a;
        a.cluster = QStringLiteral("main");
        a.partitions = {{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0, 5, 0, 10},
                        {QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 1, -1, 0, 7}};
        model.applySnapshot(a);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(0, PartitionTableModel::Lag)).toString(), QStringLiteral("5"));
        QCOMPARE(model.data(model.index(1, PartitionTableModel::Committed)).toString(), QStringLiteral("none"));
        QCOMPARE(model.data(model.index(1, PartitionTableModel::Lag), PartitionTableModel::SortRole).toLongLong(), 7);
        // Share of the group's lag: 5 of 12 and 7 of 12.
        QCOMPARE(model.data(model.index(0, PartitionTableModel::LagShare)).toString(), QStringLiteral("41.7 %"));
        QCOMPARE(model.data(model.index(1, PartitionTableModel::LagShare), PartitionTableModel::SortRole).toDouble(), 7.0 / 12.0);

        // Same layout: values change in place.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        a.partitions[0].committed = 10;
        model.applySnapshot(a);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(model.data(model.index(0, PartitionTableModel::Lag)).toString(), QStringLiteral("0"));
        QCOMPARE(model.data(model.index(1, PartitionTableModel::LagShare)).toString(), QStringLiteral("100.0 %"));

        // Another cluster's rows are added; its own rows replaced on a new layout.
        LagSnapshot b;
        b.cluster = QStringLiteral("other");
        b.partitions = {{QStringLiteral("payments"), QStringLiteral("ledger"), QStringLiteral("payments.events"), 0, 1, 0, 3}};
        model.applySnapshot(b);
        QCOMPARE(model.rowCount(), 3);
        a.partitions.removeLast();
        model.applySnapshot(a);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.headerData(PartitionTableModel::Lag, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("Lag"));

        // Membership rides on the Group and Status cells as a tooltip.
        GroupFigures billing{QStringLiteral("orders"), QStringLiteral("billing"), 0, LagStatus::Ok, 2, QStringLiteral("Stable"), false};
        model.applySnapshot(a, {}, {billing});
        int row = 0;
        while (model.data(model.index(row, PartitionTableModel::Group)).toString() != QStringLiteral("billing"))
            ++row;
        QCOMPARE(model.data(model.index(row, PartitionTableModel::Group), Qt::ToolTipRole).toString(), QStringLiteral("2 members, Stable"));
        QCOMPARE(model.data(model.index(row, PartitionTableModel::Status), Qt::ToolTipRole).toString(), QStringLiteral("2 members, Stable"));
        QVERIFY(model.data(model.index(row, PartitionTableModel::Lag), Qt::ToolTipRole).isNull());
        QVERIFY(model.data(model.index(1 - row, PartitionTableModel::Group), Qt::ToolTipRole).toString().isEmpty()); // ledger: not told
        billing.members = 0;
        billing.state = QStringLiteral("Empty");
        billing.discovered = true;
        QCOMPARE(PartitionTableModel::membershipText(billing),
                 QStringLiteral("no members (Empty); discovered: the flow does not name this group, its members are assigned the flow's topics"));
        billing.members.reset();
        billing.state.clear();
        billing.discovered = false;
        QVERIFY(PartitionTableModel::membershipText(billing).startsWith(QStringLiteral("members unknown: ")));
    }

    void goneGroupLeavesNoRow()
    {
        // A discovered group whose members left: once the cluster's snapshot
        // no longer has it, the table has no row nor membership of it.
        PartitionTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        LagSnapshot s;
        s.cluster = QStringLiteral("main");
        s.partitions = {{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0, 5, 0, 10},
                        {QStringLiteral("orders"), QStringLiteral("console-1"), QStringLiteral("orders.events"), 0, 1, 0, 10}};
        const GroupFigures billing{QStringLiteral("orders"), QStringLiteral("billing"), 5, LagStatus::Ok, 1, QStringLiteral("Stable"), false};
        const GroupFigures console{QStringLiteral("orders"), QStringLiteral("console-1"), 9, LagStatus::Ok, 1, QStringLiteral("Stable"), true};
        model.applySnapshot(s, {}, {billing, console});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.knownGroups(), 2);
        s.partitions.removeLast();
        model.applySnapshot(s, {}, {billing});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0, PartitionTableModel::Group)).toString(), QStringLiteral("billing"));
        QCOMPARE(model.knownGroups(), 1);
    }

    void connectionTable()
    {
        ConnectionTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ConnectionHealth h;
        h.kind = ConnectionHealth::Kind::Store;
        h.name = QStringLiteral("billing");
        h.state = HealthState::Ok;
        h.latencyMs = 12;
        model.apply(h);
        h.state = HealthState::Down;
        h.latencyMs = -1;
        h.detail = QStringLiteral("connection refused\nsecond line");
        model.apply(h);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::State)).toString(), QStringLiteral("down"));
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::Detail)).toString(), QStringLiteral("connection refused"));
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::Latency)).toString(), QString());
        h.kind = ConnectionHealth::Kind::Cluster; // same name, other kind: another row
        model.apply(h);
        QCOMPARE(model.rowCount(), 2);
    }
};

QTEST_GUILESS_MAIN(TestLagModels)
#include "tst_lagmodels.moc"
