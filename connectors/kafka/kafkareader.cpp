#include "connectors/kafka/kafkareader.h"

#include "connectors/kafka/blockingcall.h"

#include <QSet>
#include <QStringList>

#include <cstring>
#include <limits>
#include <vector>

namespace idem::connectors::kafka {

namespace {

constexpr int kBatch = 1000;

ReadStop stopFor(const PollControl &control)
{
    return control.isCancelled() ? ReadStop::Cancelled : ReadStop::Deadline;
}

QString stoppedError(const PollControl &control, const QString &what)
{
    return control.isCancelled() ? QStringLiteral("%1 was cancelled").arg(what)
                                 : QStringLiteral("%1 ran out of time").arg(what);
}

} // namespace

QString describe(ReadStop stop)
{
    switch (stop) {
    case ReadStop::None:
        return QStringLiteral("read");
    case ReadStop::Budget:
        return QStringLiteral("message budget used up");
    case ReadStop::Deadline:
        return QStringLiteral("deadline passed");
    case ReadStop::Cancelled:
        return QStringLiteral("cancelled");
    case ReadStop::BeyondEnd:
        return QStringLiteral("beyond the high watermark");
    case ReadStop::Error:
        return QStringLiteral("error");
    }
    return {};
}

bool ReadResult::complete() const
{
    if (!error.isEmpty())
        return false;
    for (const RangeOutcome &r : ranges) {
        if (!r.complete())
            return false;
    }
    return true;
}

QString ReadResult::describeGaps() const
{
    QStringList lines;
    if (!error.isEmpty())
        lines << error;
    for (const RangeOutcome &r : ranges) {
        if (r.complete())
            continue;
        QString line = QStringLiteral("%1[%2] [%3, %4):").arg(r.range.topic).arg(r.range.partition).arg(r.range.from).arg(r.range.to);
        if (r.pastRetention())
            line += QStringLiteral(" [%1, %2) past retention;").arg(r.range.from).arg(r.readFrom);
        if (r.readTo > r.readFrom)
            line += QStringLiteral(" read [%1, %2);").arg(r.readFrom).arg(r.readTo);
        if (r.readTo < r.range.to)
            line += QStringLiteral(" not [%1, %2): %3").arg(r.readTo).arg(r.range.to).arg(r.error.isEmpty() ? describe(r.stop) : r.error);
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

namespace {

// Partition, offset and timestamp.
void convertPosition(const rd_kafka_message_t *message, models::RawMessage &raw)
{
    raw.partition = message->partition;
    raw.offset = message->offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    raw.timestampMs = rd_kafka_message_timestamp(message, &type);
    raw.timestampType = type == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? models::TimestampType::CreateTime
        : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? models::TimestampType::LogAppendTime
                                                     : models::TimestampType::NotAvailable;
}

// Key, value and headers, copied or (`copy` false) pointing into the message.
void convertBytes(const rd_kafka_message_t *message, models::RawMessage &raw, bool copy)
{
    const auto bytes = [copy](const void *data, size_t size) {
        return copy ? QByteArray(static_cast<const char *>(data), qsizetype(size))
                    : QByteArray::fromRawData(static_cast<const char *>(data), qsizetype(size));
    };
    raw.key.reset();
    raw.value.reset();
    if (message->key)
        raw.key = bytes(message->key, message->key_len);
    if (message->payload)
        raw.value = bytes(message->payload, message->len);
    qsizetype count = 0; // headers set; a reused message's others are overwritten or dropped
    rd_kafka_headers_t *headers = nullptr;
    // The message keeps ownership of its headers.
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name = nullptr;
        const void *value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i, ++count) {
            if (count == raw.headers.size())
                raw.headers.emplace_back();
            models::RawHeader &header = raw.headers[count];
            header.name = bytes(name, std::strlen(name));
            if (value)
                header.value = bytes(value, size);
            else
                header.value.reset();
        }
    }
    raw.headers.resize(count);
}

// `topic`: the message's topic name where the caller has it already.
// `copy`: false leaves key, value and headers in librdkafka's buffers.
models::RawMessage convert(const rd_kafka_message_t *message, const QString *topic, bool copy = true)
{
    models::RawMessage raw;
    if (topic)
        raw.topic = *topic;
    else if (message->rkt)
        raw.topic = QString::fromUtf8(rd_kafka_topic_name(message->rkt));
    convertPosition(message, raw);
    convertBytes(message, raw, copy);
    return raw;
}

} // namespace

models::RawMessage viewRawMessage(const rd_kafka_message_t *message, const QString &topic)
{
    return convert(message, &topic, false);
}

models::RawMessage toRawMessage(const rd_kafka_message_t *message)
{
    return convert(message, nullptr);
}

void viewPosition(const rd_kafka_message_t *message, const QString &topic, models::RawMessage &into)
{
    into.topic = topic;
    convertPosition(message, into);
}

void viewBytes(const rd_kafka_message_t *message, models::RawMessage &into)
{
    convertBytes(message, into, false);
}

KafkaReader::KafkaReader(KafkaProperties properties, KafkaProperties overrides)
{
    m_properties = std::move(properties);
    m_properties.append({QStringLiteral("group.id"), QStringLiteral("idem-reader")}); // required by assign, never joined
    m_properties.append({QStringLiteral("enable.auto.commit"), QStringLiteral("false")});
    m_properties.append({QStringLiteral("enable.auto.offset.store"), QStringLiteral("false")});
    m_properties.append({QStringLiteral("enable.partition.eof"), QStringLiteral("true")});
    m_properties.append({QStringLiteral("auto.offset.reset"), QStringLiteral("error")});
    // A fetch at the end of a partition waits this long for more on the
    // broker's connection, and a watermark or time request queues behind it.
    m_properties.append({QStringLiteral("fetch.wait.max.ms"), QStringLiteral("20")});
    // Prefetch far ahead (still capped by queued.max.messages.kbytes, 64 MiB
    // for the one consumer queue): with librdkafka's default of 100 000 the
    // fetcher idles between fetches and a million records over 24 partitions
    // took 7.2 s on the mock cluster; with this, 1.1 s (bench_kafkareader).
    m_properties.append({QStringLiteral("queued.min.messages"), QStringLiteral("1000000")});
    m_properties.append({QStringLiteral("log_level"), QStringLiteral("3")});
    m_properties.append(overrides);
}

KafkaReader::~KafkaReader() = default;

KafkaReader::ClientErrors KafkaReader::clientErrors() const
{
    return m_errors ? *m_errors : ClientErrors{};
}

Status KafkaReader::ensureClient()
{
    if (m_consumer)
        return {};
    auto errors = std::make_shared<ClientErrors>();
    // Called on the thread that serves the consumer's queue: the reader's.
    auto client = createClient(RD_KAFKA_CONSUMER, m_properties, [&errors](rd_kafka_conf_t *conf) {
        rd_kafka_conf_set_opaque(conf, errors.get());
        rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t *, int err, const char *reason, void *opaque) {
            auto *e = static_cast<ClientErrors *>(opaque);
            if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                e->allBrokersDown = true;
            else
                e->last = QString::fromUtf8(reason);
        });
    });
    if (!client)
        return makeError(client.error());
    m_errors = errors;
    m_consumer = std::shared_ptr<rd_kafka_t>(client.value().release(), [errors](rd_kafka_t *rk) { rd_kafka_destroy(rk); });
    rd_kafka_poll_set_consumer(m_consumer.get());
    return {};
}

