#include "connectors/deadletters/deadletterreader.h"

#include "connectors/kafka/kafkareader.h"
#include "models/deadletters/deadletterprefilter.h"
#include "models/envelope/envelope.h"

#include <algorithm>

namespace idem::connectors::deadletters {

using kafka::KafkaReader;
using kafka::OffsetRange;
using kafka::ReadStop;

namespace {

// Filter runs keep a deep prefetch, bounded: librdkafka's default of 64 MiB
// held the better part of a million dead letters (395 MiB resident after a
// run); 16 MiB was also faster (13 s against 19 s over a million).
kafka::KafkaProperties scanProperties()
{
    return {{QStringLiteral("queued.max.messages.kbytes"), QStringLiteral("16384")},
            {QStringLiteral("queued.min.messages"), QStringLiteral("200000")}};
}

} // namespace

DeadLetterReader::DeadLetterReader(kafka::KafkaProperties cluster, models::FlowConfig flow)
    : m_flow(std::move(flow))
    // Pages and records use the reader's own settings: smaller fetches
    // (256 KiB a partition) made every page wait about a second where a
    // producer had written batches larger than that.
    , m_reader(std::make_unique<KafkaReader>(cluster))
    // Filter runs: a deep prefetch, bounded (scanProperties()).
    , m_scanReader(std::make_unique<KafkaReader>(cluster, scanProperties()))
{
    auto spec = models::makeEnvelopeSpec(m_flow.deadLetterEnvelope.preset, m_flow.deadLetterEnvelope.fields);
    if (spec)
        m_spec = spec.value();
    else
        m_envelopeProblem = spec.error();
}

DeadLetterReader::~DeadLetterReader() = default;

Result<std::unique_ptr<DeadLetterReader>> DeadLetterReader::forFlow(const models::EnvironmentConfig &env,
                                                                   const QString &name)
{
    const models::FlowConfig *flow = env.flow(name);
    if (!flow)
        return makeError(QStringLiteral("environment \"%1\" has no flow \"%2\"").arg(env.name, name));
    if (flow->deadLetterTopic.isEmpty())
        return makeError(QStringLiteral("flow %1 has no dead-letter topic (dead_letter_topic in its configuration)")
                             .arg(name));
    const models::KafkaClusterConfig *cluster = env.cluster(flow->cluster);
    if (!cluster)
        return makeError(QStringLiteral("flow %1 names cluster \"%2\", which the environment does not define")
                             .arg(name, flow->cluster));
    auto properties = kafka::clusterProperties(*cluster);
    if (!properties)
        return makeError(QStringLiteral("cluster %1, %2").arg(cluster->name, properties.error()));
    auto reader = std::make_unique<DeadLetterReader>(properties.value(), *flow);
    if (!reader->envelopeProblem().isEmpty())
        return makeError(QStringLiteral("flow %1: dead_letter_envelope: %2").arg(name, reader->envelopeProblem()));
    return reader;
}

models::DeadLetterRow DeadLetterReader::decode(const models::RawMessage &message) const
{
    return models::makeDeadLetterRow(message, m_spec);
}

models::DeadLetterLayout DeadLetterReader::layout(const PollControl &control)
{
    models::DeadLetterLayout layout;
    layout.flow = m_flow.name;
    layout.topic = m_flow.deadLetterTopic;
    auto counts = m_reader->partitionCounts(control);
    if (!counts) {
        layout.error = counts.error();
        return layout;
    }
    const int partitions = counts->value(layout.topic, 0);
    if (partitions <= 0) {
        layout.error = QStringLiteral("the cluster has no topic %1").arg(layout.topic);
        return layout;
    }
    QList<kafka::TopicPartition> tps;
    for (int p = 0; p < partitions; ++p)
        tps.append({layout.topic, p});
    auto marks = m_reader->watermarks(tps, control);
    if (!marks) {
        layout.error = marks.error();
        return layout;
    }
    QStringList errors;
    for (const auto &w : marks.value()) {
        if (!w.error.isEmpty()) {
            errors << QStringLiteral("partition %1: %2").arg(w.partition.partition).arg(w.error);
            continue;
        }
        layout.partitions.append({w.partition.partition, w.low, w.high});
    }
    std::sort(layout.partitions.begin(), layout.partitions.end(),
              [](const auto &a, const auto &b) { return a.partition < b.partition; });
    if (!errors.isEmpty())
        layout.error = errors.join(QStringLiteral("; "));
    return layout;
}

QList<models::DeadLetterRow> DeadLetterReader::rows(const QList<models::DeadLetterRef> &refs,
                                                    const PollControl &control, QString *error)
{
    // One range per partition where the asked offsets lie close together (a
    // page of the newest-first order is contiguous), else one per run.
    QMap<std::pair<QString, int>, QList<qint64>> byPartition;
    for (const auto &r : refs)
        byPartition[{r.topic, r.partition}].append(r.offset);
    QList<OffsetRange> ranges;
    for (auto it = byPartition.begin(); it != byPartition.end(); ++it) {
        QList<qint64> &offsets = *it;
        std::sort(offsets.begin(), offsets.end());
        offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
        const qint64 span = offsets.last() - offsets.first() + 1;
        if (span <= 4 * offsets.size() + 100) {
            ranges.append({it.key().first, it.key().second, offsets.first(), offsets.last() + 1});
            continue;
        }
        qint64 from = offsets.first();
        qint64 to = from + 1;
        for (qsizetype i = 1; i < offsets.size(); ++i) {
            if (offsets[i] <= to + 16) {
                to = offsets[i] + 1;
                continue;
            }
            ranges.append({it.key().first, it.key().second, from, to});
            from = offsets[i];
            to = from + 1;
        }
        ranges.append({it.key().first, it.key().second, from, to});
    }
    const kafka::ReadResult read = m_reader->read(ranges, 0, control);
    QHash<models::DeadLetterRef, const models::RawMessage *> byRef;
    for (const auto &m : read.messages)
        byRef.insert({m.topic, m.partition, m.offset}, &m);
    QList<models::DeadLetterRow> out;
    out.reserve(refs.size());
    for (const auto &r : refs) {
        if (const models::RawMessage *m = byRef.value(r))
            out.append(decode(*m));
    }
    if (error) {
        error->clear();
        if (!read.error.isEmpty())
            *error = read.error;
        else if (!read.complete()) {
            // Past retention is not an error: those rows are simply gone.
            QStringList gaps;
            for (const auto &o : read.ranges) {
                if (o.readTo < o.range.to && o.stop != ReadStop::BeyondEnd)
                    gaps << QStringLiteral("partition %1 from offset %2: %3")
                                .arg(o.range.partition)
                                .arg(o.readTo)
                                .arg(o.error.isEmpty() ? kafka::describe(o.stop) : o.error);
            }
            *error = gaps.join(QStringLiteral("; "));
        }
    }
    return out;
}

models::DeadLetterRecord DeadLetterReader::record(const models::DeadLetterRef &ref, const PollControl &control)
{
    models::DeadLetterRecord out;
    out.ref = ref;
    auto one = m_reader->readOne(ref.topic, ref.partition, ref.offset, control);
    if (!one) {
        out.error = one.error();
        return out;
    }
    if (one->has_value() && (*one)->offset == ref.offset) {
        out.message = **one;
        out.row = decode(*out.message);
        out.view = models::viewRecord(*out.message, m_spec);
    }
    return out;
}

models::DeadLetterScan DeadLetterReader::scan(const models::DeadLetterFilter &filter, const PollControl &control,
                                              const std::function<void(qint64, qint64, qint64)> &progress)
{
    models::DeadLetterScan scan;
    scan.flow = m_flow.name;
    scan.topic = m_flow.deadLetterTopic;
    scan.filter = filter;
    scan.failures = models::DeadLetterDigest(m_flow.name, m_flow.deadLetterTopic);
    const models::DeadLetterLayout layout = this->layout(control);
    if (!layout.error.isEmpty() && layout.partitions.isEmpty()) {
        scan.error = layout.error;
        return scan;
    }
    scan.total = layout.total();
    kafka::KnownWatermarks known;
    QHash<int, int> index; // partition -> index in scan.ranges
    for (const auto &p : layout.partitions) {
        if (filter.partition && p.partition != *filter.partition)
            continue;
        const qint64 to = filter.maxOffset ? std::min(p.high, *filter.maxOffset + 1) : p.high;
        index.insert(p.partition, int(scan.ranges.size()));
        scan.ranges.append({p.partition, p.low, std::max(p.low, to), p.low, p.low, {}});
        known.insert({scan.topic, p.partition}, {{scan.topic, p.partition}, p.low, p.high, {}});
    }
    // A run without a filter is the one for the failure groups; a filtered
    // run only finds its matches (decoding each dead letter once either way).
    // Records are looked at as they arrive and only matches are kept, so a
    // run over a million dead letters holds no more than the reader's
    // prefetch.
    const bool unfiltered = filter.isEmpty();
    QList<OffsetRange> ranges;
    for (const auto &r : std::as_const(scan.ranges)) {
        if (r.readTo < r.to)
            ranges.append({scan.topic, r.partition, r.readTo, r.to});
    }
    // A filtered run looks at each record where librdkafka holds it (only
    // the position of a match is kept): the time, partition and offset
    // first, then what the bytes prove (the prefilter), and only then the
    // decoding; the row itself is never built.
    const models::DeadLetterPrefilter prefilter(filter, m_spec);
    const bool usePrefilter = m_prefilter && prefilter.active();
    models::RawMessage view;
    const auto sink = [&](const rd_kafka_message_t *record, const QString &topic) {
        ++scan.read;
        if (!unfiltered) {
            kafka::viewPosition(record, topic, view);
            if (!filter.mayMatch(view))
                return;
            kafka::viewBytes(record, view);
            if (usePrefilter && prefilter.excludes(view))
                return;
            if (filter.matches(view, models::decodeFields(view, m_spec))) {
                ++scan.matched;
                if (scan.matches.size() < models::DeadLetterScan::MaxMatches)
                    scan.matches.append({view.partition, view.offset, view.timestampMs});
            }
            return;
        }
        // Every dead letter matches: counted into the failure groups, not kept.
        models::RawMessage m = kafka::toRawMessage(record);
        m.topic = topic;
        scan.failures.add(m, models::decodeFields(m, m_spec));
        ++scan.matched;
    };
    const auto reportProgress = [&](qint64) {
        if (progress)
            progress(scan.read, scan.total, scan.matched);
    };
    const kafka::ReadResult read = ranges.isEmpty()
        ? kafka::ReadResult{}
        : m_scanReader->stream(ranges, sink, control, known, reportProgress, m_progressEvery);
    for (const auto &o : read.ranges) {
        models::ScanRange &r = scan.ranges[index.value(o.range.partition)];
        // Retention may have moved past the start before it was read.
        r.readFrom = std::max(r.readFrom, o.readFrom);
        r.readTo = std::max(r.readTo, std::max(o.readTo, r.readFrom));
        if (o.stop == ReadStop::BeyondEnd && r.readTo < r.to)
            r.to = r.readTo; // the topic shrank (deleted and recreated): nothing more to read
        else if (o.stop != ReadStop::None && r.readTo < r.to)
            r.notRead = o.error.isEmpty() ? kafka::describe(o.stop) : o.error;
    }
    if (!read.error.isEmpty()) {
        for (auto &r : scan.ranges) {
            if (r.readTo < r.to && r.notRead.isEmpty())
                r.notRead = read.error;
        }
    }
    if (control.shouldStop()) {
        scan.cancelled = control.isCancelled();
        const QString why = control.isCancelled() ? QStringLiteral("cancelled") : QStringLiteral("deadline");
        for (auto &r : scan.ranges) {
            if (r.readTo < r.to && r.notRead.isEmpty())
                r.notRead = why;
        }
    }
    if (progress)
        progress(scan.read, scan.total, scan.matched);
    std::sort(scan.matches.begin(), scan.matches.end(), [](const models::ScanMatch &a, const models::ScanMatch &b) {
        if (a.timestampMs != b.timestampMs)
            return a.timestampMs > b.timestampMs;
        if (a.partition != b.partition)
            return a.partition < b.partition;
        return a.offset > b.offset;
    });
    return scan;
}

} // namespace idem::connectors::deadletters
