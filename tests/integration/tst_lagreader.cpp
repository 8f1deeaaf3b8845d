// Proves the committed offsets, watermarks and lag Idem reports for a group
// equal what a separate librdkafka client reads from the same cluster, that
// a cluster refusing group discovery (the mock) leaves the configured groups
// with membership unknown and a note, quickly, and that an unreachable
// cluster is reported as down, not waited for.

#include "connectors/kafka/lagpoller.h"
#include "connectors/kafka/mockkafka.h"
#include "models/metrics/flowmetrics.h"
#include "tests/support/topicreader.h"
#include "tests/support/topicwriter.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace idem;
using namespace idem::connectors::kafka;

class TestLagReader : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<MockKafka> m_kafka;
    models::KafkaClusterConfig m_cluster;
    models::FlowConfig m_flow;
    qint64 m_stampBase = 0;

    void commit(const char *topic, const QList<QPair<int, qint64>> &offsets)
    {
        testsupport::commitOffsets(m_kafka->bootstrapServers(), QStringLiteral("billing"), QString::fromLatin1(topic), offsets);
    }

private slots:
    void initTestCase()
    {
        auto started = MockKafka::start(3);
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_kafka = std::move(started.value());
        QVERIFY(m_kafka->createTopic(QStringLiteral("orders.events"), 3).ok());
        QVERIFY(m_kafka->createTopic(QStringLiteral("orders.retry.1"), 1).ok());
        auto producer = createClient(RD_KAFKA_PRODUCER, {{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}});
        QVERIFY(producer.ok());
        // Message i is stamped 100 s ago plus i seconds: lag in seconds is checkable.
        m_stampBase = QDateTime::currentMSecsSinceEpoch() - 100000;
        for (int i = 0; i < 30; ++i) {
            const QByteArray v = QByteArray::number(i);
            QCOMPARE(rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC("orders.events"), RD_KAFKA_V_PARTITION(i % 3),
                                       RD_KAFKA_V_TIMESTAMP(m_stampBase + i * 1000),
                                       RD_KAFKA_V_VALUE(const_cast<char *>(v.constData()), size_t(v.size())),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        QCOMPARE(rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC("orders.retry.1"), RD_KAFKA_V_PARTITION(0),
                                   RD_KAFKA_V_VALUE(const_cast<char *>("r"), size_t(1)), RD_KAFKA_V_END),
                 RD_KAFKA_RESP_ERR_NO_ERROR);
        QCOMPARE(rd_kafka_flush(producer->get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
        commit("orders.events", {{0, 4}, {1, 10}});

        m_cluster = {QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}}};
        m_flow.name = QStringLiteral("orders");
        m_flow.cluster = QStringLiteral("main");
        m_flow.topics = {QStringLiteral("orders.events")};
        m_flow.retryTopics = {QStringLiteral("orders.retry.1")};
        m_flow.groups = {{QStringLiteral("billing"), {}}, {QStringLiteral("shipping"), {}}};
    }

    void lagEqualsIndependentRead()
    {
        LagReader reader(m_cluster, {m_flow});
        const models::LagSnapshot s = reader.poll();
        QCOMPARE(s.health.state, models::HealthState::Ok);
        QVERIFY2(s.problems.isEmpty(), qPrintable(s.problems.join(QLatin1Char('\n'))));
        // 3 source partitions per group; the retry topic only where committed (nowhere yet).
        QCOMPARE(s.partitions.size(), 6);
        const auto marks = idem::testsupport::watermarks(m_kafka->bootstrapServers(), QStringLiteral("orders.events"));
        QCOMPARE(marks.size(), 3);
        const QHash<int, qint64> billingCommitted{{0, 4}, {1, 10}, {2, -1}};
        for (const auto &p : s.partitions) {
            QCOMPARE(p.topic, QStringLiteral("orders.events"));
            QCOMPARE(p.low, marks[p.partition].low);
            QCOMPARE(p.high, marks[p.partition].high);
            QCOMPARE(p.high, 10);
            const qint64 expected = p.group == QLatin1String("billing") ? billingCommitted[p.partition] : -1;
            QCOMPARE(p.committed, expected);
        }
        // Lag in seconds: the age of the record at the committed offset
        // (offset o of partition p is message 3o + p).
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const auto &p : s.partitions) {
            if (p.lag() == 0) {
                QCOMPARE(p.lagMs, 0);
                continue;
            }
            const qint64 next = std::max<qint64>(p.committed, 0);
            const qint64 expected = now - (m_stampBase + (3 * next + p.partition) * 1000);
            QVERIFY2(p.lagMs <= expected && p.lagMs > expected - 5000,
                     qPrintable(QStringLiteral("%1[%2] %3: %4 ms, expected about %5").arg(p.topic).arg(p.partition).arg(p.group).arg(p.lagMs).arg(expected)));
        }
        const auto totals = models::groupTotals(s.partitions);
        QCOMPARE(totals[0].lag, (10 - 4) + 0 + 10);
        QCOMPARE(totals[1].lag, 30);

        commit("orders.retry.1", {{0, 0}});
        const models::LagSnapshot again = reader.poll();
        QCOMPARE(again.partitions.size(), 7);
        const auto retry = std::find_if(again.partitions.begin(), again.partitions.end(),
                                        [](const auto &p) { return p.topic == QLatin1String("orders.retry.1"); });
        QCOMPARE(retry->group, QStringLiteral("billing"));
        QCOMPARE(retry->lag(), 1);
    }

    void discoveryRefusedUsesConfiguredGroups()
    {
        // The mock answers ListConsumerGroups with "unsupported" at once.
        const std::chrono::milliseconds timeout(3000);
        LagReader reader(m_cluster, {m_flow}, timeout);
        models::MetricsTracker tracker;
        QElapsedTimer timer;
        timer.start();
        const models::LagSnapshot s = reader.poll();
        const qint64 firstMs = timer.elapsed();
        qInfo("first poll, group discovery refused: %lld ms", firstMs);
        QVERIFY2(firstMs < timeout.count() + 2000, qPrintable(QStringLiteral("%1 ms").arg(firstMs)));
        tracker.add(s);

        QCOMPARE(s.health.state, models::HealthState::Ok); // a note, not a fault
        QVERIFY2(s.problems.isEmpty(), qPrintable(s.problems.join(QLatin1Char('\n'))));
        QCOMPARE(s.notes.size(), 1);
        QVERIFY2(s.notes[0].startsWith(QStringLiteral("group discovery not answered by this cluster (")), qPrintable(s.notes[0]));
        QVERIFY2(s.notes[0].endsWith(QStringLiteral("): using the configured groups, membership unknown")), qPrintable(s.notes[0]));
        QVERIFY(s.health.detail.section(QLatin1Char('\n'), 1).contains(s.notes[0]));

        QCOMPARE(s.groups.size(), 2);
        QCOMPARE(s.groups[0].group, QStringLiteral("billing"));
        QCOMPARE(s.groups[1].group, QStringLiteral("shipping"));
        for (const auto &g : s.groups) {
            QCOMPARE(g.flow, QStringLiteral("orders"));
            QVERIFY(!g.discovered);
            QCOMPARE(g.members, std::nullopt);
            QCOMPARE(g.hasMembers(), std::nullopt);
            QVERIFY(g.state.isEmpty());
            QCOMPARE(g.topics, QStringList{QStringLiteral("orders.events")});
        }
        // The committed offsets are read as without discovery.
        const QHash<int, qint64> billingCommitted{{0, 4}, {1, 10}, {2, -1}};
        int source = 0;
        for (const auto &p : s.partitions) {
            if (p.topic != QLatin1String("orders.events"))
                continue;
            ++source;
            QCOMPARE(p.committed, p.group == QLatin1String("billing") ? billingCommitted[p.partition] : -1);
        }
        QCOMPARE(source, 6);

        // Not asked again at the next poll: the refusal is remembered and still noted.
        timer.restart();
        const models::LagSnapshot again = reader.poll();
        qInfo("second poll, discovery resting: %lld ms", timer.elapsed());
        QCOMPARE(again.notes, s.notes);
        QCOMPARE(again.groups.size(), 2);
        QCOMPARE(again.groups[0].members, std::nullopt);
        tracker.add(again);

        // Membership unknown: where billing's commit stands still with lag it
        // is STALLED (not STOPPED); where nothing was ever committed, STOPPED.
        QHash<QString, QString> statuses;
        for (const auto &p : tracker.partitions())
            statuses.insert(QStringLiteral("%1 %2[%3]").arg(p.partition.group, p.partition.topic).arg(p.partition.partition),
                            models::lagStatusName(p.status));
        QCOMPARE(statuses.value(QStringLiteral("billing orders.events[0]")), QStringLiteral("STALLED"));
        QCOMPARE(statuses.value(QStringLiteral("billing orders.events[1]")), QStringLiteral("OK"));
        QCOMPARE(statuses.value(QStringLiteral("billing orders.events[2]")), QStringLiteral("STOPPED"));
        QCOMPARE(statuses.value(QStringLiteral("shipping orders.events[0]")), QStringLiteral("STOPPED"));
        QCOMPARE(tracker.groups()[0].members, std::nullopt);
    }

    void idemctlLagShowsMembershipUnknown()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("version: 1\nenvironments:\n  test:\n    kafka:\n      main:\n        bootstrap.servers: %1\n"
                                  "    flows:\n      orders:\n        cluster: main\n        topics: [orders.events]\n"
                                  "        groups:\n          billing: {}\n")
                       .arg(m_kafka->bootstrapServers())
                       .toUtf8());
        file.close();
        QProcess lag;
        lag.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("lag"), QStringLiteral("--json"),
                                            QStringLiteral("--polls"), QStringLiteral("1")});
        QVERIFY(lag.waitForFinished(60000));
        QCOMPARE(lag.exitCode(), 0);
        const QJsonArray flows = QJsonDocument::fromJson(lag.readAllStandardOutput()).object().value(QStringLiteral("flows")).toArray();
        QCOMPARE(flows.size(), 1);
        const QJsonObject flow = flows[0].toObject();
        QCOMPARE(flow.value(QStringLiteral("notes")).toArray().size(), 1);
        QVERIFY(flow.value(QStringLiteral("notes")).toArray()[0].toString().startsWith(QStringLiteral("group discovery not answered")));
        const QJsonObject billing = flow.value(QStringLiteral("groups")).toArray()[0].toObject();
        QCOMPARE(billing.value(QStringLiteral("group")).toString(), QStringLiteral("billing"));
        QVERIFY(billing.contains(QStringLiteral("members")));
        QVERIFY(billing.value(QStringLiteral("members")).isNull());
        QVERIFY(billing.value(QStringLiteral("state")).isNull());
        QCOMPARE(billing.value(QStringLiteral("discovered")), QJsonValue(false));

        // Each partition's share of the group's lag.
        const qint64 groupLag = billing.value(QStringLiteral("lag")).toInteger();
        QVERIFY(groupLag > 0);
        double shares = 0;
        for (const auto &pv : billing.value(QStringLiteral("partitions")).toArray()) {
            const QJsonObject p = pv.toObject();
            QCOMPARE(p.value(QStringLiteral("lag_share")).toDouble(), double(p.value(QStringLiteral("lag")).toInteger()) / double(groupLag));
            shares += p.value(QStringLiteral("lag_share")).toDouble();
        }
        QVERIFY(qAbs(shares - 1.0) < 1e-9);
    }

    void missingTopicIsDegraded()
    {
        models::FlowConfig flow = m_flow;
        flow.topics << QStringLiteral("orders.missing");
        LagReader reader(m_cluster, {flow});
        const models::LagSnapshot s = reader.poll();
        QCOMPARE(s.health.state, models::HealthState::Degraded);
        QVERIFY(s.health.detail.contains(QStringLiteral("topic orders.missing does not exist on the cluster")));
    }

    void idemctlReportsWhatItCouldReadThenFails()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("version: 1\nenvironments:\n  test:\n    kafka:\n      main:\n        bootstrap.servers: %1\n"
                                  "    stores:\n      billing:\n        connection: host=127.0.0.1 port=1 dbname=billing user=idem_reader\n"
                                  "    flows:\n      orders:\n        cluster: main\n        topics: [orders.events]\n"
                                  "        groups:\n          billing: {store: billing}\n")
                       .arg(m_kafka->bootstrapServers())
                       .toUtf8());
        file.close();
        QProcess ctl;
        ctl.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("health"), QStringLiteral("--json"),
                                            QStringLiteral("--polls"), QStringLiteral("1")});
        QVERIFY(ctl.waitForFinished(60000));
        QCOMPARE(ctl.exitCode(), 1);
        const QJsonObject out = QJsonDocument::fromJson(ctl.readAllStandardOutput()).object();
        const QJsonArray connections = out.value(QStringLiteral("connections")).toArray();
        QCOMPARE(connections.size(), 2);
        QCOMPARE(connections[0].toObject().value(QStringLiteral("state")).toString(), QStringLiteral("ok"));
        QCOMPARE(connections[1].toObject().value(QStringLiteral("state")).toString(), QStringLiteral("down"));
        // The cluster is ok; that it does not answer group discovery is a note.
        const QJsonArray notes = connections[0].toObject().value(QStringLiteral("notes")).toArray();
        QCOMPARE(notes.size(), 1);
        QVERIFY(notes[0].toString().startsWith(QStringLiteral("group discovery not answered by this cluster")));
        const QString err = QString::fromUtf8(ctl.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("idemctl: billing is down: ")) && err.contains(QStringLiteral("port 1 failed")), qPrintable(err));

        QProcess lag;
        lag.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("lag"), QStringLiteral("--flow"),
                                            QStringLiteral("nope")});
        QVERIFY(lag.waitForFinished(30000));
        QCOMPARE(lag.exitCode(), 2);
        QCOMPARE(QString::fromUtf8(lag.readAllStandardError()).trimmed(),
                 QStringLiteral("idemctl: environment \"test\" has no flow \"nope\""));
    }

    void unreachableClusterIsDown()
    {
        models::KafkaClusterConfig nowhere{QStringLiteral("nowhere"), {{QStringLiteral("bootstrap.servers"), QStringLiteral("127.0.0.1:1")}}};
        LagReader reader(nowhere, {m_flow}, std::chrono::milliseconds(1500));
        QElapsedTimer timer;
        timer.start();
        const models::LagSnapshot s = reader.poll();
        QVERIFY(timer.elapsed() < 5000);
        QCOMPARE(s.health.state, models::HealthState::Down);
        QVERIFY2(s.health.detail.startsWith(QStringLiteral("cannot read the cluster's metadata")), qPrintable(s.health.detail));

        models::KafkaClusterConfig bad{QStringLiteral("bad"), {{QStringLiteral("bootstrap.servers"), QStringLiteral("x")},
                                                                {QStringLiteral("no.such.property"), QStringLiteral("secret-value")}}};
        const models::LagSnapshot refused = LagReader(bad, {m_flow}).poll();
        QCOMPARE(refused.health.state, models::HealthState::Down);
        QVERIFY(refused.health.detail.contains(QStringLiteral("no.such.property")));
        QVERIFY(!refused.health.detail.contains(QStringLiteral("secret-value")));
    }
};

QTEST_GUILESS_MAIN(TestLagReader)
#include "tst_lagreader.moc"