Result<QHash<QString, int>> KafkaReader::partitionCounts(const PollControl &control)
{
    if (auto ok = ensureClient(); !ok)
        return makeError(ok.error());
    std::shared_ptr<rd_kafka_t> rk = m_consumer;
    auto answer = callWithin<Result<QHash<QString, int>>>(control, [rk](int timeoutMs) -> Result<QHash<QString, int>> {
        const rd_kafka_metadata_t *metadata = nullptr;
        if (const auto err = rd_kafka_metadata(rk.get(), 1, nullptr, &metadata, timeoutMs))
            return makeError(QStringLiteral("cannot read the cluster's metadata: %1").arg(QString::fromUtf8(rd_kafka_err2str(err))));
        QHash<QString, int> counts;
        for (int i = 0; i < metadata->topic_cnt; ++i) {
            if (!metadata->topics[i].err)
                counts.insert(QString::fromUtf8(metadata->topics[i].topic), metadata->topics[i].partition_cnt);
        }
        rd_kafka_metadata_destroy(metadata);
        return counts;
    }, [this] {
        // Serves the error callback; nothing is assigned between reads.
        KafkaMessage ignored(rd_kafka_consumer_poll(m_consumer.get(), 0));
        return m_errors->allBrokersDown;
    });
    if (!answer && m_errors->allBrokersDown)
        return makeError(QStringLiteral("cannot read the cluster's metadata: every broker is down"));
    if (!answer)
        return makeError(stoppedError(control, QStringLiteral("reading the cluster's metadata")));
    if (*answer) // the whole cluster's metadata fills the client's cache
        m_metadataFresh.setRemainingTime(std::chrono::minutes(5));
    return std::move(*answer);
}

