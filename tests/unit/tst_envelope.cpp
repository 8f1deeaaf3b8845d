// Proves that each envelope preset reads byte-exact records the way the
// framework behind it writes them (Spring's binary integers, Connect's string
// values, both CloudEvents modes, Debezium's outbox), and that every unreadable
// field becomes one precise "could not read X: reason" instead of a failure.

#include "models/envelope/envelope.h"
#include "models/envelope/presets.h"

#include <QtTest>

using namespace idem::models;

using Fields = QMap<QString, QString>;

namespace {

class Msg
{
public:
    Msg()
    {
        m_m.topic = QStringLiteral("orders");
        m_m.partition = 0;
        m_m.offset = 7;
    }
    Msg &header(const QByteArray &name, const QByteArray &value)
    {
        m_m.headers.append({ name, value });
        return *this;
    }
    Msg &nullHeader(const QByteArray &name)
    {
        m_m.headers.append({ name, std::nullopt });
        return *this;
    }
    Msg &key(const QByteArray &k)
    {
        m_m.key = k;
        return *this;
    }
    Msg &value(const QByteArray &v)
    {
        m_m.value = v;
        return *this;
    }
    Msg &timestamp(qint64 ms)
    {
        m_m.timestampMs = ms;
        m_m.timestampType = TimestampType::CreateTime;
        return *this;
    }
    operator RawMessage() const { return m_m; }

private:
    RawMessage m_m;
};

QByteArray hex(const char *h)
{
    return QByteArray::fromHex(h);
}

const QByteArray kSpringTrace
    = "org.springframework.kafka.listener.ListenerExecutionFailedException: "
      "Listener method 'public void com.acme.OrderListener.on(Order)' "
      "threw exception\n"
      "\tat org.springframework.kafka.listener.KafkaMessageListenerContainer"
      "$ListenerConsumer.decorateException(KafkaMessageListenerContainer"
      ".java:2869)\n"
      "Caused by: com.acme.InvalidOrderException: order 42 has no lines\n"
      "\tat com.acme.OrderListener.on(OrderListener.java:31)\n"
      "\t... 14 more\n";

} // namespace

class TestEnvelope : public QObject
{
    Q_OBJECT

private slots:
    void decodes_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<Fields>("overrides");
        QTest::addColumn<RawMessage>("message");
        QTest::addColumn<Fields>("expected"); // field name -> decoded text; "" means absent
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("problems");

