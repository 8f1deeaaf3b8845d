#include "connectors/trace/topictrace.h"

#include "connectors/kafka/kafkareader.h"
#include "connectors/trace/eventmatcher.h"
#include "models/core/untrustedtext.h"
#include "models/envelope/presets.h"

#include <QLocale>

#include <numeric>

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

    void run(QList<OffsetRange> pending, const StepReport &report, const QString &step)
    {
        qint64 total = 0;
        for (const OffsetRange &r : pending)
            total += r.to - r.from;
        qint64 read = 0;
        report(step, TraceStep::State::Running, QStringLiteral("0 of %1 messages").arg(count(total)), -1);
        while (!pending.isEmpty()) {
            const kafka::ReadResult result = reader.read(pending, options.chunk, control, known);
            for (const models::RawMessage &m : result.messages) {
                EventMatcher *matcher = matchers.value(m.topic);
                if (matcher && matcher->matches(m))
                    found.append(m);
            }
            read += result.messages.size();
            out.messagesScanned += result.messages.size();
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
                       const StepReport &report)
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

    // The budget, newest records first.
    {
        QList<qint64> sizes;
        for (const Partition &p : std::as_const(parts))
            sizes << std::max<qint64>(0, p.to - p.from);
        const QList<qint64> share = shareBudget(sizes, options.messageBudget);
        for (int i = 0; i < parts.size(); ++i) {
            Partition &p = parts[i];
            if (share[i] < sizes[i]) {
                const qint64 start = p.to - share[i];
                out.notScanned.append({p.topic, p.partition, p.from, start, NotScannedReason::Budget,
                                       QStringLiteral("the scan reads at most %1 messages").arg(count(options.messageBudget))});
                p.from = start;
            }
        }
    }

    // Matchers: the flow's envelope on its source topics, the dead-letter
    // envelope on its retry and dead-letter topics.
    std::vector<std::unique_ptr<EventMatcher>> matchers;
    std::vector<std::unique_ptr<models::EnvelopeSpec>> specs;
    KafkaReader reader(window.properties);
    Scan scan{reader, known, options, control, out, {}, {}, {}, {}};
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
    auto addHop = [&](const models::RawMessage &m) {
        for (const models::TraceHop &h : std::as_const(out.hops)) {
            if (h.topic == m.topic && h.partition == m.partition && h.offset == m.offset)
                return;
        }
        const Role role = scan.roles.value(m.topic, Role::Source);
        out.hops.append(hopFor(m, role, models::decode(m, *scan.specs.value(m.topic))));
    };

    // 1. Retry and dead-letter topics, then the originals they name.
    scan.run(rangesOf(false), report, sideStep);
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
