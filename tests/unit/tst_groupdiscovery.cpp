// Proves which groups a flow gets from what the cluster answered to group
// discovery (configured ones, plus those assigned the flow's topics) and what
// each one's membership makes of a group whose commits stand still with lag:
// STOPPED when it is known to have no members, STALLED otherwise.

#include "models/metrics/groupdiscovery.h"
#include "models/metrics/lagstatus.h"

#include <QtTest>

using namespace idem::models;

Q_DECLARE_METATYPE(QList<DescribedGroup>)
Q_DECLARE_METATYPE(RememberedGroups)

namespace {

FlowConfig ordersFlow()
{
    FlowConfig flow;
    flow.name = QStringLiteral("orders");
    flow.cluster = QStringLiteral("main");
    flow.topics = {QStringLiteral("orders.events")};
    flow.retryTopics = {QStringLiteral("orders.retry.1")};
    flow.deadLetterTopic = QStringLiteral("orders.dlq");
    flow.groups = {{QStringLiteral("billing"), {}}, {QStringLiteral("shipping"), {}}};
    return flow;
}

// "name state members topic:partition,…" ("simple" after the members for a
// group that commits without joining).
DescribedGroup described(const QString &spec)
{
    const QStringList parts = spec.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    DescribedGroup d;
    d.group = parts.value(0);
    d.state = parts.value(1);
    d.members = parts.value(2).toInt();
    for (const QString &part : parts.mid(3)) {
        if (part == QLatin1String("simple")) {
            d.simple = true;
            continue;
        }
        for (const QString &tp : part.split(QLatin1Char(',')))
            d.assigned.append({tp.section(QLatin1Char(':'), 0, 0), tp.section(QLatin1Char(':'), 1).toInt()});
    }
    return d;
}

// The status of a group whose commits have stood still at lag 50 for a minute.
QString stuckStatus(const FlowGroup &g)
{
    const QList<OffsetSample> samples{{0, 100, 150, 50}, {60000, 100, 150, 50}};
    return lagStatusName(evaluateLagStatus(samples, g.hasMembers()));
}

QString line(const FlowGroup &g)
{
    return QStringLiteral("%1/%2 %3 members=%4 state=%5 topics=%6 %7")
        .arg(g.flow, g.group, g.discovered ? QStringLiteral("discovered") : QStringLiteral("configured"),
             g.members ? QString::number(*g.members) : QStringLiteral("?"), g.state.isEmpty() ? QStringLiteral("-") : g.state,
             g.topics.join(QLatin1Char(',')), stuckStatus(g));
}

} // namespace