        // --- Idem default -------------------------------------------------------------
        QTest::newRow("idem: headers") << "idem" << Fields {}
                                       << RawMessage(Msg()
                                                         .header("event_id", "e-1")
                                                         .header("entity_key", "order-1")
                                                         .header("event_type", "OrderPlaced")
                                                         .header("event_version", "2")
                                                         .value(R"({"total":12})")
                                                         .timestamp(1700000000123))
                                       << Fields { { "event_id", "e-1" },
                                                   { "entity_key", "order-1" },
                                                   { "event_type", "OrderPlaced" },
                                                   { "event_version", "2" },
                                                   { "time", "2023-11-14T22:13:20.123Z" },
                                                   { "original_topic", "" } }
                                       << "JSON" << QStringList();
        QTest::newRow("idem: payload fallback")
            << "idem" << Fields {}
            << RawMessage(Msg().key("k").value(
                   R"({"event_id":"e-2","entity_key":"o-2","event_type":"OrderPaid",)"
                   R"("event_version":3})"))
            << Fields { { "event_id", "e-2" },
                        { "entity_key", "o-2" },
                        { "event_type", "OrderPaid" },
                        { "event_version", "3" },
                        { "time", "" } }
            << "JSON" << QStringList();
        QTest::newRow("idem: key is the last entity_key fallback")
            << "idem" << Fields {}
            << RawMessage(Msg().header("event_id", "e-3").key("order-3").value("{}"))
            << Fields { { "entity_key", "order-3" } } << "JSON" << QStringList();
        QTest::newRow("idem: dead letter as the sandbox writes it")
            << "idem" << Fields {}
            << RawMessage(Msg()
                              .header("event_id", "e-4")
                              .header("original_topic", "orders.events")
                              .header("original_partition", "3")
                              .header("original_offset", "42")
                              .header("attempt", "4")
                              .header("error", "order 123 not found")
                              .header("failed_at", "2024-05-01T10:00:00.000Z")
                              .header("consumer_group", "billing")
                              .value(R"({"order_id":123})"))
            << Fields { { "original_topic", "orders.events" },
                        { "original_partition", "3" },
                        { "original_offset", "42" },
                        { "attempt", "4" },
                        { "error", "order 123 not found" },
                        { "failed_at", "2024-05-01T10:00:00.000Z" },
                        { "consumer_group", "billing" } }
            << "JSON" << QStringList();
        QTest::newRow("idem: text payload, no id")
            << "idem" << Fields {} << RawMessage(Msg().value("hello world")) << Fields {} << "text"
            << QStringList {
                   R"(could not read event_id: no header event_id; the payload is not JSON )"
                   R"((text starting with "hello world"))"
               };
        QTest::newRow("idem: payload not UTF-8")
            << "idem" << Fields {} << RawMessage(Msg().value("{\"a\xff\"}")) << Fields {}
            << "binary"
            << QStringList {
                   "could not read event_id: no header event_id; the payload is not UTF-8 "
                   "text (byte 0xff at offset 3)"
               };
        QTest::newRow("idem: malformed JSON")
            << "idem" << Fields {} << RawMessage(Msg().value(R"({"event_id": "e-1")")) << Fields {}
            << "text"
            << QStringList { "could not read event_id: no header event_id; the payload is not JSON "
                             "(unterminated string at offset 18)" };
        QTest::newRow("idem: Schema Registry Avro, id in header")
            << "idem" << Fields {}
            << RawMessage(Msg().header("event_id", "e-5").value(hex("000000002a0206616263")))
            << Fields { { "event_id", "e-5" }, { "schema_id", "42" } } << "Schema Registry framed"
            << QStringList();
        QTest::newRow("idem: Schema Registry Avro, no header")
            << "idem" << Fields {} << RawMessage(Msg().value(hex("000000002a0206616263")))
            << Fields { { "schema_id", "42" } } << "Schema Registry framed"
            << QStringList { "could not read event_id: no header event_id; the payload is Schema "
                             "Registry framed (schema id 42) and not JSON" };
        QTest::newRow("idem: Schema Registry JSON Schema")
            << "idem" << Fields {}
            << RawMessage(Msg().value(hex("0000000100") + R"({"event_id":"e-6"})"))
            << Fields { { "event_id", "e-6" }, { "schema_id", "256" } } << "Schema Registry framed"
            << QStringList();
        QTest::newRow("idem: header repeated with different values")
            << "idem" << Fields {}
            << RawMessage(Msg().header("event_id", "a").header("event_id", "b").value(R"({"x":1})"))
            << Fields { { "event_id", "" } } << "JSON"
            << QStringList { "could not read event_id: header event_id appears 2 times with "
                             "different values; add first or last to the spec to choose; the "
                             "payload has no /event_id" };
        QTest::newRow("idem: header repeated with the same value")
            << "idem" << Fields {}
            << RawMessage(Msg().header("event_id", "a").header("event_id", "a").value("{}"))
            << Fields { { "event_id", "a" } } << "JSON" << QStringList();
        QTest::newRow("idem: null header falls back to the payload")
            << "idem" << Fields {}
            << RawMessage(Msg().nullHeader("event_id").value(R"({"event_id":"e-7"})"))
            << Fields { { "event_id", "e-7" } } << "JSON" << QStringList();
        QTest::newRow("idem: empty header, nothing in the payload")
            << "idem" << Fields {} << RawMessage(Msg().header("event_id", "").value("{}"))
            << Fields {} << "JSON"
            << QStringList {
                   "could not read event_id: header event_id is empty; the payload has no "
                   "/event_id"
               };
        QTest::newRow("idem: tombstone")
            << "idem" << Fields {} << RawMessage(Msg().key("k")) << Fields { { "entity_key", "k" } }
            << "tombstone"
            << QStringList { "could not read event_id: no header event_id; the message is a "
                             "tombstone (no value)" };
        QTest::newRow("idem: empty value")
            << "idem" << Fields {} << RawMessage(Msg().value("")) << Fields {} << "empty"
            << QStringList { "could not read event_id: no header event_id; the payload is empty" };
        QTest::newRow("idem: id is an object")
            << "idem" << Fields {} << RawMessage(Msg().value(R"({"event_id":{"a":1}})"))
            << Fields {} << "JSON"
            << QStringList {
                   "could not read event_id: no header event_id; /event_id in the payload "
                   "is a JSON object, not a single value"
               };
        QTest::newRow("idem: big integer id keeps every digit")
            << "idem" << Fields {} << RawMessage(Msg().value(R"({"event_id":9007199254740993})"))
            << Fields { { "event_id", "9007199254740993" } } << "JSON" << QStringList();
        QTest::newRow("idem: failed_at is not a time")
            << "idem" << Fields {}
            << RawMessage(Msg().header("event_id", "x").header("failed_at", "yesterday"))
            << Fields { { "failed_at", "" } } << "tombstone"
            << QStringList {
                   R"(could not read failed_at: header failed_at is not an ISO 8601 time )"
                   R"(or epoch number: "yesterday")"
               };
        QTest::newRow("idem: failed_at in epoch seconds")
            << "idem" << Fields {}
            << RawMessage(Msg().header("event_id", "x").header("failed_at", "1700000000"))
            << Fields { { "failed_at", "2023-11-14T22:13:20.000Z" } } << "tombstone"
            << QStringList();
        QTest::newRow("idem: attempt that is not a number")
            << "idem" << Fields {}
            << RawMessage(Msg().header("event_id", "x").header("attempt", "third"))
            << Fields { { "attempt", "" } } << "tombstone"
            << QStringList { R"(could not read attempt: header attempt is not a decimal number: )"
                             R"("third")" };

