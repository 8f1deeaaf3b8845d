#include "connectors/trace/topictrace.h"

#include "connectors/kafka/kafkareader.h"
#include "connectors/ops/eventindex.h"
#include "connectors/trace/eventmatcher.h"
#include "models/core/untrustedtext.h"
#include "models/envelope/presets.h"

#include <QLocale>

#include <atomic>
#include <cstring>
#include <numeric>
#include <set>
#include <thread>

namespace idem::connectors::trace {

namespace {

using kafka::KafkaReader;
using kafka::OffsetRange;
using kafka::ReadStop;
using models::NotScannedReason;
using models::TraceStep;

using Role = models::TopicPartitionMarks::Role;
using Partition = WindowPartition;

NotScannedReason reasonFor(ReadStop stop)
{
    switch (stop) {
    case ReadStop::Budget:
        return NotScannedReason::Budget;
    case ReadStop::Cancelled:
        return NotScannedReason::Cancelled;
    case ReadStop::Deadline:
        return NotScannedReason::Deadline;
    default:
        return NotScannedReason::Error;
    }
}

QString count(qint64 n)
{
    return QLocale::c().toString(n).replace(QLatin1Char(','), QChar(0x202F));
}

models::TraceHop hopFor(const models::RawMessage &raw, Role role, const models::DecodedEnvelope &env)
{
    models::TraceHop hop;
    hop.kind = role == Role::Source ? models::HopKind::Produced
        : role == Role::Retry       ? models::HopKind::Retried
                                    : models::HopKind::DeadLettered;
    hop.system = raw.topic;
    hop.topic = raw.topic;
    hop.partition = raw.partition;
    hop.offset = raw.offset;
    if (raw.timestampMs >= 0)
        hop.time = QDateTime::fromMSecsSinceEpoch(raw.timestampMs, Qt::UTC);
    if (env.attempt)
        hop.attempt = int(*env.attempt);
    hop.error = models::capUntrusted(env.error);
    hop.group = models::capUntrusted(env.consumerGroup);
    if (role != Role::Source && !env.originalTopic.isEmpty()) {
        hop.detail = QStringLiteral("from %1").arg(models::capUntrusted(env.originalTopic));
        if (env.originalPartition && env.originalOffset)
            hop.detail += QStringLiteral(" %1@%2").arg(*env.originalPartition).arg(*env.originalOffset);
    }
    models::RawMessage kept = raw;
    hop.payloadBytes = raw.value ? raw.value->size() : 0;
    if (kept.value && kept.value->size() > models::kMaxRecordPayload)
        kept.value->truncate(models::kMaxRecordPayload);
    hop.record = std::move(kept);
    return hop;
}

// Shares `budget` among ranges, newest records first: small ranges whole, the
// rest an equal share each (water-filling). Returns the count to read per range.
QList<qint64> shareBudget(const QList<qint64> &sizes, qint64 budget)
{
    QList<qint64> share(sizes.size(), 0);
    QList<int> order(sizes.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return sizes[a] < sizes[b]; });
    qint64 left = budget;
    for (qsizetype i = 0; i < order.size(); ++i) {
        const qint64 fair = left / (order.size() - i);
        share[order[i]] = std::min(sizes[order[i]], fair);
        left -= share[order[i]];
    }
    return share;
}

struct Scan
{
    KafkaReader &reader;
    const kafka::KnownWatermarks &known;
    const TopicTraceOptions &options;
    const PollControl &control;
    TopicTrace &out;
    QHash<QString, EventMatcher *> matchers; // by topic
    QHash<QString, Role> roles;
    QHash<QString, const models::EnvelopeSpec *> specs;
    QList<models::RawMessage> found;
    // Records that cannot hold the event are left out before they are
    // converted: every source the matcher reads needs the event_id's bytes in
    // the key, the payload or a header value (the matcher's own precondition;
    // the same known limit for JSON-escaped ids).
    kafka::KafkaReader::RecordFilter keep;