class TestGroupDiscovery : public QObject
{
    Q_OBJECT

private slots:
    void merge_data()
    {
        QTest::addColumn<bool>("answered");
        QTest::addColumn<bool>("complete");
        QTest::addColumn<QStringList>("listed");
        QTest::addColumn<QList<DescribedGroup>>("described");
        QTest::addColumn<RememberedGroups>("remembered");
        QTest::addColumn<QStringList>("groups");

        const QStringList both{QStringLiteral("billing"), QStringLiteral("shipping")};
        const DescribedGroup billing = described(QStringLiteral("billing Stable 2 orders.events:0,orders.events:1,orders.events:2"));
        const DescribedGroup shipping = described(QStringLiteral("shipping Stable 1 orders.events:0,orders.events:1,orders.events:2"));
        const RememberedGroups audit{{QStringLiteral("orders"), {{QStringLiteral("audit"), {QStringLiteral("orders.retry.1")}}}}};

        QTest::newRow("not answered: the configured groups, membership unknown")
            << false << false << QStringList() << QList<DescribedGroup>() << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=? state=- topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=? state=- topics=orders.events STALLED")};
        QTest::newRow("answered: configured groups with their members")
            << true << true << both << QList<DescribedGroup>{billing, shipping} << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED")};
        QTest::newRow("a group assigned a flow topic is discovered")
            << true << true << (both + QStringList{QStringLiteral("audit")})
            << QList<DescribedGroup>{billing, shipping, described(QStringLiteral("audit Stable 1 orders.retry.1:0"))} << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/audit discovered members=1 state=Stable topics=orders.retry.1 STALLED")};
        QTest::newRow("a group on unrelated topics is ignored")
            << true << true << (both + QStringList{QStringLiteral("inventory")})
            << QList<DescribedGroup>{billing, shipping, described(QStringLiteral("inventory Stable 3 stock.events:0,orders.dlq:0"))}
            << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED")};
        QTest::newRow("configured group missing from a complete listing: no members, stopped")
            << true << true << QStringList{QStringLiteral("billing")} << QList<DescribedGroup>{billing} << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=0 state=Dead topics=orders.events STOPPED")};
        QTest::newRow("configured group missing from a partial listing: unknown")
            << true << false << QStringList{QStringLiteral("billing")} << QList<DescribedGroup>{billing} << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=? state=- topics=orders.events STALLED")};
        QTest::newRow("listed but not described: unknown")
            << true << true << both << QList<DescribedGroup>{billing} << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=? state=- topics=orders.events STALLED")};
        QTest::newRow("empty group: no members, stopped")
            << true << true << both << QList<DescribedGroup>{described(QStringLiteral("billing Empty 0")), shipping} << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=0 state=Empty topics=orders.events STOPPED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED")};
        QTest::newRow("simple group: no members says nothing")
            << true << true << both << QList<DescribedGroup>{described(QStringLiteral("billing Empty 0 simple")), shipping}
            << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=? state=Empty topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED")};
        QTest::newRow("configured group assigned a retry topic reads all of it")
            << true << true << both
            << QList<DescribedGroup>{described(QStringLiteral("billing Stable 1 orders.retry.1:0,orders.events:0")), shipping}
            << RememberedGroups()
            << QStringList{QStringLiteral("orders/billing configured members=1 state=Stable topics=orders.events,orders.retry.1 STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED")};
        QTest::newRow("discovered before, members gone: stays, stopped")
            << true << true << (both + QStringList{QStringLiteral("audit")})
            << QList<DescribedGroup>{billing, shipping, described(QStringLiteral("audit Empty 0"))} << audit
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/audit discovered members=0 state=Empty topics=orders.retry.1 STOPPED")};
        QTest::newRow("discovered before, not answered now: stays, unknown")
            << false << false << QStringList() << QList<DescribedGroup>() << audit
            << QStringList{QStringLiteral("orders/billing configured members=? state=- topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=? state=- topics=orders.events STALLED"),
                           QStringLiteral("orders/audit discovered members=? state=- topics=orders.retry.1 STALLED")};
        QTest::newRow("discovered before, gone from the cluster: dropped")
            << true << true << both << QList<DescribedGroup>{billing, shipping} << audit
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED")};
        QTest::newRow("discovered before, consuming other topics now: dropped")
            << true << true << (both + QStringList{QStringLiteral("audit")})
            << QList<DescribedGroup>{billing, shipping, described(QStringLiteral("audit Stable 1 stock.events:0"))} << audit
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED")};
        QTest::newRow("discovered before, now assigned another flow topic: reads both")
            << true << true << (both + QStringList{QStringLiteral("audit")})
            << QList<DescribedGroup>{billing, shipping, described(QStringLiteral("audit Stable 1 orders.events:1"))} << audit
            << QStringList{QStringLiteral("orders/billing configured members=2 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED"),
                           QStringLiteral("orders/audit discovered members=1 state=Stable topics=orders.events,orders.retry.1 STALLED")};
    }
    void merge()
    {
        QFETCH(bool, answered);
        QFETCH(bool, complete);
        QFETCH(QStringList, listed);
        QFETCH(QList<DescribedGroup>, described);
        QFETCH(RememberedGroups, remembered);
        QFETCH(QStringList, groups);
        GroupListing listing;
        listing.answered = answered;
        listing.complete = complete;
        listing.listed = QSet<QString>(listed.cbegin(), listed.cend());
        for (const auto &d : described)
            listing.described.insert(d.group, d);
        QStringList lines;
        for (const FlowGroup &g : mergeGroups({ordersFlow()}, listing, remembered))
            lines << line(g);
        QCOMPARE(lines, groups);
    }

    void assignmentKeptPerFlowAndRemembered()
    {
        FlowConfig payments;
        payments.name = QStringLiteral("payments");
        payments.topics = {QStringLiteral("payments.events")};
        payments.groups = {{QStringLiteral("ledger"), {}}};
        GroupListing listing;
        listing.answered = true;
        listing.complete = true;
        listing.listed = {QStringLiteral("billing"), QStringLiteral("shipping"), QStringLiteral("ledger"), QStringLiteral("audit")};
        for (const auto &spec : {QStringLiteral("billing Stable 1 orders.events:0"), QStringLiteral("shipping Stable 1 orders.events:1"),
                                 QStringLiteral("ledger Stable 1 payments.events:0"),
                                 QStringLiteral("audit Stable 2 orders.events:2,payments.events:1")}) {
            const DescribedGroup d = described(spec);
            listing.described.insert(d.group, d);
        }
        const QList<FlowGroup> groups = mergeGroups({ordersFlow(), payments}, listing);
        QStringList lines;
        for (const FlowGroup &g : groups)
            lines << line(g);
        // audit consumes both flows' topics: each flow discovers it with its own partitions.
        QCOMPARE(lines, (QStringList{QStringLiteral("orders/billing configured members=1 state=Stable topics=orders.events STALLED"),
                                     QStringLiteral("orders/shipping configured members=1 state=Stable topics=orders.events STALLED"),
                                     QStringLiteral("orders/audit discovered members=2 state=Stable topics=orders.events STALLED"),
                                     QStringLiteral("payments/ledger configured members=1 state=Stable topics=payments.events STALLED"),
                                     QStringLiteral("payments/audit discovered members=2 state=Stable topics=payments.events STALLED")}));
        QCOMPARE(groups[2].assigned, (QList<QPair<QString, int>>{{QStringLiteral("orders.events"), 2}}));
        QCOMPARE(groups[4].assigned, (QList<QPair<QString, int>>{{QStringLiteral("payments.events"), 1}}));

        const RememberedGroups remembered = rememberDiscovered(groups);
        QCOMPARE(remembered.value(QStringLiteral("orders")).keys(), QStringList{QStringLiteral("audit")});
        QCOMPARE(remembered.value(QStringLiteral("payments")).value(QStringLiteral("audit")), QStringList{QStringLiteral("payments.events")});
    }
};

QTEST_GUILESS_MAIN(TestGroupDiscovery)
#include "tst_groupdiscovery.moc"
