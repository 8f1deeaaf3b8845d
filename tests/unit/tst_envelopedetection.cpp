// Proves that a small sample of a topic proposes the envelope preset its
// producers and consumers follow, with evidence a person can check, and that
// retry and dead-letter topics are paired with their source by name (or, for
// a dead-letter topic with a free name, by the original topic its messages
// name).

#include "models/envelope/detection.h"
#include "models/envelope/topicpairing.h"

#include <QtTest>

using namespace idem::models;

namespace {

RawMessage message(QList<RawHeader> headers, std::optional<QByteArray> value,
                   std::optional<QByteArray> key = std::nullopt)
{
    RawMessage m;
    m.topic = QStringLiteral("t");
    m.headers = std::move(headers);
    m.value = std::move(value);
    m.key = std::move(key);
    return m;
}

QList<RawMessage> times(int n, const RawMessage &m)
{
    return QList<RawMessage>(n, m);
}

QList<RawMessage> cloudEventsBinary(int n)
{
    QList<RawMessage> sample;
    for (int i = 0; i < n; ++i) {
        sample.append(message({ { "ce_specversion", "1.0" },
                                { "ce_id", QByteArray::number(i) },
                                { "ce_source", "/orders" },
                                { "ce_type", "com.acme.order.created" } },
                              R"({"total":1})", "order-1"));
    }
    return sample;
}

QList<RawMessage> springDeadLetters(int n)
{
    QList<RawMessage> sample;
    for (int i = 0; i < n; ++i) {
        sample.append(
            message({ { "event_id", "e-" + QByteArray::number(i) },
                      { "kafka_dlt-original-topic", "orders" },
                      { "kafka_dlt-original-partition", QByteArray::fromHex("00000001") },
                      { "kafka_dlt-original-offset", QByteArray::fromHex("00000000000000ff") },
                      { "kafka_dlt-exception-fqcn", "java.lang.IllegalStateException" } },
                    "{}"));
    }
    return sample;
}

} // namespace

