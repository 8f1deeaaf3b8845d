#pragma once

// The one read-only Kafka reader: a consumer that assigns partitions itself
// (never joins a group, never commits) and reads offset ranges, single
// records, watermarks and the offset of a point in time. Every call takes a
// PollControl: blocking librdkafka calls get at most the time left, waited
// for in slices so a cancel is noticed within about 100 ms, and a call that
// runs out of time or is cancelled says so in its result.
//
// Blocking; use it from a worker thread. Not for use from two threads at once.

#include "connectors/common/pollcontrol.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/core/result.h"
#include "models/envelope/rawmessage.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace idem::connectors::kafka {

struct TopicPartition
{
    QString topic;
    int partition = 0;

    bool operator==(const TopicPartition &) const = default;
};

inline size_t qHash(const TopicPartition &tp, size_t seed = 0)
{
    return ::qHash(tp.topic, seed) ^ ::qHash(tp.partition, seed);
}

struct PartitionWatermarks
{
    TopicPartition partition;
    qint64 low = -1; // the first retained offset
    qint64 high = -1; // the offset the next record will get
    QString error; // non-empty: low and high are unknown
};

// Watermarks a caller already read in the same poll, by partition.
using KnownWatermarks = QHash<TopicPartition, PartitionWatermarks>;

// Offsets [from, to) of one partition.
struct OffsetRange
{
    QString topic;
    int partition = 0;
    qint64 from = 0;
    qint64 to = 0;
};

// Why part of a range was not read.
enum class ReadStop {
    None, // read to the end of the range
    Budget, // the message budget of the read ran out
    Deadline, // the PollControl's deadline passed
    Cancelled, // the PollControl was cancelled
    BeyondEnd, // the range reaches past the high watermark: those records do not exist yet
    Error, // the cluster refused (see error)
};

QString describe(ReadStop stop);

// What became of one asked range: [range.from, readFrom) was past retention
// (deleted before it could be read), [readFrom, readTo) was read entirely
// (every record in it is in the result; offsets missing there do not exist,
// e.g. compacted away), and [readTo, range.to) was not read because of `stop`.
struct RangeOutcome
{
    OffsetRange range;
    qint64 readFrom = 0;
    qint64 readTo = 0;
    ReadStop stop = ReadStop::None;
    QString error;

    bool pastRetention() const { return readFrom > range.from; }
    bool complete() const { return readTo >= range.to && !pastRetention(); }
};

struct ReadResult
{
    QList<models::RawMessage> messages; // in the order they arrived: by offset within a partition
    qint64 filteredOut = 0; // records read (in readTo) but left out by the read's filter
    QList<RangeOutcome> ranges; // one per asked range, in the order asked
    QString error; // the read as a whole failed (no client, no watermarks)

    bool complete() const;
    // "orders[0] [10, 20): read [10, 15), not [15, 20): deadline", one line a
    // range not read entirely.
    QString describeGaps() const;
};

class KafkaReader final
{
public:
    // `properties`: the cluster's client properties (bootstrap.servers,
    // security). Reader settings are added to them; `overrides` come last
    // (e.g. a smaller max.partition.fetch.bytes for single-record reads).
    explicit KafkaReader(KafkaProperties properties, KafkaProperties overrides = {});
    ~KafkaReader();
    KafkaReader(const KafkaReader &) = delete;
    KafkaReader &operator=(const KafkaReader &) = delete;

    // Partition counts of every topic of the cluster (topics with errors left
    // out). Stops early when librdkafka reports every broker down.
    Result<QHash<QString, int>> partitionCounts(const PollControl &control);

    // What the client reported on its own (an unreachable broker is reported
    // there, not as the result of the call that waits for it).
    struct ClientErrors
    {
        QString last; // the latest error other than "all brokers down"
        bool allBrokersDown = false;
    };
    ClientErrors clientErrors() const;

    // Low and high watermarks, batched (one request per leader and end).
    Result<QList<PartitionWatermarks>> watermarks(const QList<TopicPartition> &partitions, const PollControl &control);