        // --- CloudEvents ----------------------------------------------------------------
        QTest::newRow("cloudevents: binary mode")
            << "cloudevents" << Fields {}
            << RawMessage(Msg()
                              .header("ce_specversion", "1.0")
                              .header("ce_id", "A234-1234-1234")
                              .header("ce_source", "/orders")
                              .header("ce_type", "com.acme.order.created")
                              .header("ce_time", "2024-05-01T10:00:00.123456789Z")
                              .header("ce_subject", "order-7")
                              .header("content-type", "application/json")
                              .key("order-7")
                              .value(R"({"total":12})"))
            << Fields { { "event_id", "A234-1234-1234" },
                        { "event_type", "com.acme.order.created" },
                        { "source", "/orders" },
                        { "subject", "order-7" },
                        { "entity_key", "order-7" },
                        { "time", "2024-05-01T10:00:00.123Z" } }
            << "JSON" << QStringList();
        const QByteArray structured
            = R"({"specversion":"1.0","id":"B-1","source":"/orders","type":"com.acme.order.paid",)"
              R"("time":"2024-05-01T12:00:00+02:00","subject":"order-8","data":{"total":3}})";
        const Fields structuredFields {
            { "event_id", "B-1" },       { "event_type", "com.acme.order.paid" },
            { "source", "/orders" },     { "subject", "order-8" },
            { "entity_key", "order-8" }, { "time", "2024-05-01T10:00:00.000Z" }
        };
        QTest::newRow("cloudevents: structured mode")
            << "cloudevents" << Fields {}
            << RawMessage(Msg()
                              .header("content-type", "application/cloudevents+json; charset=UTF-8")
                              .value(structured))
            << structuredFields << "structured CloudEvent" << QStringList();
        QTest::newRow("cloudevents: structured without content-type")
            << "cloudevents" << Fields {} << RawMessage(Msg().value(structured)) << structuredFields
            << "structured CloudEvent" << QStringList();
        QTest::newRow("cloudevents: binary mode without ce_id")
            << "cloudevents" << Fields {}
            << RawMessage(Msg().header("ce_type", "t").value(R"({"id":"not-this-one"})"))
            << Fields { { "event_id", "" }, { "event_type", "t" } } << "JSON"
            << QStringList { "could not read event_id: no header ce_id" };
        QTest::newRow("cloudevents: structured content-type, payload not JSON")
            << "cloudevents" << Fields {}
            << RawMessage(Msg()
                              .header("content-type", "application/cloudevents+json")
                              .value("not json")
                              .timestamp(1700000000123))
            << Fields { { "time", "2023-11-14T22:13:20.123Z" } } << "text"
            << QStringList {
                   R"(could not read event_id: the content-type says structured CloudEvent, but )"
                   R"(the payload is not JSON (text starting with "not json"))",
                   R"(could not read entity_key: the message has no key; the content-type says )"
                   "structured CloudEvent, but the payload is not JSON (text starting with \"not "
                   "json\")",
                   R"(could not read event_type: the content-type says structured CloudEvent, but )"
                   R"(the payload is not JSON (text starting with "not json"))",
                   R"(could not read source: the content-type says structured CloudEvent, but the )"
                   R"(payload is not JSON (text starting with "not json"))",
                   R"(could not read subject: the content-type says structured CloudEvent, but )"
                   R"(the payload is not JSON (text starting with "not json"))"
               };
        QTest::newRow("cloudevents: data pointer in structured mode")
            << "cloudevents" << Fields { { "entity_key", "data:/order_id" } }
            << RawMessage(Msg().value(R"({"specversion":"1.0","id":"C-1","source":"/o","type":"t",)"
                                      R"("data":{"order_id":"o-9"}})"))
            << Fields { { "entity_key", "o-9" } } << "structured CloudEvent" << QStringList();
        QTest::newRow("cloudevents: data pointer in binary mode")
            << "cloudevents" << Fields { { "entity_key", "data:/order_id" } }
            << RawMessage(Msg().header("ce_id", "C-2").value(R"({"order_id":"o-10"})"))
            << Fields { { "entity_key", "o-10" } } << "JSON" << QStringList();