class TestEnvelopeDetection : public QObject
{
    Q_OBJECT

private slots:
    void proposes_data()
    {
        QTest::addColumn<QList<RawMessage>>("sample");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<bool>("deadLetter");
        QTest::addColumn<QStringList>("evidence"); // each must appear in the best proposal's

        QTest::newRow("cloudevents binary")
            << cloudEventsBinary(42) << "cloudevents" << false
            << QStringList { "42 of 42 sampled messages carry ce_id",
                             "42 of 42 sampled messages read without a problem" };
        QList<RawMessage> structured;
        for (int i = 0; i < 5; ++i) {
            structured.append(message({ { "content-type", "application/cloudevents+json" } },
                                      R"({"specversion":"1.0","id":")" + QByteArray::number(i)
                                          + R"(","source":"/s","type":"t"})"));
        }
        QTest::newRow("cloudevents structured")
            << structured << "cloudevents" << false
            << QStringList { "5 of 5 sampled messages are structured CloudEvents with id" };
        QTest::newRow("idem headers")
            << times(10, message({ { "event_id", "e" }, { "entity_key", "k" } }, "{}")) << "idem"
            << false << QStringList { "10 of 10 sampled messages carry event_id" };
        QTest::newRow("idem payload ids")
            << times(8, message({}, R"({"event_id":"e-1"})")) << "idem" << false
            << QStringList { "8 of 8 sampled messages carry /event_id in the payload" };
        QTest::newRow("spring dead letters with idem ids")
            << springDeadLetters(12) << "spring" << true
            << QStringList { "12 of 12 sampled messages carry event_id",
                             "12 of 12 sampled messages carry kafka_dlt-original-topic",
                             "12 of 12 sampled messages carry kafka_dlt-exception-fqcn",
                             "original topics: orders (12)" };
        QList<RawMessage> ceSpring = cloudEventsBinary(6);
        for (RawMessage &m : ceSpring)
            m.headers.append(RawHeader { "kafka_dlt-original-topic", "orders" });
        QTest::newRow("cloudevents dead-lettered by spring")
            << ceSpring << "cloudevents+spring" << true
            << QStringList { "6 of 6 sampled messages carry ce_id",
                             "6 of 6 sampled messages carry kafka_dlt-original-topic" };
        QTest::newRow("connect dead letters")
            << times(4,
                     message({ { "event_id", "e" },
                               { "__connect.errors.topic", "orders" },
                               { "__connect.errors.partition", "0" },
                               { "__connect.errors.offset", "12" },
                               { "__connect.errors.exception.class.name",
                                 "org.apache.kafka.connect.errors.DataException" } },
                             "{bad"))
            << "connect" << true
            << QStringList { "4 of 4 sampled messages carry __connect.errors.topic" };
        QTest::newRow("debezium outbox")
            << times(3,
                     message({ { "id", "4d9c1f5e-6a57-4d1b-9a4e-2f1f0b6f8a11" } },
                             R"({"orderId":1})", "order-1"))
            << "debezium-outbox" << false
            << QStringList { "3 of 3 sampled messages carry id",
                             "3 of 3 sampled messages have a key",
                             "3 of 3 sampled messages have all of these" };
        QTest::newRow("nothing known")
            << times(3, message({ { "trace-id", "abc" } }, QByteArray::fromHex("00000000070102")))
            << "custom" << false << QStringList();
    }
    void proposes()
    {
        QFETCH(QList<RawMessage>, sample);
        QFETCH(QString, preset);
        QFETCH(bool, deadLetter);
        QFETCH(QStringList, evidence);

        const EnvelopeDetection det = detectEnvelope(QStringLiteral("t"), sample);
        QCOMPARE(det.sampled, sample.size());
        QVERIFY(!det.proposals.isEmpty());
        const PresetProposal &best = det.proposals.first();
        QVERIFY2(best.preset == preset,
                 qPrintable(best.preset + QLatin1String(": ") + best.evidence.join(" / ")));
        QCOMPARE(best.deadLetter, deadLetter);
        for (const QString &line : evidence)
            QVERIFY2(best.evidence.contains(line),
                     qPrintable(line + QLatin1String(" not in: ") + best.evidence.join(" / ")));
        for (qsizetype i = 1; i < det.proposals.size(); ++i)
            QVERIFY(det.proposals[i - 1].score >= det.proposals[i].score);
    }

    void observesPayloadsAndHeaders()
    {
        QList<RawMessage> sample = times(3, message({ { "trace-id", "a" } }, "{}"));
        sample.append(
            message({ { "trace-id", "b" }, { "x", "1" } }, QByteArray::fromHex("000000002a00")));
        const EnvelopeDetection det = detectEnvelope(QStringLiteral("t"), sample);
        QCOMPARE(det.observations,
                 QStringList({ "payloads: JSON (3), Schema Registry framed (1)",
                               "Schema Registry ids: 42 (1)", "0 of 4 sampled messages have a key",
                               "headers seen: trace-id (4), x (1)" }));
        const PresetProposal &custom = det.proposals.first();
        QCOMPARE(custom.preset, QStringLiteral("custom"));
    }

    void reportsTheCommonestProblem()
    {
        QList<RawMessage> sample = times(3, message({ { "event_id", "e" } }, "{}"));
        sample.append(message({ { "event_id", "a" }, { "event_id", "b" } }, "{}"));
        const EnvelopeDetection det = detectEnvelope(QStringLiteral("t"), sample);
        const PresetProposal &best = det.proposals.first();
        QCOMPARE(best.preset, QStringLiteral("idem"));
        QCOMPARE(best.readable, 3);
        QVERIFY2(best.evidence.contains(
                     "most common problem (1 of 4): could not read event_id: header event_id "
                     "appears 2 times with different values; add first or last to the spec to "
                     "choose; the payload has no /event_id"),
                 qPrintable(best.evidence.join(" / ")));
    }

    void emptySample()
    {
        const EnvelopeDetection det
            = detectEnvelope(QStringLiteral("orders.dlq"), {}, { QStringLiteral("orders") });
        QVERIFY(det.proposals.isEmpty());
        QCOMPARE(det.observations, QStringList({ "no messages sampled" }));
        QVERIFY(det.pairing);
        QCOMPARE(det.pairing->sourceTopic, QStringLiteral("orders"));
    }

    void pairsByOriginalTopic()
    {
        QList<RawMessage> sample = times(
            4, message({ { "event_id", "e" }, { "__connect.errors.topic", "payments" } }, "{}"));
        const EnvelopeDetection det
            = detectEnvelope(QStringLiteral("dlq-jdbc-sink"), sample,
                             { QStringLiteral("payments"), QStringLiteral("dlq-jdbc-sink") });
        QVERIFY(det.pairing);
        QCOMPARE(det.pairing->sourceTopic, QStringLiteral("payments"));
        QVERIFY(det.pairing->sourceListed);
        QCOMPARE(det.pairing->deadLetterTopics, QStringList({ "dlq-jdbc-sink" }));
        QCOMPARE(det.pairing->evidence,
                 QStringList({ "4 of 4 sampled messages name payments as their original topic" }));
    }

    void pairs_data()
    {
        QTest::addColumn<QStringList>("topics");
        QTest::addColumn<QString>("source");
        QTest::addColumn<bool>("listed");
        QTest::addColumn<QStringList>("retries");
        QTest::addColumn<QStringList>("deadLetters");
        QTest::addColumn<QStringList>("presets");

        QTest::newRow("spring suffixes")
            << QStringList { "orders",           "orders-retry-1000", "orders-retry-10000",
                             "orders-retry-500", "orders.DLT",        "orders-dlt",
                             "payments" }
            << "orders" << true
            << QStringList { "orders-retry-500", "orders-retry-1000", "orders-retry-10000" }
            << QStringList { "orders-dlt", "orders.DLT" } << QStringList { "spring" };
        QTest::newRow("spring single retry topic and indexed ones")
            << QStringList { "orders", "orders-retry", "orders-retry-0", "orders-retry-1" }
            << "orders" << true
            << QStringList { "orders-retry", "orders-retry-0", "orders-retry-1" } << QStringList {}
            << QStringList { "spring" };
        QTest::newRow("spring repeated delays")
            << QStringList { "orders", "orders-retry-1000-1", "orders-retry-1000-0" } << "orders"
            << true << QStringList { "orders-retry-1000-0", "orders-retry-1000-1" }
            << QStringList {} << QStringList { "spring" };
        QTest::newRow("idem delays with units")
            << QStringList { "orders", "orders.retry.30m", "orders.retry.1m", "orders.retry.5m",
                             "orders.dlq" }
            << "orders" << true
            << QStringList { "orders.retry.1m", "orders.retry.5m", "orders.retry.30m" }
            << QStringList { "orders.dlq" } << QStringList { "idem" };
        QTest::newRow("sandbox names by stem")
            << QStringList { "orders.events", "orders.retry.1", "orders.retry.2", "orders.dlq" }
            << "orders.events" << true << QStringList { "orders.retry.1", "orders.retry.2" }
            << QStringList { "orders.dlq" } << QStringList { "idem" };
        QTest::newRow("source not listed")
            << QStringList { "billing.DLT" } << "billing" << false << QStringList {}
            << QStringList { "billing.DLT" } << QStringList { "spring" };
        QTest::newRow("dead letter of a retry topic goes to the root")
            << QStringList { "orders", "orders.retry.1m", "orders.retry.1m.dlq" } << "orders"
            << true << QStringList { "orders.retry.1m" } << QStringList { "orders.retry.1m.dlq" }
            << QStringList { "idem" };
    }
    void pairs()
    {
        QFETCH(QStringList, topics);
        QFETCH(QString, source);
        QFETCH(bool, listed);
        QFETCH(QStringList, retries);
        QFETCH(QStringList, deadLetters);
        QFETCH(QStringList, presets);

        const auto pairings = pairTopicsByName(topics);
        const auto p = pairingOf(source, pairings);
        QVERIFY(p);
        QCOMPARE(p->sourceTopic, source);
        QCOMPARE(p->sourceListed, listed);
        QCOMPARE(p->retryTopics, retries);
        QCOMPARE(p->deadLetterTopics, deadLetters);
        QCOMPARE(p->presets, presets);
        QCOMPARE(p->evidence.size(), retries.size() + deadLetters.size());
    }

    void pairingEvidence()
    {
        const auto pairings
            = pairTopicsByName({ QStringLiteral("orders.events"), QStringLiteral("orders.dlq"),
                                 QStringLiteral("payments"), QStringLiteral("payments.DLT") });
        QCOMPARE(pairings.size(), 2);
        QCOMPARE(pairings[0].evidence,
                 QStringList({ "orders.dlq matches {topic}.dlq (Idem default); orders.events is "
                               "the only topic named orders.*" }));
        QCOMPARE(pairings[1].evidence,
                 QStringList({ "payments.DLT matches {topic}.DLT (Spring Kafka dead-letter and "
                               "retry topics)" }));
    }

    void unpairedTopicsAreLeftAlone()
    {
        QVERIFY(
            pairTopicsByName({ QStringLiteral("orders"), QStringLiteral("payments") }).isEmpty());
        QVERIFY(deriveTopicName(QStringLiteral("orders")).isEmpty());
        const auto readings = deriveTopicName(QStringLiteral("orders-retry-5s"));
        QCOMPARE(readings.size(), 1);
        QCOMPARE(readings[0].baseName, QStringLiteral("orders"));
        QCOMPARE(readings[0].order, 5000);
    }
};

QTEST_APPLESS_MAIN(TestEnvelopeDetection)
#include "tst_envelopedetection.moc"