Result<QList<PartitionWatermarks>> KafkaReader::watermarks(const QList<TopicPartition> &partitions, const PollControl &control)
{
    QList<PartitionWatermarks> out;
    for (const auto &tp : partitions)
        out.append({tp, -1, -1, {}});
    if (partitions.isEmpty())
        return out;
    if (auto ok = ensureClient(); !ok)
        return makeError(ok.error());
    // rd_kafka_query_watermark_offsets ignores its timeout while every broker
    // is down; offsets_for_times with the sentinels, batched, does not.
    // librdkafka matches each answer to its request by a linear search of
    // the list, so a list of n partitions costs n² string compares: asked in
    // chunks, 30 000 partitions take milliseconds, not seconds.
    // offsets_for_times asks the cluster for the leaders of topics its
    // client has not seen, once per request: for watermarks of many topics
    // the whole cluster's metadata is read once, in one request, instead
    // (1 000 flows: 0.6 s instead of 1.3 s for the first watermarks). Kept
    // well within metadata.max.age.ms (15 min), after which the cache forgets.
    QSet<QString> topics;
    for (const auto &tp : partitions)
        topics.insert(tp.topic);
    constexpr qsizetype kManyTopics = 50;
    if (topics.size() > kManyTopics && m_metadataFresh.hasExpired())
        (void)partitionCounts(control); // errors show in the watermarks' own answers
    // Each chunk's request waits a round trip: up to 8 are in flight at once.
    constexpr qsizetype kChunk = 250;
    constexpr int kInFlight = 8;
    using List = std::shared_ptr<rd_kafka_topic_partition_list_t>;
    std::vector<List> lists; // per chunk, earliest then latest
    for (qsizetype from = 0; from < partitions.size(); from += kChunk) {
        const qsizetype to = std::min(partitions.size(), from + kChunk);
        for (const bool latest : {false, true}) {
            List list(rd_kafka_topic_partition_list_new(int(to - from)), rd_kafka_topic_partition_list_destroy);
            for (qsizetype i = from; i < to; ++i) {
                const auto &tp = partitions[i];
                rd_kafka_topic_partition_list_add(list.get(), tp.topic.toUtf8().constData(), tp.partition)->offset =
                    latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
            }
            lists.push_back(std::move(list));
        }
    }
    std::shared_ptr<rd_kafka_t> rk = m_consumer;
    const auto errors = callEachWithin<rd_kafka_resp_err_t>(control, int(lists.size()), kInFlight,
                                                            [rk, lists](int index, int timeoutMs) {
                                                                return rd_kafka_offsets_for_times(
                                                                    rk.get(), lists[size_t(index)].get(), timeoutMs);
                                                            });
    if (!errors)
        return makeError(stoppedError(control, QStringLiteral("reading watermarks")));
    for (size_t chunk = 0; chunk < lists.size(); ++chunk) {
        if (const rd_kafka_resp_err_t err = (*errors)[chunk])
            return makeError(QStringLiteral("cannot read watermarks: %1").arg(QString::fromUtf8(rd_kafka_err2str(err))));
        const bool latest = chunk % 2 == 1;
        const qsizetype from = qsizetype(chunk / 2) * kChunk;
        const qsizetype to = std::min(partitions.size(), from + kChunk);
        const rd_kafka_topic_partition_list_t *list = lists[chunk].get();
        // The answer keeps the order asked, but duplicates collapse: look each
        // up, by hash.
        QHash<QPair<QString, int>, const rd_kafka_topic_partition_t *> answered;
        answered.reserve(list->cnt);
        for (int i = 0; i < list->cnt; ++i)
            answered.insert({QString::fromUtf8(list->elems[i].topic), int(list->elems[i].partition)}, &list->elems[i]);
        for (qsizetype i = from; i < to; ++i) {
            auto &w = out[i];
            const rd_kafka_topic_partition_t *el = answered.value({w.partition.topic, w.partition.partition});
            if (!el || el->err) {
                w.error = el ? QString::fromUtf8(rd_kafka_err2str(el->err)) : QStringLiteral("no answer");
                continue;
            }
            (latest ? w.high : w.low) = el->offset;
        }
    }
    return out;
}

