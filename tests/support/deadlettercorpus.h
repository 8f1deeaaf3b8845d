#pragma once

// Dead letters that make a text filter's shortcuts wrong if they are wrong:
// the Idem, Spring Kafka (binary big-endian headers), Kafka Connect and
// CloudEvents conventions; JSON escapes and numbers shown other than written;
// records the envelope cannot read (their problem text is in the error
// column); invalid UTF-8, binary and control bytes; characters that fold to
// ASCII (ſ, the Kelvin sign); class and error joined by ": "; tombstones,
// empty and Schema Registry framed payloads. A fixed list, then seeded
// random records mixing the same pieces. Header-only: unit and integration
// tests use the same records.

#include "models/envelope/rawmessage.h"

#include <QList>
#include <QRandomGenerator>
#include <QString>
#include <QStringList>

namespace idem::testsupport {

inline QByteArray corpusBigEndian(qint64 value, int width)
{
    QByteArray out(width, '\0');
    for (int i = width - 1; i >= 0; --i, value >>= 8)
        out[i] = char(value & 0xff);
    return out;
}

// Texts the tests look for in these records; each hits some of them only
// through a transformation (an escape, a number, a problem text, a join).
inline QStringList corpusNeedles()
{
    return {QStringLiteral("ev-99999"), QStringLiteral("ev-999"), QStringLiteral("ev-4"), QStringLiteral("a/b"),
            QStringLiteral("100000"), QStringLiteral("680000"), QStringLiteral("e+21"), QStringLiteral("700"), QStringLiteral("2.5"),
            QStringLiteral("0"), QStringLiteral("42"), QStringLiteral("customer"), QStringLiteral("NO SUCH"),
            QStringLiteral("could not read"), QStringLiteral("decode problem"), QStringLiteral("not JSON"),
            QStringLiteral("decimal"), QStringLiteral("0xff"), QStringLiteral("\\x"), QStringLiteral("appears"),
            QStringLiteral("stop"), QStringLiteral("k-line"), QStringLiteral("exception: disk"),
            QStringLiteral("IOException:"), QStringLiteral(": disk"), QStringLiteral(" disk"),
            QStringLiteral("ception: "), QStringLiteral("6f72"), QStringLiteral("framed-1"), QStringLiteral("wrapped"),
            QStringLiteral("ce-"), QStringLiteral("subj"), QStringLiteral("item 7"), QStringLiteral("DataException"),
            QStringLiteral("line1"), QStringLiteral("\u00e9t\u00e9"), QStringLiteral("12345678901234567"),
            QStringLiteral("1.5"), QStringLiteral("true"), QStringLiteral("order-77"), QStringLiteral("\""), QStringLiteral("…")};
}

inline QList<models::RawMessage> deadLetterCorpus(const QString &topic, int partitions, int randomCount,
                                                  qint64 baseTime = 1795700000000LL)
{
    QList<models::RawMessage> out;
    const auto add = [&](QList<models::RawHeader> headers, std::optional<QByteArray> value,
                         std::optional<QByteArray> key = QByteArray("order-1")) {
        models::RawMessage m;
        m.topic = topic;
        m.partition = int(out.size() % partitions);
        m.timestampMs = baseTime + out.size() * 10;
        m.key = std::move(key);
        m.value = std::move(value);
        m.headers = std::move(headers);
        out.append(m);
    };
    using H = models::RawHeader;
    const QByteArray plain = "{\"event_id\":\"ev-1\",\"n\":1}";
    // Idem, readable.
    add({{"event_id", "ev-99999"}, {"error", "no such customer 42"}, {"consumer_group", "billing"}}, plain);
    add({{"event_id", "ev-4"}, {"error_class", "java.io.IOException"}, {"error", "disk full"}}, plain);
    add({{"event_id", "ev-5"}, {"error_class", "Abc"}, {"error", "ception: disk"}}, plain);
    add({{"event_id", "ev-6"}, {"error", "line1\nline2\tand a tab"}, {"attempt", "007"}}, plain);
    add({{"event_id", "ev-7"}, {"error", "no such customer 7"}, {"attempt", "-0"}, {"original_offset", "12"}}, plain);
    // Escapes and numbers in the payload.
    add({}, "{\"event_id\":\"ev-\\u0039\\u0039\\u0039\"}");
    add({}, "{\"event_id\":\"a\\/b\"}");
    add({}, "{\"event_id\":1e5}");
    add({}, "{\"event_id\":123456789012345678901}");
    add({}, "{\"event_id\":2.50}");
    add({}, "{\"event_id\":-0}");
    add({}, "{\"event_id\":true}");
    add({{"event_id", "ev-8"}}, "{\"entity_key\":7E2}");
    add({{"event_id", "ev-9"}}, "{\"entity_key\":12345678901234567}");
    add({{"event_id", "ev-10"}}, "{\"entity_key\":1.5,\"v\":\"v1.2\"}");
    add({}, "\"{\\\"event_id\\\":\\\"wrapped-1\\\"}\"");
    add({}, QByteArray("\x00\x00\x00\x00\x07{\"event_id\":\"framed-1\"}", 27));
    // Problems.
    add({{"error", "no such customer 1"}}, "{\"n\":1}");
    add({}, "hello world, not json at all");
    add({{"event_id", "\xff\xfe" "ev-11"}}, plain);
    add({{"event_id", "ev-12"}, {"attempt", "x4"}}, plain);
    add({{"event_id", "ev-13"}, {"event_id", "ev-14"}}, plain);
    add({{"event_id", "ev-15"}}, "{\"event_version\":{\"major\":2}}");
    add({{"event_id", "ev-16"}}, plain, QByteArray("\x00\x01\xff", 3));
    add({{"event_id", "ev-17"}, {"failed_at", "yesterday"}}, plain);
    add({{"event_id", std::nullopt}}, "{\"n\":2}");
    add({{"event_id", ""}}, std::nullopt);
    add({}, QByteArray());
    add({}, std::nullopt);
    // Folding to ASCII.
    add({{"event_id", "ev-18"}, {"error", "\xc5\xbftop the line"}}, plain);
    add({{"event_id", "ev-19"}, {"error", "\xe2\x84\xaa-line"}}, plain);
    add({{"event_id", "ev-20"}, {"error", "\xc3\xa9t\xc3\xa9 fini"}}, plain);
    // Spring Kafka: binary big-endian numbers.
    add({{"event_id", "ev-21"},
         {"kafka_dlt-original-topic", "orders"},
         {"kafka_dlt-original-partition", corpusBigEndian(3, 4)},
         {"kafka_dlt-original-offset", corpusBigEndian(0x6f72, 8)},
         {"kafka_dlt-original-timestamp", corpusBigEndian(baseTime, 8)},
         {"kafka_dlt-original-consumer-group", "billing"},
         {"kafka_dlt-exception-fqcn", "org.springframework.kafka.listener.ListenerExecutionFailedException"},
         {"kafka_dlt-exception-cause-fqcn", "java.io.IOException"},
         {"kafka_dlt-exception-message", "disk full; item 7"},
         {"retry_topic-attempts", corpusBigEndian(3, 4)}},
        plain);
    add({{"event_id", "ev-22"}, {"kafka_dlt-original-offset", QByteArray("\x01\x02\x03", 3)},
         {"kafka_dlt-exception-message", "item 8"}},
        plain);
    // Kafka Connect.
    add({{"event_id", "ev-23"},
         {"__connect.errors.topic", "orders"},
         {"__connect.errors.partition", "2"},
         {"__connect.errors.offset", "9001"},
         {"__connect.errors.task.id", "zero"},
         {"__connect.errors.exception.class.name", "org.apache.kafka.connect.errors.DataException"},
         {"__connect.errors.exception.message", "Converting failed for n=42"}},
        plain);
    // CloudEvents: structured and binary.
    add({{"content-type", "application/cloudevents+json"}},
        "{\"specversion\":\"1.0\",\"id\":\"ce-1\",\"type\":\"t\",\"source\":\"s\",\"data\":{\"entity_key\":\"ek\"}}");
    add({}, "{\"specversion\":\"1.0\",\"id\":\"ce-3\",\"subject\":\"subj-3\"}");
    add({{"ce_id", "ce-2"}, {"ce_subject", "subj"}, {"ce_type", "t"}}, plain);
    add({{"content-type", "application/cloudevents-batch+json"}, {"ce_id", "ce-4"}}, "[]");
    add({{"Content-Type", "application/cloudevents+json"}, {"ce_id", "ce-5"}}, "not json");
    // Debezium's outbox; a number JSON shows with an exponent.
    add({{"id", "dbz-1"}, {"eventType", "OrderCreated"}}, "{\"n\":1}", QByteArray("order-9"));
    add({}, "{\"event_id\":1e21}");
    // An escape in a field read from the payload while event_id comes from a header.
    add({{"event_id", "ev-30"}}, "{\"entity_key\":\"ord\\u0065r-77\"}", QByteArray("k"));

    // Random records of the same pieces.
    const QList<QByteArray> names{"event_id", "entity_key", "error", "error_class", "attempt", "consumer_group",
                                  "original_offset", "failed_at", "event_version", "kafka_dlt-exception-message",
                                  "kafka_dlt-exception-fqcn", "kafka_dlt-original-offset", "retry_topic-attempts",
                                  "__connect.errors.exception.message", "__connect.errors.exception.class.name",
                                  "__connect.errors.offset", "ce_id", "ce_subject", "content-type", "id"};
    const QList<std::optional<QByteArray>> values{
        QByteArray("ev-99999"), QByteArray("ev-42"), QByteArray("no such customer 42"), QByteArray("disk full"),
        QByteArray("java.io.IOException"), QByteArray("4"), QByteArray("007"), QByteArray("-0"), QByteArray("x4"),
        QByteArray("billing"), QByteArray(""), std::nullopt, QByteArray("\xff\xfe", 2), corpusBigEndian(42, 4),
        corpusBigEndian(0x6f72, 8), QByteArray("\xc5\xbftop"), QByteArray("\xe2\x84\xaa-line"),
        QByteArray("line1\nline2"), QByteArray("application/cloudevents+json"), QByteArray("2026-01-01T00:00:00Z"),
        QByteArray("ception: disk"), QByteArray("item 7"), QByteArray("a\\/b")};
    const QList<std::optional<QByteArray>> payloads{
        plain, QByteArray("{\"event_id\":\"ev-\\u0034\"}"), QByteArray("{\"event_id\":1e5,\"entity_key\":7E2}"),
        QByteArray("{\"entity_key\":\"order-42\",\"event_version\":2.5}"), QByteArray("not json"), QByteArray(),
        std::nullopt, QByteArray("{\"specversion\":\"1.0\",\"id\":\"ce-9\",\"data\":{\"entity_key\":\"k\"}}"),
        QByteArray("\x00\x00\x00\x00\x01{\"event_id\":\"framed-1\"}", 26), QByteArray("\xff\xfe\xfd", 3),
        QByteArray("{\"event_id\":\"ev-99999\",\"n\":123456789012345678}"), QByteArray("[1,2,3]"),
        QByteArray("{\"event_id\":\"\xc3\xa9t\xc3\xa9\"}"), QByteArray("{\"event_version\":[1]}"),
        QByteArray("{\"entity_key\":\"ord\\u0065r-77\"}")};
    const QList<std::optional<QByteArray>> keys{QByteArray("order-42"), std::nullopt, QByteArray(),
                                               QByteArray("\x00\x01\xff", 3), QByteArray("or")};
    QRandomGenerator random(20261201);
    for (int r = 0; r < randomCount; ++r) {
        QList<H> headers;
        const int count = int(random.bounded(7));
        for (int h = 0; h < count; ++h)
            headers.append({names[random.bounded(int(names.size()))], values[random.bounded(int(values.size()))]});
        add(headers, payloads[random.bounded(int(payloads.size()))], keys[random.bounded(int(keys.size()))]);
    }
    return out;
}

} // namespace idem::testsupport