    void run(QList<OffsetRange> pending, const StepReport &report, const QString &step)
    {
        qint64 total = 0;
        for (const OffsetRange &r : pending)
            total += r.to - r.from;
        qint64 read = 0;
        report(step, TraceStep::State::Running, QStringLiteral("0 of %1 messages").arg(count(total)), -1);
        while (!pending.isEmpty()) {
            const kafka::ReadResult result = reader.read(pending, options.chunk, control, known, keep);
            for (const models::RawMessage &m : result.messages) {
                EventMatcher *matcher = matchers.value(m.topic);
                if (matcher && matcher->matches(m))
                    found.append(m);
            }
            read += result.messages.size() + result.filteredOut;
            out.messagesScanned += result.messages.size() + result.filteredOut;
            QList<OffsetRange> next;
            for (const kafka::RangeOutcome &o : result.ranges) {
                const OffsetRange &r = o.range;
                if (o.pastRetention())
                    out.notScanned.append({r.topic, r.partition, r.from, o.readFrom, NotScannedReason::Retention,
                                           QStringLiteral("deleted while the trace ran")});
                if (o.readTo > o.readFrom)
                    out.scanned.append({r.topic, r.partition, o.readFrom, o.readTo});
                if (o.readTo >= r.to || o.stop == ReadStop::None || o.stop == ReadStop::BeyondEnd)
                    continue;
                if (o.stop == ReadStop::Budget && !control.shouldStop()) {
                    next.append({r.topic, r.partition, std::max(o.readTo, o.readFrom), r.to});
                    continue;
                }
                const ReadStop why = o.stop == ReadStop::Budget ? (control.isCancelled() ? ReadStop::Cancelled : ReadStop::Deadline) : o.stop;
                out.notScanned.append({r.topic, r.partition, std::max(o.readTo, o.readFrom), r.to, reasonFor(why),
                                       o.error.isEmpty() ? kafka::describe(why) : o.error});
            }
            pending = next;
            const int percent = total > 0 ? int(std::min<qint64>(100, read * 100 / total)) : 100;
            report(step, TraceStep::State::Running,
                   QStringLiteral("%1 of %2 messages (%3 %)").arg(count(read), count(total)).arg(percent), percent);
        }
        const TraceStep::State state = control.isCancelled() ? TraceStep::State::Cancelled
            : control.expired()                              ? TraceStep::State::TimedOut
                                                             : TraceStep::State::Done;
        report(step, state, QStringLiteral("%1 of %2 messages read").arg(count(read), count(total)),
               total > 0 ? int(std::min<qint64>(100, read * 100 / total)) : 100);
    }
};

} // namespace

