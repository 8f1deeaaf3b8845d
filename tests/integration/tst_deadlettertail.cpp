// Proves live health reads dead letters through the flow's envelope: Spring
// Kafka dead letters produced byte for byte (binary big-endian partition,
// offset and timestamp, stack traces) to a Kafka cluster are grouped by
// exception class and first frame with their counts and failing group;
// messages whose headers cannot be read count as decode errors with the
// decoder's words; later polls read only what arrived since; a flood is read
// a bounded number per poll; the live monitor hands the digest to the
// console; and `idemctl deadletters --json` prints the same figures.

#include "connectors/config/configfile.h"
#include "connectors/kafka/deadlettertail.h"
#include "connectors/kafka/lagpoller.h"
#include "connectors/kafka/mockkafka.h"
#include "tests/support/topicwriter.h"
#include "connectors/monitor/livemonitor.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace idem;
using namespace idem::connectors::kafka;

namespace {

using Headers = idem::testsupport::RecordHeaders;
using idem::testsupport::bigEndian32;
using idem::testsupport::bigEndian64;

// A dead letter as Spring Kafka's DeadLetterPublishingRecoverer writes it.
Headers springHeaders(int i, const QByteArray &exception, const QByteArray &frame, QByteArray partition = {})
{
    if (partition.isNull())
        partition = bigEndian32(i % 2);
    return {{"kafka_dlt-original-topic", "orders"},
            {"kafka_dlt-original-partition", partition},
            {"kafka_dlt-original-offset", bigEndian64(1000 + i)},
            {"kafka_dlt-original-timestamp", bigEndian64(1795700000000LL + i)},
            {"kafka_dlt-original-consumer-group", "fulfilment"},
            {"kafka_dlt-exception-fqcn", "org.springframework.kafka.listener.ListenerExecutionFailedException"},
            {"kafka_dlt-exception-message", "Listener failed; nested exception is " + exception + ": item " + QByteArray::number(i)},
            {"kafka_dlt-exception-stacktrace", exception + ": item " + QByteArray::number(i) + "\n\tat " + frame + "(Fulfilment.java:"
                                                   + QByteArray::number(80 + i % 3) + ")\n\tat org.springframework.kafka.Listener.invoke(Listener.java:12)\n"}};
}

} // namespace

class TestDeadLetterTail : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<MockKafka> m_kafka;

    models::KafkaClusterConfig cluster() const
    {
        return {QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}}};
    }

    static models::FlowConfig flow(const QString &name, const QString &dlq)
    {
        models::FlowConfig f;
        f.name = name;
        f.cluster = QStringLiteral("main");
        f.topics = {QStringLiteral("orders")};
        f.groups = {{QStringLiteral("fulfilment"), {}}};
        f.deadLetterTopic = dlq;
        f.deadLetterEnvelope.preset = QStringLiteral("spring");
        return f;
    }

    void produce(const char *topic, int partition, const QByteArray &value, const Headers &headers)
    {
        idem::testsupport::produce(m_kafka->bootstrapServers(), QString::fromLatin1(topic), {{{}, value, headers, partition}});
    }

    void produceDeadLetters(const char *topic, int from, int count)
    {
        for (int i = from; i < from + count; ++i) {
            const QByteArray payload = "{\"event_id\":\"evt-" + QByteArray::number(i) + "\",\"order\":" + QByteArray::number(i) + "}";
            // Two of every five fail on prices, the rest on stock.
            const bool pricing = i % 5 < 2;
            produce(topic, i % 2, payload,
                    springHeaders(i, pricing ? "java.lang.NullPointerException" : "java.lang.IllegalStateException",
                                  pricing ? "com.example.Pricing.quote" : "com.example.Fulfilment.reserve"));
        }
    }

    QList<models::DeadLetterDigest> pollOnce(LagReader &reader, DeadLetterTail &tail)
    {
        const models::LagSnapshot snapshot = reader.poll();
        if (snapshot.health.state == models::HealthState::Down)
            qWarning("%s", qPrintable(snapshot.health.detail));
        return tail.poll(snapshot);
    }