        // --- Spring Kafka ---------------------------------------------------------------
        QTest::newRow("spring: dead letter with binary numbers")
            << "spring" << Fields {}
            << RawMessage(
                   Msg()
                       .header("event_id", "e-9")
                       .header("kafka_dlt-original-topic", "orders")
                       .header("kafka_dlt-original-partition", hex("00000003"))
                       .header("kafka_dlt-original-offset", hex("000000000000002a"))
                       .header("kafka_dlt-original-timestamp", hex("0000018bcfe5687b"))
                       .header("kafka_dlt-original-timestamp-type", "CreateTime")
                       .header("kafka_dlt-original-consumer-group", "order-service")
                       .header(
                           "kafka_dlt-exception-fqcn",
                           "org.springframework.kafka.listener.ListenerExecutionFailedException")
                       .header("kafka_dlt-exception-cause-fqcn", "com.acme.InvalidOrderException")
                       .header("kafka_dlt-exception-message",
                               "Listener failed; nested exception is "
                               "com.acme.InvalidOrderException: order 42 has no lines")
                       .header("kafka_dlt-exception-stacktrace", kSpringTrace)
                       .value(R"({"order_id":42})"))
            << Fields { { "event_id", "e-9" },
                        { "original_topic", "orders" },
                        { "original_partition", "3" },
                        { "original_offset", "42" },
                        { "original_timestamp", "2023-11-14T22:13:20.123Z" },
                        { "consumer_group", "order-service" },
                        { "error_class", "com.acme.InvalidOrderException" },
                        { "error",
                          "Listener failed; nested exception is "
                          "com.acme.InvalidOrderException: order 42 has no lines" },
                        { "stack_trace", QString::fromUtf8(kSpringTrace) } }
            << "JSON" << QStringList();
        QTest::newRow("spring: dead letter with text numbers")
            << "spring" << Fields {}
            << RawMessage(Msg()
                              .header("event_id", "e-9")
                              .header("kafka_dlt-original-topic", "orders")
                              .header("kafka_dlt-original-partition", "3")
                              .header("kafka_dlt-original-offset", "42")
                              .header("kafka_dlt-original-timestamp", "1700000000123")
                              .header("kafka_dlt-exception-fqcn", "java.lang.IllegalStateException")
                              .value("{}"))
            << Fields { { "original_partition", "3" },
                        { "original_offset", "42" },
                        { "original_timestamp", "2023-11-14T22:13:20.123Z" },
                        { "error_class", "java.lang.IllegalStateException" } }
            << "JSON" << QStringList();
        QTest::newRow("spring: retry hop keeps the first origin")
            << "spring" << Fields {}
            << RawMessage(Msg()
                              .header("event_id", "e-9")
                              .header("kafka_dlt-original-topic", "orders")
                              .header("kafka_dlt-original-partition", hex("00000003"))
                              .header("kafka_dlt-original-offset", hex("000000000000002a"))
                              .header("kafka_dlt-original-topic", "orders-retry-0")
                              .header("kafka_dlt-original-partition", hex("00000000"))
                              .header("kafka_dlt-original-offset", hex("0000000000000005"))
                              .header("kafka_dlt-exception-message", "first failure")
                              .header("kafka_dlt-exception-message", "second failure")
                              .header("retry_topic-attempts", hex("00000002"))
                              .value("{}"))
            << Fields { { "original_topic", "orders" },
                        { "original_partition", "3" },
                        { "original_offset", "42" },
                        { "error", "second failure" },
                        { "attempt", "2" } }
            << "JSON" << QStringList();
        QTest::newRow("spring: one-byte attempts header")
            << "spring" << Fields {}
            << RawMessage(Msg().header("event_id", "e").header("retry_topic-attempts", hex("03")))
            << Fields { { "attempt", "3" } } << "tombstone" << QStringList();
        QTest::newRow("spring: partition of the wrong width")
            << "spring" << Fields {}
            << RawMessage(Msg()
                              .header("event_id", "e")
                              .header("kafka_dlt-original-partition", hex("000003"))
                              .value("{}"))
            << Fields { { "original_partition", "" } } << "JSON"
            << QStringList { R"(could not read original_partition: header )"
                             R"(kafka_dlt-original-partition is 3 bytes ("\x00\x00\x03"), neither )"
                             R"(decimal text nor a 1-, 2-, 4- or 8-byte big-endian integer)" };
        QTest::newRow("spring: negative partition")
            << "spring" << Fields {}
            << RawMessage(Msg()
                              .header("event_id", "e")
                              .header("kafka_dlt-original-partition", hex("ffffffff"))
                              .value("{}"))
            << Fields { { "original_partition", "" } } << "JSON"
            << QStringList {
                   "could not read original_partition: header kafka_dlt-original-partition "
                   "holds -1; a partition is between 0 and 2147483647"
               };
        QTest::newRow("spring: no original timestamp")
            << "spring" << Fields {}
            << RawMessage(Msg()
                              .header("event_id", "e")
                              .header("kafka_dlt-original-timestamp", hex("ffffffffffffffff")))
            << Fields { { "original_timestamp", "" } } << "tombstone" << QStringList();

