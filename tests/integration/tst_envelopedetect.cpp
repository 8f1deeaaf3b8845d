// Proves `idemctl envelope detect` reads the conventions real producers and
// dead-letter handlers use, from messages produced to a Kafka cluster byte
// for byte as CloudEvents, Spring Kafka and Kafka Connect write them, and
// proposes the right preset with its evidence and the topic pairing.

#include "connectors/kafka/mockkafka.h"
#include "tests/support/topicwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

using namespace idem::connectors::kafka;

namespace {

using Headers = idem::testsupport::RecordHeaders;
using idem::testsupport::bigEndian32;
using idem::testsupport::bigEndian64;

} // namespace

class TestEnvelopeDetect : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<MockKafka> m_kafka;

    void produce(const char *topic, const QByteArray &key, const QByteArray &value, const Headers &headers)
    {
        idem::testsupport::produce(m_kafka->bootstrapServers(), QString::fromLatin1(topic), {{key, value, headers}});
    }

    QJsonObject detect(const QString &topic)
    {
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), {QStringLiteral("--bootstrap"), m_kafka->bootstrapServers(), QStringLiteral("envelope"),
                                          QStringLiteral("detect"), topic, QStringLiteral("--json")});
        if (!p.waitForFinished(30000) || p.exitCode() != 0) {
            qWarning("%s", p.readAllStandardError().constData());
            return {};
        }
        return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    }

private slots:
    void initTestCase()
    {
        auto started = MockKafka::start(1);
        QVERIFY(started.ok());
        m_kafka = std::move(started.value());
        for (const char *t : {"invoices", "orders", "orders.DLT", "sink-errors", "hostile"})
            QVERIFY(m_kafka->createTopic(QString::fromLatin1(t), 2).ok());
        for (int i = 0; i < 12; ++i) {
            const QByteArray n = QByteArray::number(i);
            produce("invoices", "inv-" + n, "{\"amount\":" + n + "}",
                    {{"ce_id", "evt-" + n}, {"ce_type", "com.example.invoice.issued"}, {"ce_source", "/billing"},
                     {"ce_specversion", "1.0"}, {"ce_time", "2026-11-26T10:00:00Z"}, {"content-type", "application/json"}});
            produce("orders.DLT", "order-" + n, "{\"event_id\":\"evt-" + n + "\",\"id\":\"order-" + n + "\"}",
                    {{"kafka_dlt-original-topic", "orders"}, {"kafka_dlt-original-partition", bigEndian32(i % 2)},
                     {"kafka_dlt-original-offset", bigEndian64(1000 + i)}, {"kafka_dlt-original-timestamp", bigEndian64(1795700000000LL + i)},
                     {"kafka_dlt-original-consumer-group", "fulfilment"},
                     {"kafka_dlt-exception-fqcn", "org.springframework.kafka.listener.ListenerExecutionFailedException"},
                     {"kafka_dlt-exception-message", "Listener failed; nested exception is java.lang.IllegalStateException: stock 42 missing"},
                     {"kafka_dlt-exception-stacktrace", "java.lang.IllegalStateException: stock 42 missing\n\tat com.example.Fulfilment.reserve(Fulfilment.java:88)\n"}});
            produce("sink-errors", "row-" + n, "not json " + n,
                    {{"__connect.errors.topic", "orders"}, {"__connect.errors.partition", "1"},
                     {"__connect.errors.offset", QByteArray::number(500 + i)}, {"__connect.errors.connector.name", "jdbc-sink"},
                     {"__connect.errors.task.id", "0"}, {"__connect.errors.stage", "VALUE_CONVERTER"},
                     {"__connect.errors.exception.class.name", "org.apache.kafka.connect.errors.DataException"},
                     {"__connect.errors.exception.message", "Converting byte[] to Kafka Connect data failed"}});
        }
    }

    void proposesPresetWithEvidence_data()
    {
        QTest::addColumn<QString>("topic");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("evidence");
        QTest::addColumn<bool>("deadLetter");
        QTest::addColumn<int>("readable");
        QTest::newRow("CloudEvents binary mode") << QStringLiteral("invoices") << QStringLiteral("cloudevents")
                                                 << QStringLiteral("12 of 12 sampled messages carry ce_id") << false << 12;
        QTest::newRow("Spring Kafka DLT") << QStringLiteral("orders.DLT") << QStringLiteral("spring")
                                          << QStringLiteral("12 of 12 sampled messages carry kafka_dlt-original-topic") << true << 12;
        QTest::newRow("Kafka Connect DLQ") << QStringLiteral("sink-errors") << QStringLiteral("connect")
                                           << QStringLiteral("12 of 12 sampled messages carry __connect.errors.topic") << true
                                           << 0; // the payload that failed conversion holds no event_id
    }
    void proposesPresetWithEvidence()
    {
        QFETCH(QString, topic);
        QFETCH(QString, preset);
        QFETCH(QString, evidence);
        QFETCH(bool, deadLetter);
        QFETCH(int, readable);
        const QJsonObject d = detect(topic);
        QCOMPARE(d.value(QStringLiteral("sampled")).toInt(), 12);
        const QJsonObject best = d.value(QStringLiteral("proposals")).toArray().first().toObject();
        QCOMPARE(best.value(QStringLiteral("preset")).toString().split(QLatin1Char('+')).first(), preset);
        QCOMPARE(best.value(QStringLiteral("readable")).toInt(), readable);
        QCOMPARE(best.value(QStringLiteral("dead_letter")).toBool(), deadLetter);
        const QStringList lines = best.value(QStringLiteral("evidence")).toVariant().toStringList();
        QVERIFY2(lines.contains(evidence), qPrintable(lines.join(QLatin1Char('\n'))));
    }

    void pairsSpringDeadLetterTopicWithItsSource()
    {
        const QJsonObject pairing = detect(QStringLiteral("orders.DLT")).value(QStringLiteral("pairing")).toObject();
        QCOMPARE(pairing.value(QStringLiteral("source_topic")).toString(), QStringLiteral("orders"));
        QCOMPARE(pairing.value(QStringLiteral("dead_letter_topics")).toArray().first().toString(), QStringLiteral("orders.DLT"));
    }

    void textOutputEscapesTerminalControls()
    {
        // Header names are whatever the producer wrote: an escape sequence
        // and a bidi override reach the terminal only as visible escapes.
        produce("hostile", "k", "{\"id\":1}", {{"x\x1b[2J\x1b]0;owned\x07y\xe2\x80\xae" "txt", "v"}});
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), {QStringLiteral("--bootstrap"), m_kafka->bootstrapServers(), QStringLiteral("envelope"),
                                          QStringLiteral("detect"), QStringLiteral("hostile")});
        QVERIFY(p.waitForFinished(30000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(!out.contains('\x1b') && !out.contains('\x07') && !out.contains("\xe2\x80\xae"),
                 out.toPercentEncoding(" :[]();,.\n").constData());
        QVERIFY2(out.contains("x\\x1b[2J\\x1b]0;owned\\x07y\\u202etxt"), out.constData());
    }

    void unknownTopicIsAPreciseError()
    {
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), {QStringLiteral("--bootstrap"), m_kafka->bootstrapServers(), QStringLiteral("envelope"),
                                          QStringLiteral("detect"), QStringLiteral("nowhere")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1);
        QCOMPARE(QString::fromUtf8(p.readAllStandardError()).trimmed(),
                 QStringLiteral("idemctl: topic nowhere does not exist on the cluster"));
    }
};

QTEST_GUILESS_MAIN(TestEnvelopeDetect)
#include "tst_envelopedetect.moc"