Result<qint64> KafkaReader::offsetForTime(const QString &topic, int partition, qint64 timestampMs, const PollControl &control)
{
    auto marks = watermarks({{topic, partition}}, control);
    if (!marks)
        return makeError(marks.error());
    const PartitionWatermarks w = marks->first();
    if (!w.error.isEmpty())
        return makeError(QStringLiteral("%1[%2]: cannot read watermarks: %3").arg(topic).arg(partition).arg(w.error));
    if (w.low >= w.high)
        return w.high;

    // The cluster's own lookup first.
    auto list = std::shared_ptr<rd_kafka_topic_partition_list_t>(rd_kafka_topic_partition_list_new(1),
                                                                 rd_kafka_topic_partition_list_destroy);
    rd_kafka_topic_partition_list_add(list.get(), topic.toUtf8().constData(), partition)->offset = timestampMs;
    std::shared_ptr<rd_kafka_t> rk = m_consumer;
    auto err = callWithin<rd_kafka_resp_err_t>(control, [rk, list](int timeoutMs) {
        return rd_kafka_offsets_for_times(rk.get(), list.get(), timeoutMs);
    });
    if (!err)
        return makeError(stoppedError(control, QStringLiteral("looking up a time")));
    if (!*err && !list->elems[0].err && list->elems[0].offset >= 0)
        return qint64(list->elems[0].offset);

    // -1 means no record at or after the time; believe it only if the newest
    // record is older. Else search the record timestamps (assumed to grow
    // with the offset, as they do where producers stamp them).
    auto newest = readOne(topic, partition, w.high - 1, control);
    if (!newest)
        return makeError(newest.error());
    if (newest->has_value() && (*newest)->timestampMs < timestampMs)
        return w.high;
    // Every record before lo is older than the time; the first record at or
    // after hi (if any) is not.
    qint64 lo = w.low, hi = w.high;
    while (lo < hi) {
        const qint64 mid = lo + (hi - lo) / 2;
        auto record = readOne(topic, partition, mid, control);
        if (!record)
            return makeError(record.error());
        if (!record->has_value() || (*record)->timestampMs >= timestampMs)
            hi = mid;
        else
            lo = std::min(hi, (*record)->offset + 1);
    }
    return lo;
}

Result<std::optional<models::RawMessage>> KafkaReader::readOne(const QString &topic, int partition, qint64 offset,
                                                               const PollControl &control)
{
    ReadResult outcome;
    const auto found = readEach({{topic, partition, offset, offset}}, control, &outcome);
    if (!outcome.error.isEmpty())
        return makeError(outcome.error);
    if (!found.isEmpty())
        return std::optional<models::RawMessage>(found.cbegin().value());
    const RangeOutcome &r = outcome.ranges.first();
    if (r.stop == ReadStop::None || r.stop == ReadStop::BeyondEnd)
        return std::optional<models::RawMessage>();
    return makeError(QStringLiteral("%1[%2] at %3: %4")
                         .arg(topic)
                         .arg(partition)
                         .arg(offset)
                         .arg(r.error.isEmpty() ? describe(r.stop) : r.error));
}

