#include "tests/support/topicwriter.h"

#include "connectors/kafka/rdkafkahandles.h"

#include <QTest>
#include <QtEndian>

namespace idem::testsupport {

using namespace idem::connectors::kafka;

void produce(const QString &bootstrapServers, const QString &topic,
             const QList<OutgoingRecord> &records)
{
    auto producer = createClient(RD_KAFKA_PRODUCER, {{QStringLiteral("bootstrap.servers"), bootstrapServers},
                                                     {QStringLiteral("log_level"), QStringLiteral("3")}});
    QVERIFY2(producer.ok(), qPrintable(producer.error()));
    const QByteArray name = topic.toUtf8();
    for (const OutgoingRecord &r : records) {
        // The producer owns the headers once the record is accepted.
        rd_kafka_headers_t *headers = rd_kafka_headers_new(size_t(r.headers.size()));
        for (const auto &[key, value] : r.headers)
            rd_kafka_header_add(headers, key.constData(), key.size(), value.constData(), value.size());
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            producer->get(), RD_KAFKA_V_TOPIC(name.constData()),
            RD_KAFKA_V_PARTITION(r.partition < 0 ? RD_KAFKA_PARTITION_UA : r.partition),
            RD_KAFKA_V_KEY(r.key.constData(), size_t(r.key.size())),
            RD_KAFKA_V_VALUE(const_cast<char *>(r.value.constData()), size_t(r.value.size())),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
        if (err)
            rd_kafka_headers_destroy(headers);
        QCOMPARE(err, RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    QCOMPARE(rd_kafka_flush(producer->get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
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
