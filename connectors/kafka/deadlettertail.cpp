#include "connectors/kafka/deadlettertail.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/kafkareader.h"
#include "models/envelope/envelope.h"

namespace idem::connectors::kafka {

DeadLetterTail::DeadLetterTail(models::KafkaClusterConfig cluster, const QList<models::FlowConfig> &flows, Limits limits)
    : m_cluster(std::move(cluster))
    , m_limits(limits)
{
    for (const auto &flow : flows) {
        if (flow.deadLetterTopic.isEmpty())
            continue;
        auto spec = models::makeEnvelopeSpec(flow.deadLetterEnvelope.preset, flow.deadLetterEnvelope.fields);
        if (!spec) {
            m_problems << QStringLiteral("flow %1: dead letters not read: %2").arg(flow.name, spec.error());
            continue;
        }
        m_topics[flow.deadLetterTopic].tails.append(int(m_tails.size()));
        m_tails.append({spec.value(), models::DeadLetterDigest(flow.name, flow.deadLetterTopic)});
    }
}

DeadLetterTail::~DeadLetterTail() = default;

QList<models::DeadLetterDigest> DeadLetterTail::poll(const models::LagSnapshot &snapshot)
{
    return poll(snapshot, PollControl::within(m_limits.timeout));
}

QList<models::DeadLetterDigest> DeadLetterTail::poll(const models::LagSnapshot &snapshot, const PollControl &control)
{
    const auto collect = [&] {
        QList<models::DeadLetterDigest> digests;
        for (const Tail &t : std::as_const(m_tails))
            digests << t.digest;
        return digests;
    };
    if (m_tails.isEmpty() || snapshot.health.state == models::HealthState::Down)
        return collect();
    if (!m_reader) {
        auto expanded = clusterProperties(m_cluster);
        if (!expanded) {
            logger("kafka")->warn("dead letters of cluster {} not read: {}", m_cluster.name.toStdString(),
                                  expanded.error().toStdString());
            return collect();
        }
        m_reader = std::make_unique<KafkaReader>(expanded.value());
    }

    // Where to read, per topic partition, and up to where: each topic once,
    // whichever of its flows the snapshot's marks came with.
    QList<OffsetRange> ranges;
    KnownWatermarks known; // the lag snapshot's: the cluster is asked for nothing but the messages
    for (auto topic = m_topics.begin(); topic != m_topics.end(); ++topic) {
        QMap<int, const models::TopicPartitionMarks *> marks;
        for (const auto &m : snapshot.topics) {
            if (m.topic == topic.key() && m.role == models::TopicPartitionMarks::Role::DeadLetter && m.high >= 0)
                marks.insert(m.partition, &m);
        }
        if (marks.isEmpty())
            continue;
        const qint64 backlogEach = std::max<qint64>(1, m_limits.backlog / marks.size());
        const qint64 budgetEach = std::max<qint64>(1, m_limits.perPoll / marks.size());
        for (const auto *m : std::as_const(marks)) {
            auto it = topic->next.find(m->partition);
            if (it == topic->next.end())
                it = topic->next.insert(m->partition, std::max(m->low, m->high - backlogEach));
            // Retention dropped what was not read yet: carry on from what is left.
            *it = std::max(*it, m->low);
            if (*it < m->high) {
                ranges.append({topic.key(), m->partition, *it, std::min(m->high, *it + budgetEach)});
                known.insert({topic.key(), m->partition}, {{topic.key(), m->partition}, m->low, m->high, {}});
            }
        }
    }
    if (ranges.isEmpty())
        return collect();

    const ReadResult read = m_reader->read(ranges, 0, control, known);
    for (const models::RawMessage &raw : read.messages) {
        for (int i : m_topics[raw.topic].tails)
            m_tails[i].digest.add(raw, models::decode(raw, m_tails[i].spec));
    }
    for (const RangeOutcome &o : read.ranges) {
        // What was read is counted; the rest is read by a later poll.
        m_topics[o.range.topic].next[o.range.partition] = std::max(o.range.from, o.readTo);
        if (o.stop == ReadStop::Error)
            logger("kafka")->warn("reading {}[{}]: {}", o.range.topic.toStdString(), o.range.partition,
                                  o.error.toStdString());
    }
    if (!read.error.isEmpty() && !control.shouldStop())
        logger("kafka")->warn("dead letters of cluster {} not read: {}", m_cluster.name.toStdString(),
                              read.error.toStdString());
    return collect();
}

} // namespace idem::connectors::kafka
