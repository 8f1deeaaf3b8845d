#include "tests/support/topicreader.h"

#include "connectors/kafka/rdkafkahandles.h"

#include <QElapsedTimer>
#include <QTest>

namespace idem::testsupport {

using namespace idem::connectors::kafka;

QByteArray Record::header(const QByteArray &name) const
{
    for (auto it = headers.crbegin(); it != headers.crend(); ++it) {
        if (it->first == name)
            return it->second;
    }
    return {};
}

bool Record::hasHeader(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first == name)
            return true;
    }
    return false;
}

namespace {

KafkaHandle client(const QString &bootstrap, rd_kafka_type_t type)
{
    auto created = createClient(type, {{QStringLiteral("bootstrap.servers"), bootstrap},
                                       {QStringLiteral("group.id"), QStringLiteral("idem-test-reader")},
                                       {QStringLiteral("enable.auto.commit"), QStringLiteral("false")},
                                       {QStringLiteral("log_level"), QStringLiteral("3")}});
    if (!created) {
        qWarning("%s", qPrintable(created.error()));
        return {};
    }
    return std::move(created.value());
}

int partitionCount(rd_kafka_t *rk, const QString &topic)
{
    const QByteArray name = topic.toUtf8();
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, name.constData(), nullptr);
    const rd_kafka_metadata_t *metadata = nullptr;
    int count = 0;
    if (rd_kafka_metadata(rk, 0, rkt, &metadata, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (metadata->topic_cnt == 1 && !metadata->topics[0].err)
            count = metadata->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(metadata);
    }
    rd_kafka_topic_destroy(rkt);
    return count;
}

} // namespace

QList<Watermarks> watermarks(const QString &bootstrapServers, const QString &topic)
{
    QList<Watermarks> result;
    KafkaHandle rk = client(bootstrapServers, RD_KAFKA_PRODUCER);
    if (!rk)
        return result;
    const int partitions = partitionCount(rk.get(), topic);
    for (int p = 0; p < partitions; ++p) {
        Watermarks w;
        int64_t low = -1, high = -1;
        if (rd_kafka_query_watermark_offsets(rk.get(), topic.toUtf8().constData(), p, &low, &high, 10000) == 0)
            w = {low, high};
        result << w;
    }
    return result;
}

QList<Record> readTopic(const QString &bootstrapServers, const QString &topic, int timeoutMs)
{
    QList<Record> records;
    KafkaHandle rk = client(bootstrapServers, RD_KAFKA_CONSUMER);
    if (!rk)
        return records;
    const QList<Watermarks> marks = watermarks(bootstrapServers, topic);
    PartitionList assignment(rd_kafka_topic_partition_list_new(marks.size()));
    qint64 expected = 0;
    for (int p = 0; p < marks.size(); ++p) {
        rd_kafka_topic_partition_list_add(assignment.get(), topic.toUtf8().constData(), p)->offset = marks[p].low;
        expected += marks[p].high - marks[p].low;
    }
    rd_kafka_assign(rk.get(), assignment.get());
    QElapsedTimer timer;
    timer.start();
    QList<qint64> next(marks.size());
    for (int p = 0; p < marks.size(); ++p)
        next[p] = marks[p].low;
    while (records.size() < expected && timer.elapsed() < timeoutMs) {
        KafkaMessage m(rd_kafka_consumer_poll(rk.get(), 100));
        if (!m || m->err)
            continue;
        if (m->offset >= marks[m->partition].high)
            continue;
        Record r;
        r.topic = topic;
        r.partition = m->partition;
        r.offset = m->offset;
        r.timestampMs = rd_kafka_message_timestamp(m.get(), nullptr);
        if (m->key)
            r.key = QByteArray(static_cast<const char *>(m->key), qsizetype(m->key_len));
        if (m->payload)
            r.payload = QByteArray(static_cast<const char *>(m->payload), qsizetype(m->len));
        rd_kafka_headers_t *headers = nullptr;
        if (rd_kafka_message_headers(m.get(), &headers) == 0) {
            const char *name;
            const void *value;
            size_t size;
            for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i)
                r.headers.append({QByteArray(name), QByteArray(static_cast<const char *>(value), qsizetype(size))});
        }
        records << r;
    }
    rd_kafka_consumer_close(rk.get());
    if (records.size() != expected)
        qWarning("read %lld of %lld records of %s", qint64(records.size()), expected, qPrintable(topic));
    std::sort(records.begin(), records.end(), [](const Record &a, const Record &b) {
        return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
    });
    return records;
}

} // namespace idem::testsupport