TopicTrace traceTopics(const models::KafkaClusterConfig &cluster, const QList<models::FlowConfig> &flows,
                       const models::TraceQuery &query, const TopicTraceOptions &options, const PollControl &control,
                       const StepReport &report, const ops::IndexLookup *index)
{
    TopicTrace out;
    const QString sideStep = QStringLiteral("scan retry and dead-letter topics");
    const QString knownStep = QStringLiteral("read known locations");
    const QString sourceStep = QStringLiteral("scan source topics");
    TopicWindow window = openTopicWindow(cluster, flows, query.from, query.to, options.lookupThreads, control, report);
    out.notScanned = window.notScanned;
    out.groupsNote = window.groupsNote;
    if (!window.error.isEmpty()) {
        out.error = window.error;
        return out;
    }
    const models::LagSnapshot &snapshot = window.snapshot;
    QList<Partition> &parts = window.parts;
    const kafka::KnownWatermarks &known = window.known;

    // What the event index covers is not scanned: its locations are read below.
    if (index) {
        QHash<QPair<QString, int>, const ops::IndexCoverage *> coverage;
        for (const ops::IndexCoverage &c : index->coverage)
            coverage.insert({c.topic, c.partition}, &c);
        for (Partition &p : parts) {
            const ops::IndexCoverage *c = coverage.value({p.topic, p.partition});
            if (!c || p.from < 0)
                continue;
            const qint64 from = std::max(p.from, c->firstOffset);
            const qint64 to = std::min(p.to, c->nextOffset);
            if (to <= from)
                continue;
            out.notScanned.append({p.topic, p.partition, from, to, NotScannedReason::Indexed,
                                   QStringLiteral("covered by the event index")});
            const bool older = from > p.from;
            const bool newer = p.to > to;
            if (older && newer) {
                p.olderFrom = p.from;
                p.olderTo = from;
                p.from = to;
            } else if (older) {
                p.to = from;
            } else {
                p.from = p.to = to;
            }
        }
    }

    // The budget, newest records first (a range before the index's coverage
    // gets what its partition's newer range leaves).
    {
        QList<qint64> sizes;
        for (const Partition &p : std::as_const(parts))
            sizes << std::max<qint64>(0, p.to - p.from) + std::max<qint64>(0, p.olderTo - p.olderFrom);
        const QList<qint64> share = shareBudget(sizes, options.messageBudget);
        for (int i = 0; i < parts.size(); ++i) {
            Partition &p = parts[i];
            if (share[i] >= sizes[i])
                continue;
            const QString why = QStringLiteral("the scan reads at most %1 messages").arg(count(options.messageBudget));
            const qint64 newer = std::max<qint64>(0, p.to - p.from);
            if (share[i] < newer) {
                const qint64 start = p.to - share[i];
                out.notScanned.append({p.topic, p.partition, p.from, start, NotScannedReason::Budget, why});
                p.from = start;
                if (p.olderTo > p.olderFrom)
                    out.notScanned.append({p.topic, p.partition, p.olderFrom, p.olderTo, NotScannedReason::Budget, why});
                p.olderFrom = p.olderTo = -1;
            } else {
                const qint64 start = p.olderTo - (share[i] - newer);
                out.notScanned.append({p.topic, p.partition, p.olderFrom, start, NotScannedReason::Budget, why});
                p.olderFrom = start;
            }
        }
    }

    // Matchers: the flow's envelope on its source topics, the dead-letter
    // envelope on its retry and dead-letter topics.
    std::vector<std::unique_ptr<EventMatcher>> matchers;
    std::vector<std::unique_ptr<models::EnvelopeSpec>> specs;
    KafkaReader reader(window.properties);
    Scan scan{reader, known, options, control, out, {}, {}, {}, {}, {}};
    scan.keep = [id = query.eventId.toUtf8()](const rd_kafka_message_t *m) {
        auto holds = [&](const void *bytes, size_t size) {
            return bytes && size >= size_t(id.size()) && ::memmem(bytes, size, id.constData(), size_t(id.size()));
        };
        if (holds(m->payload, m->len) || holds(m->key, m->key_len))
            return true;
        rd_kafka_headers_t *headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR)
            return false;
        const char *name = nullptr;
        const void *value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i) {
            if (holds(value, size))
                return true;
        }
        return false;
    };
    for (const models::FlowConfig &flow : flows) {
        auto source = models::makeEnvelopeSpec(flow.envelope.preset, flow.envelope.fields);
        auto side = models::makeEnvelopeSpec(flow.deadLetterEnvelope.preset, flow.deadLetterEnvelope.fields);
        if (!side)
            side = source;
        if (!source) {
            out.error = QStringLiteral("flow %1: %2").arg(flow.name, source.error());
            return out;
        }
        specs.push_back(std::make_unique<models::EnvelopeSpec>(source.value()));
        const models::EnvelopeSpec *sourceSpec = specs.back().get();
        specs.push_back(std::make_unique<models::EnvelopeSpec>(side.value()));
        const models::EnvelopeSpec *sideSpec = specs.back().get();
        auto add = [&](const QString &topic, Role role) {
            if (scan.matchers.contains(topic))
                return;
            const models::EnvelopeSpec *spec = role == Role::Source ? sourceSpec : sideSpec;
            matchers.push_back(std::make_unique<EventMatcher>(*spec, query.eventId));
            scan.matchers.insert(topic, matchers.back().get());
            scan.roles.insert(topic, role);
            scan.specs.insert(topic, spec);
        };
        for (const QString &t : flow.topics)
            add(t, Role::Source);
        for (const QString &t : flow.retryTopics)
            add(t, Role::Retry);
        if (!flow.deadLetterTopic.isEmpty())
            add(flow.deadLetterTopic, Role::DeadLetter);
    }

    auto rangesOf = [&](bool source) {
        QList<OffsetRange> ranges;
        for (const Partition &p : std::as_const(parts)) {
            if ((p.role == Role::Source) == source && p.from >= 0 && p.to > p.from)
                ranges.append({p.topic, p.partition, p.from, p.to});
        }
        return ranges;
    };
    auto olderRanges = [&] {
        QList<OffsetRange> ranges;
        for (const Partition &p : std::as_const(parts)) {
            if (p.olderFrom >= 0 && p.olderTo > p.olderFrom)
                ranges.append({p.topic, p.partition, p.olderFrom, p.olderTo});
        }
        return ranges;
    };
    std::set<std::tuple<QString, int, qint64>> fromIndex; // hops located by the event index
    auto addHop = [&](const models::RawMessage &m) {
        for (const models::TraceHop &h : std::as_const(out.hops)) {
            if (h.topic == m.topic && h.partition == m.partition && h.offset == m.offset)
                return;
        }
        const Role role = scan.roles.value(m.topic, Role::Source);
        out.hops.append(hopFor(m, role, models::decode(m, *scan.specs.value(m.topic))));
        if (fromIndex.count({m.topic, m.partition, m.offset})) {
            models::TraceHop &hop = out.hops.last();
            hop.detail = hop.detail.isEmpty() ? QStringLiteral("located by the event index")
                                              : hop.detail + QStringLiteral("; located by the event index");
        }
    };

    // 0. The event index's locations on this cluster, read directly and checked.
    QList<models::RawMessage> indexed;
    if (index && !control.shouldStop()) {
        const QString indexStep = QStringLiteral("read the event index's locations on %1").arg(cluster.name);
        QList<OffsetRange> locations;
        for (const ops::IndexedLocation &l : index->locations) {
            if (scan.matchers.contains(l.topic))
                locations.append({l.topic, l.partition, l.offset, l.offset + 1});
        }
        if (!locations.isEmpty()) {
            report(indexStep, TraceStep::State::Running, QStringLiteral("%1 locations").arg(locations.size()), -1);
            kafka::ReadResult outcome;
            const auto records = reader.readEach(locations, control, &outcome, known);
            for (const OffsetRange &o : std::as_const(locations)) {
                const auto it = records.find({o.topic, o.partition, o.from});
                if (it == records.end() || it->offset != o.from)
                    continue;
                EventMatcher *matcher = scan.matchers.value(o.topic);
                if (matcher && matcher->matches(*it)) {
                    fromIndex.insert({o.topic, o.partition, o.from});
                    indexed.append(*it);
                }
            }
            report(indexStep, TraceStep::State::Done,
                   QStringLiteral("%1 of %2 locations hold the event").arg(indexed.size()).arg(locations.size()), -1);
        }
    }
    for (const models::RawMessage &m : std::as_const(indexed))
        addHop(m);

    // 1. Retry and dead-letter topics, then the originals they name.
    scan.run(rangesOf(false), report, sideStep);
    for (const models::RawMessage &m : std::as_const(indexed)) {
        if (scan.roles.value(m.topic, Role::Source) != Role::Source)
            scan.found.append(m);
    }
    for (const models::RawMessage &m : std::as_const(scan.found))
        addHop(m);
    QList<OffsetRange> origins;
    for (const models::RawMessage &m : std::as_const(scan.found)) {
        const models::DecodedEnvelope env = models::decode(m, *scan.specs.value(m.topic));
        if (env.originalTopic.isEmpty() || !env.originalPartition || !env.originalOffset)
            continue;
        if (scan.roles.value(env.originalTopic, Role::Retry) != Role::Source)
            continue;
        const OffsetRange r{env.originalTopic, *env.originalPartition, *env.originalOffset, *env.originalOffset + 1};
        bool dup = false;
        for (const OffsetRange &o : std::as_const(origins))
            dup = dup || (o.topic == r.topic && o.partition == r.partition && o.from == r.from);
        if (!dup)
            origins.append(r);
    }
    if (!origins.isEmpty() && !control.shouldStop()) {
        report(knownStep, TraceStep::State::Running, QStringLiteral("%1 locations").arg(origins.size()), -1);
        kafka::ReadResult outcome;
        const auto records = reader.readEach(origins, control, &outcome, known);
        int verified = 0;
        for (const OffsetRange &o : std::as_const(origins)) {
            const auto it = records.find({o.topic, o.partition, o.from});
            if (it == records.end() || it->offset != o.from)
                continue;
            EventMatcher *matcher = scan.matchers.value(o.topic);
            if (matcher && matcher->matches(*it)) {
                addHop(*it);
                ++verified;
            }
        }
        report(knownStep, TraceStep::State::Done,
               QStringLiteral("%1 of %2 locations hold the event").arg(verified).arg(origins.size()), -1);
    }

    // 2. The source topics: a known location pins one copy, but only the scan
    // finds a second (a duplicate send, a redelivery by the producer).
    scan.found.clear();
    scan.run(rangesOf(true), report, sourceStep);
    // Ranges before the event index's coverage, where the window reaches back further.
    if (const QList<OffsetRange> older = olderRanges(); !older.isEmpty() && !control.shouldStop())
        scan.run(older, report, QStringLiteral("scan before the event index's coverage"));
    for (const models::RawMessage &m : std::as_const(scan.found))
        addHop(m);

    // Groups that committed past each copy on a source topic.
    QList<models::TraceHop> consumed;
    for (const models::TraceHop &copy : std::as_const(out.hops)) {
        if (copy.kind != models::HopKind::Produced)
            continue;
        for (const models::PartitionLag &p : snapshot.partitions) {
            if (p.topic != copy.topic || p.partition != copy.partition || p.committed <= copy.offset)
                continue;
            models::TraceHop hop;
            hop.kind = models::HopKind::Consumed;
            hop.system = p.group;
            hop.group = p.group;
            hop.topic = copy.topic;
            hop.partition = copy.partition;
            hop.offset = copy.offset;
            hop.time = copy.time; // Kafka keeps no commit time: shown after the copy
            hop.detail = QStringLiteral("committed offset %1").arg(p.committed);
            consumed.append(hop);
        }
    }
    out.hops += consumed;
    // Partitions with nothing in the window were looked at too.
    for (const Partition &p : std::as_const(parts)) {
        if (p.from >= 0 && p.to <= p.from)
            out.scanned.append({p.topic, p.partition, p.from, p.from});
    }
    out.scanned = models::mergeRanges(out.scanned);
    return out;
}

} // namespace idem::connectors::trace
