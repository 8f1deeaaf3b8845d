#include "tests/support/topicwriter.h"

#include "connectors/kafka/kafkaproducer.h"

#include <QTest>
#include <QtEndian>

namespace idem::testsupport {

using namespace idem::connectors;
using namespace idem::connectors::kafka;

void produce(const QString &bootstrapServers, const QList<models::RawMessage> &records)
{
    auto producer = KafkaProducer::create({{QStringLiteral("bootstrap.servers"), bootstrapServers}});
    QVERIFY2(producer.ok(), qPrintable(producer.error()));
    const PollControl control = PollControl::within(std::chrono::seconds(20));
    for (const models::RawMessage &r : records) {
        const auto ticket = (*producer)->produce(r, control);
        QVERIFY2(ticket.ok(), qPrintable(ticket.error()));
    }
    const auto flushed = (*producer)->flush(control);
    QVERIFY2(flushed.ok(), qPrintable(flushed.error()));
    for (const Delivery &d : (*producer)->takeDeliveries())
        QVERIFY2(d.ok(), qPrintable(d.error));
}

void produce(const QString &bootstrapServers, const QString &topic,
             const QList<OutgoingRecord> &records)
{
    QList<models::RawMessage> raws;
    for (const OutgoingRecord &r : records) {
        models::RawMessage raw;
        raw.topic = topic;
        raw.partition = r.partition;
        if (!r.key.isNull())
            raw.key = r.key;
        raw.value = r.value.isNull() ? QByteArray("") : r.value;
        for (const auto &[name, value] : r.headers)
            raw.headers.append({name, value.isNull() ? std::nullopt : std::optional<QByteArray>(value)});
        raws << raw;
    }
    produce(bootstrapServers, raws);
}

QByteArray bigEndian32(qint32 value)
{
    QByteArray out(4, '\0');
    qToBigEndian(value, out.data());
    return out;
}

QByteArray bigEndian64(qint64 value)
{
    QByteArray out(8, '\0');
    qToBigEndian(value, out.data());
    return out;
}

} // namespace idem::testsupport
