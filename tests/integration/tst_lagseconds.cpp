// Proves a group's lag in seconds is one figure: `idemctl lag --json` reports
// as `lag_seconds` what the console charts for the same cluster, following
// the flow's source topics, while a retry topic whose head waits on purpose
// (here far older than the source's) is reported apart as
// `retry_lag_seconds` and moves neither.

#include "connectors/kafka/lagpoller.h"
#include "connectors/kafka/mockkafka.h"
#include "tests/support/topicwriter.h"
#include "ui/mainwindow.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace idem;
using namespace idem::connectors::kafka;

class TestLagSeconds : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<MockKafka> m_kafka;

    // One record stamped `timestamp` on partition 0 of `topic`.
    void produce(const char *topic, qint64 timestamp)
    {
        models::RawMessage m;
        m.topic = QString::fromLatin1(topic);
        m.partition = 0;
        m.timestampMs = timestamp;
        m.value = QByteArray("x");
        testsupport::produce(m_kafka->bootstrapServers(), {m});
    }

    void commitAtZero(const char *topic)
    {
        testsupport::commitOffsets(m_kafka->bootstrapServers(), QStringLiteral("billing"), QString::fromLatin1(topic), {{0, 0}});
    }

    // What the console charts as billing's lag in seconds after this snapshot.
    static double consoleLagSeconds(const models::LagSnapshot &snapshot)
    {
        ui::MainWindow window;
        window.applySnapshot(snapshot);
        const models::TimeSeries *series = window.history().series(QStringLiteral("group/orders/billing/lag_seconds"));
        return series && !series->isEmpty() ? series->last().v : -1;
    }

private slots:
    void idemctlAndConsoleAgree()
    {
        auto started = MockKafka::start(1);
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_kafka = std::move(started.value());
        QVERIFY(m_kafka->createTopic(QStringLiteral("orders.events"), 1).ok());
        QVERIFY(m_kafka->createTopic(QStringLiteral("orders.retry.1"), 1).ok());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        produce("orders.events", now - 100000);   // the source's next record: 100 s old
        produce("orders.retry.1", now - 1000000); // a retry waiting its turn: 1 000 s old
        commitAtZero("orders.events");
        commitAtZero("orders.retry.1");

        models::KafkaClusterConfig cluster{QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}}};
        models::FlowConfig flow;
        flow.name = QStringLiteral("orders");
        flow.cluster = QStringLiteral("main");
        flow.topics = {QStringLiteral("orders.events")};
        flow.retryTopics = {QStringLiteral("orders.retry.1")};
        flow.groups = {{QStringLiteral("billing"), {}}};

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("version: 1\nenvironments:\n  test:\n    kafka:\n      main:\n        bootstrap.servers: %1\n"
                                  "    flows:\n      orders:\n        cluster: main\n        topics: [orders.events]\n"
                                  "        retry_topics: [orders.retry.1]\n        groups:\n          billing: {}\n")
                       .arg(m_kafka->bootstrapServers())
                       .toUtf8());
        file.close();

        // The ages grow with the clock: idemctl's poll falls between two of the console's.
        LagReader reader(cluster, {flow});
        const models::LagSnapshot before = reader.poll();
        QCOMPARE(before.health.state, models::HealthState::Ok);
        QProcess lag;
        lag.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("lag"), QStringLiteral("--json"),
                                            QStringLiteral("--polls"), QStringLiteral("1")});
        QVERIFY(lag.waitForFinished(60000));
        QCOMPARE(lag.exitCode(), 0);
        const models::LagSnapshot after = reader.poll();
        QCOMPARE(after.health.state, models::HealthState::Ok);

        const QJsonArray flows = QJsonDocument::fromJson(lag.readAllStandardOutput()).object().value(QStringLiteral("flows")).toArray();
        QCOMPARE(flows.size(), 1);
        const QJsonObject billing = flows[0].toObject().value(QStringLiteral("groups")).toArray()[0].toObject();
        QCOMPARE(billing.value(QStringLiteral("group")).toString(), QStringLiteral("billing"));
        QCOMPARE(billing.value(QStringLiteral("partitions")).toArray().size(), 2); // the retry partition is read
        const double ctl = billing.value(QStringLiteral("lag_seconds")).toDouble(-1);
        const double consoleBefore = consoleLagSeconds(before);
        const double consoleAfter = consoleLagSeconds(after);
        qInfo("lag_seconds: console %.3f, idemctl %.3f, console %.3f", consoleBefore, ctl, consoleAfter);
        QVERIFY2(consoleBefore >= 99 && consoleBefore < 200, qPrintable(QString::number(consoleBefore)));
        QVERIFY2(ctl >= consoleBefore && ctl <= consoleAfter,
                 qPrintable(QStringLiteral("idemctl %1 s, console %2 s then %3 s").arg(ctl).arg(consoleBefore).arg(consoleAfter)));

        // The retry topic's age, reported apart, is the one the model gives.
        const double retry = billing.value(QStringLiteral("retry_lag_seconds")).toDouble(-1);
        const qint64 retryBefore = models::groupLagAges(before).value({QStringLiteral("orders"), QStringLiteral("billing")}).retryMs;
        const qint64 retryAfter = models::groupLagAges(after).value({QStringLiteral("orders"), QStringLiteral("billing")}).retryMs;
        QVERIFY2(retryBefore >= 999000, qPrintable(QString::number(retryBefore)));
        QVERIFY2(retry >= retryBefore / 1000.0 && retry <= retryAfter / 1000.0,
                 qPrintable(QStringLiteral("idemctl %1 s, model %2 ms then %3 ms").arg(retry).arg(retryBefore).arg(retryAfter)));
    }
};

QTEST_MAIN(TestLagSeconds)
#include "tst_lagseconds.moc"
