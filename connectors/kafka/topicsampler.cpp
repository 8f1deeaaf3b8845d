#include "connectors/kafka/topicsampler.h"

#include "connectors/kafka/kafkareader.h"

namespace idem::connectors::kafka {

namespace {

QString propertyValue(const KafkaProperties &properties, const QString &key)
{
    for (const auto &[k, v] : properties) {
        if (k == key)
            return v;
    }
    return {};
}

} // namespace

Result<TopicSample> sampleTopic(const KafkaProperties &properties, const QString &topic, int maxMessages,
                                std::chrono::milliseconds timeout, const std::atomic_bool *cancelled)
{
    return sampleTopic(properties, topic, maxMessages, PollControl::within(timeout, cancelled));
}

Result<TopicSample> sampleTopic(const KafkaProperties &properties, const QString &topic, int maxMessages,
                                const PollControl &control)
{
    const auto cancelledError = [&topic] { return makeError(QStringLiteral("sampling %1 was cancelled").arg(topic)); };
    KafkaReader reader(properties);
    TopicSample sample;
    const auto counts = reader.partitionCounts(control);
    if (!counts) {
        if (control.isCancelled())
            return cancelledError();
        const QString servers = propertyValue(properties, QStringLiteral("bootstrap.servers"));
        const KafkaReader::ClientErrors errors = reader.clientErrors();
        if (errors.allBrokersDown || !errors.last.isEmpty()) {
            return makeError(QStringLiteral("cannot reach the cluster at %1: %2")
                                 .arg(servers, errors.last.isEmpty() ? QStringLiteral("every broker is down") : errors.last));
        }
        return makeError(QStringLiteral("cannot read the metadata of the cluster at %1: %2").arg(servers, counts.error()));
    }
    for (auto it = counts->cbegin(); it != counts->cend(); ++it)
        sample.topicNames << it.key();
    sample.topicNames.sort();
    const int partitions = counts->value(topic, -1);
    if (partitions < 0)
        return makeError(QStringLiteral("topic %1 does not exist on the cluster").arg(topic));
    if (partitions == 0 || maxMessages <= 0)
        return sample;

    QList<TopicPartition> all;
    for (int p = 0; p < partitions; ++p)
        all.append({topic, p});
    const auto marks = reader.watermarks(all, control);
    if (!marks)
        return control.isCancelled() ? cancelledError() : makeError(marks.error());
    const int perPartition = std::max(1, (maxMessages + partitions - 1) / partitions);
    QList<OffsetRange> ranges;
    KnownWatermarks known;
    for (const PartitionWatermarks &w : marks.value()) {
        known.insert(w.partition, w);
        if (!w.error.isEmpty())
            return makeError(QStringLiteral("cannot read the watermarks of %1[%2]: %3").arg(topic).arg(w.partition.partition).arg(w.error));
        const qint64 start = std::max<qint64>(w.low, w.high - perPartition);
        if (w.high > start)
            ranges.append({topic, w.partition.partition, start, w.high});
    }
    if (ranges.isEmpty())
        return sample;
    ReadResult read = reader.read(ranges, 0, control, known);
    if (control.isCancelled())
        return cancelledError();
    sample.messages = std::move(read.messages);
    std::sort(sample.messages.begin(), sample.messages.end(), [](const auto &a, const auto &b) {
        return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
    });
    if (sample.messages.size() > maxMessages)
        sample.messages = sample.messages.mid(sample.messages.size() - maxMessages);
    return sample;
}

} // namespace idem::connectors::kafka
