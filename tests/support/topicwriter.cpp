#include "tests/support/topicwriter.h"

#include "connectors/kafka/kafkaproducer.h"
#include "connectors/kafka/rdkafkahandles.h"

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

void commitOffsets(const QString &bootstrapServers, const QString &group, const QString &topic,
                   const QList<QPair<int, qint64>> &offsets)
{
    auto consumer = createClient(RD_KAFKA_CONSUMER, {{QStringLiteral("bootstrap.servers"), bootstrapServers},
                                                     {QStringLiteral("group.id"), group}});
    QVERIFY2(consumer.ok(), qPrintable(consumer.error()));
    PartitionList list(rd_kafka_topic_partition_list_new(int(offsets.size())));
    const QByteArray name = topic.toUtf8();
    for (const auto &[partition, offset] : offsets)
        rd_kafka_topic_partition_list_add(list.get(), name.constData(), partition)->offset = offset;
    QCOMPARE(rd_kafka_commit(consumer->get(), list.get(), 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_consumer_close(consumer->get());
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