private slots:
    void initTestCase()
    {
        auto started = MockKafka::start(1);
        QVERIFY(started.ok());
        m_kafka = std::move(started.value());
        for (const char *t : {"orders", "orders.DLT", "flood.DLT", "hostile.DLT", "shared.DLT"})
            QVERIFY(m_kafka->createTopic(QString::fromLatin1(t), 2).ok());
    }

    void groupsFailuresAndCountsDecodeErrors()
    {
        produceDeadLetters("orders.DLT", 0, 20);
        // A partition header three bytes wide: neither text nor a 4- or 8-byte integer.
        produce("orders.DLT", 0, "{\"event_id\":\"evt-bad-1\"}",
                springHeaders(100, "java.lang.IllegalStateException", "com.example.Fulfilment.reserve", QByteArray("\x00\x00\x01", 3)));
        // A payload that is not JSON: no event_id to be found.
        produce("orders.DLT", 1, QByteArray("\xff\xfe\x00binary", 9),
                springHeaders(101, "java.lang.IllegalStateException", "com.example.Fulfilment.reserve"));

        const QList<models::FlowConfig> flows{flow(QStringLiteral("orders"), QStringLiteral("orders.DLT"))};
        LagReader reader(cluster(), flows);
        DeadLetterTail tail(cluster(), flows);
        QVERIFY(tail.problems().isEmpty());
        QList<models::DeadLetterDigest> digests = pollOnce(reader, tail);
        QCOMPARE(digests.size(), 1);
        models::DeadLetterDigest d = digests.first();
        QCOMPARE(d.flow(), QStringLiteral("orders"));
        QCOMPARE(d.topic(), QStringLiteral("orders.DLT"));
        QCOMPARE(d.read(), 22);

        QList<models::FailureCount> failures = d.failures();
        QCOMPARE(failures.size(), 2);
        QCOMPARE(failures[0].group.exceptionClass, QStringLiteral("java.lang.IllegalStateException"));
        QCOMPARE(failures[0].group.firstFrame, QStringLiteral("com.example.Fulfilment.reserve"));
        QCOMPARE(failures[0].count, 12 + 2);
        QCOMPARE(failures[0].consumerGroups, QStringList{QStringLiteral("fulfilment")});
        QVERIFY(failures[0].newest.isValid());
        QCOMPARE(failures[1].group.exceptionClass, QStringLiteral("java.lang.NullPointerException"));
        QCOMPARE(failures[1].group.firstFrame, QStringLiteral("com.example.Pricing.quote"));
        QCOMPARE(failures[1].count, 8);
        QVERIFY(failures[1].exampleEventId.startsWith(QStringLiteral("evt-")));

        const models::TopicDecodeErrors errors = d.decodeErrors().topic(QStringLiteral("orders.DLT"));
        QCOMPARE(errors.messages, 22);
        QCOMPARE(errors.failed, 2);
        QCOMPARE(errors.failedOn(models::EnvelopeField::OriginalPartition), 1);
        QCOMPARE(errors.failedOn(models::EnvelopeField::EventId), 1);
        QStringList problems;
        for (const auto &s : errors.recent)
            problems << s.problem;
        QVERIFY2(problems.filter(QStringLiteral("could not read original_partition: ")).size() == 1, qPrintable(problems.join('\n')));
        QVERIFY2(problems.filter(QStringLiteral("could not read event_id: ")).size() == 1, qPrintable(problems.join('\n')));

        // Nothing new: the same figures. Five more: only those are added.
        QCOMPARE(pollOnce(reader, tail).first(), d);
        produceDeadLetters("orders.DLT", 20, 5);
        d = pollOnce(reader, tail).first();
        QCOMPARE(d.read(), 27);
        failures = d.failures();
        QCOMPARE(failures[0].count, 14 + 3);
        QCOMPARE(failures[1].count, 8 + 2);
        QCOMPARE(d.decodeErrors().failed(QStringLiteral("orders.DLT")), 2);
    }

    void startsFromTheNewestAndReadsABoundedNumberPerPoll()
    {
        produceDeadLetters("flood.DLT", 0, 60); // 30 per partition
        const QList<models::FlowConfig> flows{flow(QStringLiteral("flood"), QStringLiteral("flood.DLT"))};
        LagReader reader(cluster(), flows);
        DeadLetterTail::Limits limits;
        limits.backlog = 20; // the newest 10 of each partition
        limits.perPoll = 8; // 4 per partition and poll
        DeadLetterTail tail(cluster(), flows, limits);
        QList<qint64> read;
        for (int poll = 0; poll < 4; ++poll)
            read << pollOnce(reader, tail).first().read();
        QCOMPARE(read, (QList<qint64>{8, 16, 20, 20}));
        // The newest were read: event ids 40..59.
        const auto failures = pollOnce(reader, tail).first().failures();
        qint64 total = 0;
        for (const auto &f : failures)
            total += f.count;
        QCOMPARE(total, 20);
    }

    void twoFlowsSharingADeadLetterTopicBothCountEveryMessage()
    {
        // Both flows name shared.DLT: it is read once, and every message is
        // counted into each flow's digest (before, the second flow's read of
        // the same partitions took the first one's place).
        produceDeadLetters("shared.DLT", 0, 10);
        models::FlowConfig other = flow(QStringLiteral("payments"), QStringLiteral("shared.DLT"));
        other.topics = {QStringLiteral("orders")};
        const QList<models::FlowConfig> flows{flow(QStringLiteral("orders"), QStringLiteral("shared.DLT")), other};
        LagReader reader(cluster(), flows);
        DeadLetterTail tail(cluster(), flows);
        QList<models::DeadLetterDigest> digests = pollOnce(reader, tail);
        QCOMPARE(digests.size(), 2);
        QCOMPARE(digests[0].flow(), QStringLiteral("orders"));
        QCOMPARE(digests[1].flow(), QStringLiteral("payments"));
        QCOMPARE(digests[0].read(), 10);
        QCOMPARE(digests[1].read(), 10);
        QCOMPARE(digests[0].failures(), digests[1].failures());
        produceDeadLetters("shared.DLT", 10, 4);
        digests = pollOnce(reader, tail);
        QCOMPARE(digests[0].read(), 14);
        QCOMPARE(digests[1].read(), 14);
    }

    void aFlowWithABadEnvelopeIsNamed()
    {
        models::FlowConfig f = flow(QStringLiteral("orders"), QStringLiteral("orders.DLT"));
        f.deadLetterEnvelope.preset = QStringLiteral("sprung");
        DeadLetterTail tail(cluster(), {f});
        QCOMPARE(tail.problems().size(), 1);
        QVERIFY2(tail.problems().first().startsWith(QStringLiteral("flow orders: dead letters not read: ")),
                 qPrintable(tail.problems().first()));
    }

    void liveMonitorHandsTheDigestOver()
    {
        models::EnvironmentConfig environment;
        environment.name = QStringLiteral("test");
        environment.clusters = {cluster()};
        environment.flows = {flow(QStringLiteral("orders"), QStringLiteral("orders.DLT"))};
        qRegisterMetaType<models::DeadLetterDigest>();
        connectors::LiveMonitor monitor(environment, std::chrono::milliseconds(500));
        QSignalSpy spy(&monitor, &connectors::LiveMonitor::deadLetters);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(!spy.isEmpty(), 20000);
        const auto digest = spy.first().first().value<models::DeadLetterDigest>();
        QCOMPARE(digest.flow(), QStringLiteral("orders"));
        QCOMPARE(digest.read(), 27);
        QCOMPARE(digest.failures().first().count, 17);
    }

    void idemctlPrintsTheSameFigures()
    {
        models::Config config;
        models::EnvironmentConfig environment;
        environment.name = QStringLiteral("test");
        environment.clusters = {cluster()};
        environment.flows = {flow(QStringLiteral("orders"), QStringLiteral("orders.DLT")),
                             flow(QStringLiteral("flood"), QStringLiteral("flood.DLT"))};
        config.environments = {environment};
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QVERIFY(connectors::saveConfig(config, path).ok());
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("deadletters"), QStringLiteral("--flow"),
                                          QStringLiteral("orders"), QStringLiteral("--json")});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QJsonArray flows = QJsonDocument::fromJson(p.readAllStandardOutput()).object().value(QStringLiteral("flows")).toArray();
        QCOMPARE(flows.size(), 1);
        const QJsonObject f = flows.first().toObject();
        QCOMPARE(f.value(QStringLiteral("flow")).toString(), QStringLiteral("orders"));
        QCOMPARE(f.value(QStringLiteral("read")).toInteger(), 27);
        const QJsonObject errors = f.value(QStringLiteral("decode_errors")).toObject();
        QCOMPARE(errors.value(QStringLiteral("failed")).toInteger(), 2);
        QCOMPARE(errors.value(QStringLiteral("by_field")).toObject().value(QStringLiteral("original_partition")).toInteger(), 1);
        QCOMPARE(errors.value(QStringLiteral("recent")).toArray().size(), 2);
        const QJsonArray failures = f.value(QStringLiteral("failures")).toArray();
        QCOMPARE(failures.size(), 2);
        const QJsonObject top = failures.first().toObject();
        QCOMPARE(top.value(QStringLiteral("failure")).toString(),
                 QStringLiteral("java.lang.IllegalStateException at com.example.Fulfilment.reserve"));
        QCOMPARE(top.value(QStringLiteral("basis")).toString(), QStringLiteral("stack_trace"));
        QCOMPARE(top.value(QStringLiteral("count")).toInteger(), 17);
        QCOMPARE(top.value(QStringLiteral("consumer_groups")).toArray().first().toString(), QStringLiteral("fulfilment"));
        QCOMPARE(failures.last().toObject().value(QStringLiteral("count")).toInteger(), 10);

        // --newest bounds what is read, spread over the partitions.
        p.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("deadletters"), QStringLiteral("--flow"),
                                          QStringLiteral("flood"), QStringLiteral("--newest"), QStringLiteral("10"), QStringLiteral("--json")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject flood = QJsonDocument::fromJson(p.readAllStandardOutput()).object().value(QStringLiteral("flows")).toArray().first().toObject();
        QCOMPARE(flood.value(QStringLiteral("read")).toInteger(), 10);

        p.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("deadletters"), QStringLiteral("--newest"),
                                          QStringLiteral("0")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
        QCOMPARE(QString::fromUtf8(p.readAllStandardError()).trimmed(),
                 QStringLiteral("idemctl: --newest must be a number of dead letters from 1 to 1000000, not \"0\""));
    }

    void idemctlEscapesTerminalControls()
    {
        // Anyone who can write to a dead-letter topic writes these texts:
        // ESC sequences (colour, window title), C1 controls and a bidi override.
        const QByteArray esc = "\x1b[31mred\x1b]0;owned\x07";
        const QByteArray bidi = "\xe2\x80\xae" "exe.gpj"; // U+202E
        const QByteArray c1 = "\xc2\x9b" "2J";             // U+009B, CSI
        Headers headers = springHeaders(0, "x", "y");
        for (auto &[key, value] : headers) {
            if (key == "kafka_dlt-exception-fqcn")
                value = "com.acme.Evil" + esc + "Exception";
            else if (key == "kafka_dlt-exception-message")
                value = "order failed " + bidi + " " + c1;
            else if (key == "kafka_dlt-original-consumer-group")
                value = "group" + esc;
        }
        headers.erase(std::remove_if(headers.begin(), headers.end(),
                                     [](const auto &h) { return h.first == "kafka_dlt-exception-stacktrace"; }),
                      headers.end());
        produce("hostile.DLT", 0, "{\"event_id\":\"evt-1\"}", headers);

        models::Config config;
        models::EnvironmentConfig environment;
        environment.name = QStringLiteral("test");
        environment.clusters = {cluster()};
        environment.flows = {flow(QStringLiteral("hostile"), QStringLiteral("hostile.DLT"))};
        config.environments = {environment};
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QVERIFY(connectors::saveConfig(config, path).ok());
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), path, QStringLiteral("deadletters")});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(out.contains("1 dead letters read"), out.constData());
        // Nothing reaches the terminal raw...
        QVERIFY2(!out.contains('\x1b') && !out.contains('\x07'), out.toPercentEncoding(" :[]();,.\n").constData());
        QVERIFY(!out.contains("\xe2\x80\xae"));
        QVERIFY(!out.contains("\xc2\x9b"));
        // ...and all of it shows, as visible escapes.
        QVERIFY2(out.contains("com.acme.Evil\\x1b[31mred\\x1b]0;owned\\x07Exception"), out.constData());
        QVERIFY2(out.contains("\\u202eexe.gpj"), out.constData());
        QVERIFY2(out.contains("\\u009b<n>J"), out.constData()); // the cause is normalised: digits become <n>
        QVERIFY2(out.contains("[group\\x1b[31mred\\x1b]0;owned\\x07]"), out.constData());
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterTail)
#include "tst_deadlettertail.moc"