        // --- Kafka Connect --------------------------------------------------------------
        QTest::newRow("connect: dead letter with string values")
            << "connect" << Fields {}
            << RawMessage(
                   Msg()
                       .header("event_id", "e-10")
                       .header("__connect.errors.topic", "orders")
                       .header("__connect.errors.partition", "0")
                       .header("__connect.errors.offset", "1234")
                       .header("__connect.errors.connector.name", "jdbc-sink-orders")
                       .header("__connect.errors.task.id", "2")
                       .header("__connect.errors.stage", "VALUE_CONVERTER")
                       .header("__connect.errors.class.name",
                               "org.apache.kafka.connect.json.JsonConverter")
                       .header("__connect.errors.exception.class.name",
                               "org.apache.kafka.connect.errors.DataException")
                       .header("__connect.errors.exception.message",
                               "Converting byte[] to Kafka Connect data failed due to "
                               "serialization error: ")
                       .header("__connect.errors.exception.stacktrace",
                               "org.apache.kafka.connect.errors.DataException: Converting byte[] "
                               "to Kafka Connect data failed\n\tat org.apache.kafka.connect.json."
                               "JsonConverter.toConnectData(JsonConverter.java:324)\n")
                       .value("{not json"))
            << Fields { { "original_topic", "orders" },
                        { "original_partition", "0" },
                        { "original_offset", "1234" },
                        { "connector", "jdbc-sink-orders" },
                        { "task", "2" },
                        { "stage", "VALUE_CONVERTER" },
                        { "error_class", "org.apache.kafka.connect.errors.DataException" },
                        { "error",
                          "Converting byte[] to Kafka Connect data failed due to "
                          "serialization error: " } }
            << "text" << QStringList();
        QTest::newRow("connect: offset that is not a number")
            << "connect" << Fields {}
            << RawMessage(Msg().header("event_id", "e").header("__connect.errors.offset", "12x"))
            << Fields { { "original_offset", "" } } << "tombstone"
            << QStringList { R"(could not read original_offset: header __connect.errors.offset is )"
                             R"(not a decimal number: "12x")" };