    // The first offset whose record timestamp is >= timestampMs; the high
    // watermark when there is none. Where the cluster answers -1 for a time
    // inside the partition (librdkafka's mock cluster always does), a binary
    // search on record timestamps, reading one record a step.
    Result<qint64> offsetForTime(const QString &topic, int partition, qint64 timestampMs, const PollControl &control);

    // Reads every range, all partitions at once, at most `messageBudget`
    // messages in all (<= 0: no limit). Ranges are capped at the high
    // watermark (BeyondEnd) and start at the low one (past retention).
    // Watermarks the caller already holds (`known`, from the same poll) are
    // used as they are; only the others are asked of the cluster.
    // `keep`, when given, is asked about each record on librdkafka's own
    // buffers before it is converted: records it refuses count as read (and
    // against the budget) but are left out of the result (a scan's
    // prefilter: converting every record cost more than reading it).
    using RecordFilter = std::function<bool(const rd_kafka_message_t *)>;
    ReadResult read(const QList<OffsetRange> &ranges, qint64 messageBudget, const PollControl &control,
                    const KnownWatermarks &known = {}, const RecordFilter &keep = {});

    // Like read(), without keeping the records: each record of the ranges is
    // handed to `sink` as librdkafka holds it (valid during the call only;
    // toRawMessage() copies it), every range in one pass, so a filter over a
    // whole topic holds only what it keeps. `progress` (when given) is called
    // every `progressEvery` records with the count so far. The result's
    // messages stay empty; its ranges say what was read, as read()'s do.
    using RecordSink = std::function<void(const rd_kafka_message_t *record, const QString &topic)>;
    ReadResult stream(const QList<OffsetRange> &ranges, const RecordSink &sink, const PollControl &control,
                      const KnownWatermarks &known = {}, const std::function<void(qint64)> &progress = {},
                      qint64 progressEvery = 20000);

    struct Delivery; // internal: where a read's records go when they are not kept

    // The record at `offset`, or the first after it where it no longer
    // exists (compacted); nullopt when there is none before the high watermark.
    Result<std::optional<models::RawMessage>> readOne(const QString &topic, int partition, qint64 offset,
                                                      const PollControl &control);

    // Several single records at once: for each entry the first record at or
    // after `from` (`to` is ignored), keyed by (topic, partition, from).
    // Entries not read are missing from the hash; `outcome` (when given) says
    // why (a range whose readTo is past readFrom found the record at readTo - 1).
    QMap<std::tuple<QString, int, qint64>, models::RawMessage> readEach(const QList<OffsetRange> &firsts,
                                                                       const PollControl &control,
                                                                       ReadResult *outcome = nullptr,
                                                                       const KnownWatermarks &known = {});

private:
    Status ensureClient();
    ReadResult readRanges(const QList<OffsetRange> &ranges, qint64 messageBudget, const PollControl &control,
                          const KnownWatermarks &known, bool firstOnly, const RecordFilter &keep = {},
                          Delivery *delivery = nullptr);

    KafkaProperties m_properties;
    std::shared_ptr<rd_kafka_t> m_consumer; // shared with helper threads still waiting on the cluster
    std::shared_ptr<ClientErrors> m_errors; // lives as long as the client
    QHash<const void *, QString> m_topicNames; // rd_kafka_topic_t -> name
    QDeadlineTimer m_metadataFresh; // the client's metadata cache holds every topic until then
};

// The record as Idem's models see it. The message keeps ownership of its data.
models::RawMessage toRawMessage(const rd_kafka_message_t *message);
// The same without copying its key, value and headers: they stay in
// librdkafka's buffers, valid only while `message` is (a RecordSink's call).
models::RawMessage viewRawMessage(const rd_kafka_message_t *message, const QString &topic);

// The same without copying, for a sink that looks at every record and keeps
// few: `into` is reused from record to record (its header list keeps its
// capacity). viewPosition() sets topic, partition, offset and timestamp;
// viewBytes() key, value and headers, pointing into librdkafka's buffers:
// valid only while the record is (the sink's call), never to be kept.
void viewPosition(const rd_kafka_message_t *message, const QString &topic, models::RawMessage &into);
void viewBytes(const rd_kafka_message_t *message, models::RawMessage &into);

} // namespace idem::connectors::kafka