namespace {

// One range being read.
struct Want
{
    int index = 0; // into the outcomes
    qint64 end = 0; // min(to, high)
    bool open = false;
};

} // namespace

struct KafkaReader::Delivery
{
    const RecordSink *sink = nullptr;
    const std::function<void(qint64)> *progress = nullptr;
    qint64 progressEvery = 20000;
    qint64 handed = 0; // records handed to the sink so far
};

namespace {

// Reads one round: no partition twice. `firstOnly`: each range wants only its
// first record (at or after from, before the high watermark).
void readRound(rd_kafka_t *rk, QHash<const void *, QString> &topicNames, const QList<int> &round,
                      const QList<PartitionWatermarks> &marks, QList<RangeOutcome> &outcomes,
                      QList<models::RawMessage> &messages, qint64 &budget, bool firstOnly, const PollControl &control,
                      KafkaReader::Delivery *delivery, const KafkaReader::RecordFilter &keep, qint64 &filteredOut)
{
    QHash<TopicPartition, Want> wants;
    PartitionList assignment(rd_kafka_topic_partition_list_new(int(round.size())));
    for (int i : round) {
        RangeOutcome &o = outcomes[i];
        const PartitionWatermarks &w = marks[i];
        if (!w.error.isEmpty()) {
            o.readFrom = o.readTo = o.range.from;
            o.stop = ReadStop::Error;
            o.error = QStringLiteral("cannot read watermarks: %1").arg(w.error);
            continue;
        }
        const qint64 to = firstOnly ? std::numeric_limits<qint64>::max() : o.range.to;
        o.readFrom = std::clamp(std::max(o.range.from, w.low), o.range.from, std::max(o.range.from, to));
        const qint64 end = std::min(to, w.high);
        o.readTo = o.readFrom;
        if (end <= o.readFrom) {
            o.stop = o.readFrom < to ? ReadStop::BeyondEnd : ReadStop::None;
            if (firstOnly)
                o.stop = ReadStop::None; // no record at or after from: an answer too
            continue;
        }
        wants.insert({o.range.topic, o.range.partition}, {i, end, true});
        rd_kafka_topic_partition_list_add(assignment.get(), o.range.topic.toUtf8().constData(), o.range.partition)->offset =
            o.readFrom;
    }
    if (wants.isEmpty())
        return;
    auto finishAll = [&](ReadStop why, const QString &error = {}) {
        for (auto &w : wants) {
            if (!w.open)
                continue;
            w.open = false;
            outcomes[w.index].stop = why;
            outcomes[w.index].error = error;
        }
    };
    if (const auto err = rd_kafka_assign(rk, assignment.get())) {
        finishAll(ReadStop::Error, QStringLiteral("cannot assign: %1").arg(QString::fromUtf8(rd_kafka_err2str(err))));
        return;
    }
    qsizetype open = wants.size();
    QHash<QPair<const void *, int>, Want *> byHandle; // pointers into wants, which no longer grows
    QPair<const void *, int> lastHandle{nullptr, -1};
    Want *lastWant = nullptr;
    qint64 expected = 0;
    for (const Want &w : std::as_const(wants))
        expected += firstOnly ? 1 : w.end - outcomes[w.index].readFrom;
    if (budget >= 0)
        expected = std::min(expected, budget);
    if (!delivery)
        messages.reserve(messages.size() + qsizetype(std::min<qint64>(expected, 100'000)));
    KafkaQueue queue(rd_kafka_queue_get_consumer(rk));
    std::vector<rd_kafka_message_t *> batch(kBatch);
    while (open > 0) {
        if (control.shouldStop()) {
            finishAll(stopFor(control));
            break;
        }
        if (budget == 0) {
            finishAll(ReadStop::Budget);
            break;
        }
        // What has arrived, at once; else wait for the next message (a batch
        // call would wait for a full batch or the whole slice).
        ssize_t got = rd_kafka_consume_batch_queue(queue.get(), 0, batch.data(), batch.size());
        if (got == 0) {
            batch[0] = rd_kafka_consume_queue(queue.get(), int(std::max<qint64>(1, control.slice().count())));
            got = batch[0] ? 1 : 0;
        }
        for (ssize_t b = 0; b < got; ++b) {
            KafkaMessage m(batch[size_t(b)]); // released at the end of this step, before any destroy
            if (!m->rkt || open == 0 || budget == 0)
                continue;
            // The partition of the record before, else looked up by handle:
            // names are hashed once a partition.
            Want *want = m->rkt == lastHandle.first && m->partition == lastHandle.second
                ? lastWant
                : byHandle.value({m->rkt, m->partition}, nullptr);
            if (!want) {
                auto nameIt = topicNames.find(m->rkt);
                if (nameIt == topicNames.end())
                    nameIt = topicNames.insert(m->rkt, QString::fromUtf8(rd_kafka_topic_name(m->rkt)));
                const auto found = wants.find({*nameIt, m->partition});
                if (found == wants.end())
                    continue;
                want = &*found;
                byHandle.insert({m->rkt, m->partition}, want);
            }
            lastHandle = {m->rkt, m->partition};
            lastWant = want;
            if (!want->open)
                continue;
            Want *const it = want;
            RangeOutcome &o = outcomes[it->index];
            auto close = [&](ReadStop why, const QString &error = {}) {
                it->open = false;
                --open;
                o.stop = why;
                o.error = error;
            };
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                o.readTo = std::max(o.readTo, std::min(it->end, qint64(m->offset)));
            } else if (m->err) {
                const QString text = m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET
                                         || m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE
                    ? QStringLiteral("records were deleted by retention while being read")
                    : QString::fromUtf8(rd_kafka_message_errstr(m.get()));
                close(ReadStop::Error, text);
                continue;
            } else if (m->offset >= o.readTo) {
                if (m->offset < it->end) {
                    if (keep && !keep(m.get())) {
                        ++filteredOut;
                    } else if (delivery) {
                        (*delivery->sink)(m.get(), o.range.topic);
                        if (delivery->progress && *delivery->progress && ++delivery->handed % delivery->progressEvery == 0)
                            (*delivery->progress)(delivery->handed);
                    } else {
                        messages.append(convert(m.get(), &o.range.topic));
                    }
                    if (budget > 0)
                        --budget;
                    o.readTo = m->offset + 1;
                    if (firstOnly) {
                        close(ReadStop::None);
                        continue;
                    }
                } else {
                    o.readTo = std::max(o.readTo, std::min(it->end, qint64(m->offset)));
                }
            }
            if (o.readTo >= it->end) {
                o.readTo = firstOnly ? o.readFrom : o.readTo;
                close(firstOnly || it->end >= o.range.to ? ReadStop::None : ReadStop::BeyondEnd);
            }
        }
    }
    rd_kafka_assign(rk, nullptr);
}

} // namespace

ReadResult KafkaReader::read(const QList<OffsetRange> &ranges, qint64 messageBudget, const PollControl &control,
                             const KnownWatermarks &known, const RecordFilter &keep)
{
    return readRanges(ranges, messageBudget, control, known, false, keep);
}

QMap<std::tuple<QString, int, qint64>, models::RawMessage> KafkaReader::readEach(const QList<OffsetRange> &firsts,
                                                                                const PollControl &control,
                                                                                ReadResult *outcome,
                                                                                const KnownWatermarks &known)
{
    ReadResult result = readRanges(firsts, -1, control, known, true);
    QMap<std::tuple<QString, int, qint64>, models::RawMessage> out;
    QHash<TopicPartition, QHash<qint64, int>> byOffset; // partition -> offset -> index in messages
    for (int m = 0; m < result.messages.size(); ++m)
        byOffset[{result.messages[m].topic, result.messages[m].partition}].insert(result.messages[m].offset, m);
    for (const RangeOutcome &r : std::as_const(result.ranges)) {
        // The record found for a range is the one just before its readTo.
        if (r.readTo <= r.readFrom)
            continue;
        const int m = byOffset.value({r.range.topic, r.range.partition}).value(r.readTo - 1, -1);
        if (m >= 0)
            out.insert({r.range.topic, r.range.partition, r.range.from}, result.messages[m]);
    }
    if (outcome)
        *outcome = std::move(result);
    return out;
}

ReadResult KafkaReader::stream(const QList<OffsetRange> &ranges, const RecordSink &sink, const PollControl &control,
                               const KnownWatermarks &known, const std::function<void(qint64)> &progress,
                               qint64 progressEvery)
{
    Delivery delivery{&sink, &progress, std::max<qint64>(1, progressEvery), 0};
    return readRanges(ranges, -1, control, known, false, {}, &delivery);
}

ReadResult KafkaReader::readRanges(const QList<OffsetRange> &ranges, qint64 messageBudget, const PollControl &control,
                                   const KnownWatermarks &known, bool firstOnly, const RecordFilter &keep,
                                   Delivery *delivery)
{
    ReadResult result;
    for (const OffsetRange &r : ranges)
        result.ranges.append({r, r.from, r.from, ReadStop::None, {}});
    if (ranges.isEmpty())
        return result;
    auto failAll = [&](ReadStop why, const QString &error) {
        result.error = error;
        for (RangeOutcome &o : result.ranges) {
            o.stop = why;
            o.error = error;
        }
        return result;
    };
    if (auto ok = ensureClient(); !ok)
        return failAll(ReadStop::Error, ok.error());
    // The watermarks of each range, asked of the cluster only where the
    // caller does not already hold them.
    QList<TopicPartition> unknown;
    for (const OffsetRange &r : ranges) {
        const TopicPartition tp{r.topic, r.partition};
        if (!known.contains(tp) && !unknown.contains(tp))
            unknown.append(tp);
    }
    Result<QList<PartitionWatermarks>> fetched = QList<PartitionWatermarks>();
    if (!unknown.isEmpty())
        fetched = watermarks(unknown, control);
    if (!fetched) {
        // A call's own timeout ends just before the deadline (callWithin):
        // timed out that close to it is the deadline's doing.
        if (control.shouldStop() || (!control.deadline.isForever() && control.remaining() <= kCallMargin + std::chrono::milliseconds(100)))
            return failAll(stopFor(control), fetched.error());
        return failAll(ReadStop::Error, fetched.error());
    }
    KnownWatermarks byPartition = known;
    for (const PartitionWatermarks &w : fetched.value())
        byPartition.insert(w.partition, w);
    QList<PartitionWatermarks> marks; // one per range, in the ranges' order
    for (const OffsetRange &r : ranges)
        marks.append(byPartition.value({r.topic, r.partition}, PartitionWatermarks{{r.topic, r.partition}, -1, -1,
                                                                                    QStringLiteral("not answered")}));
    // Rounds in which no partition is assigned twice.
    QList<QList<int>> rounds;
    QHash<TopicPartition, int> seen;
    for (int i = 0; i < ranges.size(); ++i) {
        const int n = seen.value({ranges[i].topic, ranges[i].partition}, 0);
        seen.insert({ranges[i].topic, ranges[i].partition}, n + 1);
        if (rounds.size() <= n)
            rounds.resize(n + 1);
        rounds[n].append(i);
    }
    qint64 budget = messageBudget > 0 ? messageBudget : -1;
    for (const QList<int> &round : std::as_const(rounds))
        readRound(m_consumer.get(), m_topicNames, round, marks, result.ranges, result.messages, budget, firstOnly,
                  control, delivery, keep, result.filteredOut);
    return result;
}

} // namespace idem::connectors::kafka