        // --- Debezium outbox ------------------------------------------------------------
        QTest::newRow("debezium: id header, aggregate key, payload as a JSON string")
            << "debezium-outbox" << Fields { { "event_version", "payload:/v" } }
            << RawMessage(Msg()
                              .header("id", "4d9c1f5e-6a57-4d1b-9a4e-2f1f0b6f8a11")
                              .header("eventType", "OrderCreated")
                              .key("order-1")
                              .value("\"{\\\"orderId\\\":1,\\\"v\\\":2}\""))
            << Fields { { "event_id", "4d9c1f5e-6a57-4d1b-9a4e-2f1f0b6f8a11" },
                        { "entity_key", "order-1" },
                        { "event_type", "OrderCreated" },
                        { "event_version", "2" } }
            << "JSON" << QStringList();
        QTest::newRow("debezium: type in the envelope")
            << "debezium-outbox" << Fields {}
            << RawMessage(Msg()
                              .header("id", "u-1")
                              .key("order-2")
                              .value(R"({"eventType":"OrderShipped","payload":{"orderId":2}})"))
            << Fields { { "event_type", "OrderShipped" } } << "JSON" << QStringList();
        QTest::newRow("debezium: no id header")
            << "debezium-outbox" << Fields {} << RawMessage(Msg().key("order-3").value("{}"))
            << Fields {} << "JSON" << QStringList { "could not read event_id: no header id" };

