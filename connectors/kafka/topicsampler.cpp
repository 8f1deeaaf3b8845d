#include "connectors/kafka/topicsampler.h"

#include <QElapsedTimer>

namespace idem::connectors::kafka {

namespace {

// What the client's error callback saw. librdkafka reports an unreachable
// broker there, not as the result of the call that waits for it. The
// callback runs inside rd_kafka_poll() on the sampling thread.
struct ClientErrors
{
    QString last;
    bool allBrokersDown = false;
};

void recordError(rd_kafka_t *, int err, const char *reason, void *opaque)
{
    auto *errors = static_cast<ClientErrors *>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        errors->allBrokersDown = true;
    else
        errors->last = QString::fromUtf8(reason);
}

QString propertyValue(const KafkaProperties &properties, const QString &key)
{
    for (const auto &[k, v] : properties) {
        if (k == key)
            return v;
    }
    return {};
}

} // namespace

models::RawMessage toRawMessage(const rd_kafka_message_t *message)
{
    models::RawMessage raw;
    raw.topic = QString::fromUtf8(rd_kafka_topic_name(message->rkt));
    raw.partition = message->partition;
    raw.offset = message->offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    raw.timestampMs = rd_kafka_message_timestamp(message, &type);
    raw.timestampType = type == RD_KAFKA_TIMESTAMP_CREATE_TIME   ? models::TimestampType::CreateTime
        : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? models::TimestampType::LogAppendTime
                                                     : models::TimestampType::NotAvailable;
    if (message->key)
        raw.key = QByteArray(static_cast<const char *>(message->key), qsizetype(message->key_len));
    if (message->payload)
        raw.value = QByteArray(static_cast<const char *>(message->payload), qsizetype(message->len));
    rd_kafka_headers_t *headers = nullptr;
    // The message keeps ownership of its headers.
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name = nullptr;
        const void *value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i) {
            models::RawHeader header;
            header.name = QByteArray(name);
            if (value)
                header.value = QByteArray(static_cast<const char *>(value), qsizetype(size));
            raw.headers.append(header);
        }
    }
    return raw;
}

Result<TopicSample> sampleTopic(const KafkaProperties &properties, const QString &topic, int maxMessages,
                                std::chrono::milliseconds timeout, const std::atomic_bool *cancelled)
{
    KafkaProperties props = properties;
    props.append({QStringLiteral("group.id"), QStringLiteral("idem-sampler")}); // required, never joined
    props.append({QStringLiteral("enable.auto.commit"), QStringLiteral("false")});
    props.append({QStringLiteral("enable.auto.offset.store"), QStringLiteral("false")});
    props.append({QStringLiteral("log_level"), QStringLiteral("3")});
    ClientErrors errors;
    auto client = createClient(RD_KAFKA_CONSUMER, props, [&errors](rd_kafka_conf_t *conf) {
        rd_kafka_conf_set_opaque(conf, &errors);
        rd_kafka_conf_set_error_cb(conf, recordError);
    });
    if (!client)
        return makeError(client.error());
    rd_kafka_t *rk = client->get();
    const int timeoutMs = int(timeout.count());
    const auto isCancelled = [cancelled] { return cancelled && cancelled->load(); };
    const auto cancelledError = [&topic] {
        return makeError(QStringLiteral("sampling %1 was cancelled").arg(topic));
    };

    TopicSample sample;
    int partitions = -1;
    const rd_kafka_metadata_t *metadata = nullptr;
    // In short slices, so a cancel or every broker being down ends the wait early.
    QElapsedTimer waited;
    waited.start();
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (;;) {
        const int slice = int(std::clamp<qint64>(timeoutMs - waited.elapsed(), 1, 500));
        err = rd_kafka_metadata(rk, 1, nullptr, &metadata, slice);
        if (!err)
            break;
        rd_kafka_poll(rk, 50);
        if (isCancelled())
            return cancelledError();
        if (errors.allBrokersDown || waited.elapsed() >= timeoutMs
            || (err != RD_KAFKA_RESP_ERR__TIMED_OUT && err != RD_KAFKA_RESP_ERR__TRANSPORT))
            break;
    }
    if (err) {
        const QString servers = propertyValue(properties, QStringLiteral("bootstrap.servers"));
        if (errors.allBrokersDown || !errors.last.isEmpty()) {
            return makeError(QStringLiteral("cannot reach the cluster at %1: %2")
                                 .arg(servers, errors.last.isEmpty() ? QStringLiteral("every broker is down")
                                                                     : errors.last));
        }
        return makeError(QStringLiteral("cannot read the metadata of the cluster at %1 within %2 s: %3")
                             .arg(servers)
                             .arg(timeoutMs / 1000.0)
                             .arg(QString::fromUtf8(rd_kafka_err2str(err))));
    }
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        const QString name = QString::fromUtf8(metadata->topics[i].topic);
        sample.topicNames << name;
        if (name == topic && !metadata->topics[i].err)
            partitions = metadata->topics[i].partition_cnt;
    }
    rd_kafka_metadata_destroy(metadata);
    if (partitions < 0)
        return makeError(QStringLiteral("topic %1 does not exist on the cluster").arg(topic));

    const QByteArray name = topic.toUtf8();
    const int perPartition = std::max(1, (maxMessages + partitions - 1) / partitions);
    PartitionList assignment(rd_kafka_topic_partition_list_new(partitions));
    QList<qint64> ends(partitions, -1);
    qint64 expected = 0;
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0, high = 0;
        if (const auto err = rd_kafka_query_watermark_offsets(rk, name.constData(), p, &low, &high, timeoutMs))
            return makeError(QStringLiteral("cannot read the watermarks of %1[%2]: %3")
                                 .arg(topic)
                                 .arg(p)
                                 .arg(QString::fromUtf8(rd_kafka_err2str(err))));
        const qint64 start = std::max<qint64>(low, high - perPartition);
        ends[p] = high;
        expected += high - start;
        if (high > start)
            rd_kafka_topic_partition_list_add(assignment.get(), name.constData(), p)->offset = start;
    }
    if (expected == 0)
        return sample;
    rd_kafka_assign(rk, assignment.get());
    QElapsedTimer timer;
    timer.start();
    while (sample.messages.size() < expected && timer.elapsed() < timeoutMs) {
        if (isCancelled())
            return cancelledError();
        KafkaMessage m(rd_kafka_consumer_poll(rk, 100));
        if (!m || m->err || m->offset >= ends.value(m->partition, -1))
            continue;
        sample.messages << toRawMessage(m.get());
    }
    rd_kafka_assign(rk, nullptr);
    std::sort(sample.messages.begin(), sample.messages.end(), [](const auto &a, const auto &b) {
        return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
    });
    if (sample.messages.size() > maxMessages)
        sample.messages = sample.messages.mid(sample.messages.size() - maxMessages);
    return sample;
}

} // namespace idem::connectors::kafka