        // --- Custom ---------------------------------------------------------------------
        QTest::newRow("custom: pointer and binary key")
            << "custom"
            << Fields { { "event_id", "payload:/data/id" }, { "entity_key", "key as hex" } }
            << RawMessage(Msg().key(hex("01ab")).value(R"({"data":{"id":"c-1"}})"))
            << Fields { { "event_id", "c-1" }, { "entity_key", "01ab" }, { "event_type", "" } }
            << "JSON" << QStringList();
        QTest::newRow("custom: int64be of the wrong width")
            << "custom"
            << Fields { { "event_id", "header:trace" },
                        { "attempt", "header:attempts as int64be" } }
            << RawMessage(Msg().header("trace", "t-1").header("attempts", hex("00000002")))
            << Fields { { "event_id", "t-1" }, { "attempt", "" } } << "tombstone"
            << QStringList {
                   "could not read attempt: header attempts is 4 bytes; as int64be expects "
                   "exactly 8"
               };
        QTest::newRow("custom: binary key read as text")
            << "custom" << Fields { { "event_id", "header:trace" }, { "entity_key", "key" } }
            << RawMessage(Msg().header("trace", "t-2").key(hex("fe01")))
            << Fields { { "entity_key", "" } } << "tombstone"
            << QStringList {
                   R"(could not read entity_key: the key is not UTF-8 text (byte 0xfe at )"
                   R"(offset 0); "key as hex" reads binary keys)"
               };
        QTest::newRow("custom: fallback past an unreadable header")
            << "custom" << Fields { { "event_id", "header:id as int32be | key" } }
            << RawMessage(Msg().header("id", "abc").key("k-1")) << Fields { { "event_id", "k-1" } }
            << "tombstone" << QStringList();
        QTest::newRow("custom: number from a JSON string")
            << "custom" << Fields { { "event_id", "key" }, { "attempt", "payload:/meta/attempt" } }
            << RawMessage(Msg().key("k").value(R"({"meta":{"attempt":"3"}})"))
            << Fields { { "attempt", "3" } } << "JSON" << QStringList();
        QTest::newRow("custom: fractional epoch seconds")
            << "custom" << Fields { { "event_id", "key" }, { "time", "payload:/ts" } }
            << RawMessage(Msg().key("k").value(R"({"ts":1700000000.123})"))
            << Fields { { "time", "2023-11-14T22:13:20.123Z" } } << "JSON" << QStringList();
    }
    void decodes()
    {
        QFETCH(QString, preset);
        QFETCH(Fields, overrides);
        QFETCH(RawMessage, message);
        QFETCH(Fields, expected);
        QFETCH(QString, kind);
        QFETCH(QStringList, problems);

        const auto spec = makeEnvelopeSpec(preset, overrides);
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        const DecodedEnvelope d = decode(message, spec.value());
        for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
            if (it.key() == QLatin1String("schema_id")) {
                QVERIFY(d.schemaId);
                QCOMPARE(QString::number(*d.schemaId), it.value());
                continue;
            }
            const auto field = envelopeFieldFromName(it.key());
            QVERIFY2(field, qPrintable(it.key()));
            QCOMPARE(d.text(*field), it.value());
        }
        QCOMPARE(payloadKindName(d.payloadKind), kind);
        QStringList texts;
        for (const FieldProblem &p : d.problems)
            texts.append(p.text());
        QCOMPARE(texts, problems);
        QCOMPARE(d.ok(), problems.isEmpty());

        // Decoding the fields alone gives the same fields and problems; the
        // payload's description is filled only where a field was read from it.
        DecodedEnvelope fields = decodeFields(message, spec.value());
        if (fields.payloadKind != d.payloadKind || fields.payloadReadable != d.payloadReadable || fields.schemaId != d.schemaId) {
            QCOMPARE(fields.payloadKind, PayloadKind::Tombstone); // the defaults: not classified
            QVERIFY(!fields.payloadReadable && !fields.schemaId);
            fields.payloadKind = d.payloadKind;
            fields.schemaId = d.schemaId;
            fields.payloadReadable = d.payloadReadable;
        }
        QCOMPARE(fields, d);
    }

    void deadLetterFlag()
    {
        const auto spec = makeEnvelopeSpec(QStringLiteral("spring"));
        QVERIFY(spec.ok());
        const RawMessage plain = Msg().header("event_id", "e").value("{}");
        const RawMessage dead
            = Msg().header("event_id", "e").header("kafka_dlt-original-topic", "orders");
        QVERIFY(!decode(plain, spec.value()).isDeadLetter());
        QVERIFY(decode(dead, spec.value()).isDeadLetter());
    }

    void everyPresetParses()
    {
        for (const EnvelopePreset &preset : envelopePresets()) {
            for (const auto &[field, text] : preset.fields) {
                const auto spec = parseFieldSpec(text, field);
                QVERIFY2(spec.ok(), qPrintable(preset.name + QLatin1String(": ") + spec.error()));
                QCOMPARE(formatFieldSpec(spec.value()), text);
            }
            for (const QString &marker : preset.identityMarkers + preset.deadLetterMarkers)
                QVERIFY2(parseFieldSpec(marker, EnvelopeField::Subject).ok(), qPrintable(marker));
            if (preset.name == QLatin1String("custom"))
                continue;
            const auto spec = makeEnvelopeSpec(preset.name);
            QVERIFY2(spec.ok(), qPrintable(spec.error()));
            QVERIFY(!spec.value().field(EnvelopeField::EventId).isNone());
        }
    }

    void combinesPresets()
    {
        const auto spec = makeEnvelopeSpec(QStringLiteral("cloudevents + spring"));
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        const auto text = [&](EnvelopeField f) { return formatFieldSpec(spec.value().field(f)); };
        QCOMPARE(text(EnvelopeField::EventId), QStringLiteral("cloudevent:id"));
        QCOMPARE(text(EnvelopeField::OriginalTopic),
                 QStringLiteral("header:kafka_dlt-original-topic first"));
        // Left open by both, so Idem's default fills it.
        QCOMPARE(text(EnvelopeField::EventVersion),
                 QStringLiteral("header:event_version | payload:/event_version"));
        QCOMPARE(text(EnvelopeField::FailedAt), QStringLiteral("header:failed_at"));
    }

    void overridesReplaceWholeFields()
    {
        const auto spec = makeEnvelopeSpec(
            QStringLiteral("idem"),
            { { QStringLiteral("event_id"), QStringLiteral("payload:/event_id") },
              { QStringLiteral("entity_key"), QStringLiteral("none") } });
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        QCOMPARE(formatFieldSpec(spec.value().field(EnvelopeField::EventId)),
                 QStringLiteral("payload:/event_id"));
        QVERIFY(spec.value().field(EnvelopeField::EntityKey).isNone());
        QCOMPARE(spec.value().preset, QStringLiteral("idem"));
    }

    void rejectsSpecs_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<Fields>("overrides");
        QTest::addColumn<QString>("error");

        QTest::newRow("unknown preset")
            << "sprng" << Fields {}
            << R"(unknown envelope preset "sprng" (did you mean spring?); known presets: idem, )"
               "cloudevents, spring, connect, debezium-outbox, custom";
        QTest::newRow("unknown preset, nothing close")
            << "kafka-streams" << Fields {}
            << R"(unknown envelope preset "kafka-streams"; known presets: idem, cloudevents, )"
               "spring, connect, debezium-outbox, custom";
        QTest::newRow("empty preset")
            << "" << Fields {}
            << "no envelope preset given; known presets: idem, cloudevents, spring, connect, "
               "debezium-outbox, custom";
        QTest::newRow("empty part")
            << "cloudevents+" << Fields {}
            << R"(envelope preset "cloudevents+" has an empty part around "+")";
        QTest::newRow("twice") << "spring+spring" << Fields {}
                               << R"(envelope preset "spring+spring" names spring twice)";
        QTest::newRow("custom combined")
            << "custom+spring" << Fields {}
            << R"(envelope preset "custom+spring": custom stands alone; name the fields it )"
               "should read instead";
        QTest::newRow("custom without event_id")
            << "custom" << Fields { { "entity_key", "key" } }
            << R"(envelope preset custom reads no event_id; set fields.event_id, e.g. )"
               R"("header:event_id")";
        QTest::newRow("unknown field")
            << "idem" << Fields { { "evnt_id", "key" } }
            << R"(unknown envelope field "evnt_id" (did you mean event_id?); known fields: )"
               "event_id, entity_key, event_type, event_version, source, subject, time, attempt, "
               "original_topic, original_partition, original_offset, original_timestamp, "
               "failed_at, consumer_group, error_class, error, stack_trace, connector, task, stage";
        QTest::newRow("bad override")
            << "idem" << Fields { { "event_id", "header:" } }
            << R"(envelope field event_id: "header:" column 8: expected a header name after )"
               R"("header:")";
    }
    void rejectsSpecs()
    {
        QFETCH(QString, preset);
        QFETCH(Fields, overrides);
        QFETCH(QString, error);
        const auto spec = makeEnvelopeSpec(preset, overrides);
        QVERIFY(!spec.ok());
        QCOMPARE(spec.error(), error);
    }
};

QTEST_APPLESS_MAIN(TestEnvelope)
#include "tst_envelope.moc"
