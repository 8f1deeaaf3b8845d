#include "connectors/kafka/deadlettertail.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/topicsampler.h"
#include "models/envelope/envelope.h"

#include <QElapsedTimer>
#include <QHash>

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
        m_tails.append({flow.name, flow.deadLetterTopic, spec.value(),
                        models::DeadLetterDigest(flow.name, flow.deadLetterTopic), {}});
    }
}

Status DeadLetterTail::ensureClient()
{
    if (m_consumer)
        return {};
    auto expanded = clusterProperties(m_cluster);
    if (!expanded)
        return makeError(expanded.error());
    KafkaProperties props = expanded.value();
    props.append({QStringLiteral("group.id"), QStringLiteral("idem-dead-letter-tail")}); // required, never joined
    props.append({QStringLiteral("enable.auto.commit"), QStringLiteral("false")});
    props.append({QStringLiteral("enable.auto.offset.store"), QStringLiteral("false")});
    props.append({QStringLiteral("enable.partition.eof"), QStringLiteral("true")});
    props.append({QStringLiteral("log_level"), QStringLiteral("3")});
    auto client = createClient(RD_KAFKA_CONSUMER, props);
    if (!client)
        return makeError(client.error());
    m_consumer = std::move(client.value());
    return {};
}

QList<models::DeadLetterDigest> DeadLetterTail::poll(const models::LagSnapshot &snapshot)
{
    QList<models::DeadLetterDigest> digests;
    const auto collect = [&] {
        digests.clear();
        for (const Tail &t : std::as_const(m_tails))
            digests << t.digest;
        return digests;
    };
    if (m_tails.isEmpty() || snapshot.health.state == models::HealthState::Down)
        return collect();
    if (auto ok = ensureClient(); !ok) {
        logger("kafka")->warn("dead letters of cluster {} not read: {}", m_cluster.name.toStdString(),
                              ok.error().toStdString());
        return collect();
    }

    // Where to read, per topic partition, and up to where.
    struct Want
    {
        int tail = 0;
        qint64 end = 0; // the high watermark of this poll
        qint64 budget = 0;
        bool done = false;
    };
    QHash<QPair<QString, int>, Want> wants;
    PartitionList assignment(rd_kafka_topic_partition_list_new(8));
    for (int i = 0; i < m_tails.size(); ++i) {
        Tail &t = m_tails[i];
        QList<const models::TopicPartitionMarks *> marks;
        for (const auto &m : snapshot.topics) {
            if (m.flow == t.flow && m.topic == t.topic && m.role == models::TopicPartitionMarks::Role::DeadLetter
                && m.high >= 0)
                marks << &m;
        }
        if (marks.isEmpty())
            continue;
        const qint64 backlogEach = std::max<qint64>(1, m_limits.backlog / marks.size());
        const qint64 budgetEach = std::max<qint64>(1, m_limits.perPoll / marks.size());
        for (const auto *m : marks) {
            auto it = t.next.find(m->partition);
            if (it == t.next.end())
                it = t.next.insert(m->partition, std::max(m->low, m->high - backlogEach));
            // Retention dropped what was not read yet: carry on from what is left.
            *it = std::max(*it, m->low);
            if (*it >= m->high)
                continue;
            const QByteArray topic = t.topic.toUtf8();
            rd_kafka_topic_partition_list_add(assignment.get(), topic.constData(), m->partition)->offset = *it;
            wants.insert({t.topic, m->partition}, {i, m->high, budgetEach, false});
        }
    }
    if (wants.isEmpty())
        return collect();

    rd_kafka_t *rk = m_consumer.get();
    if (const auto err = rd_kafka_assign(rk, assignment.get())) {
        logger("kafka")->warn("dead letters of cluster {} not read: {}", m_cluster.name.toStdString(),
                              rd_kafka_err2str(err));
        return collect();
    }
    qsizetype open = wants.size();
    QElapsedTimer timer;
    timer.start();
    while (open > 0 && timer.elapsed() < m_limits.timeout.count()) {
        KafkaMessage m(rd_kafka_consumer_poll(rk, 100));
        if (!m)
            continue;
        const auto it = wants.find({QString::fromUtf8(rd_kafka_topic_name(m->rkt)), m->partition});
        if (it == wants.end() || it->done)
            continue;
        Tail &t = m_tails[it->tail];
        qint64 &next = t.next[m->partition];
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            next = std::max(next, qint64(m->offset));
        } else if (m->err) {
            logger("kafka")->warn("reading {}[{}]: {}", t.topic.toStdString(), m->partition,
                                  rd_kafka_message_errstr(m.get()));
            it->done = true; // tried again next poll
            --open;
            continue;
        } else if (m->offset < it->end && m->offset >= next) {
            const models::RawMessage raw = toRawMessage(m.get());
            t.digest.add(raw, models::decode(raw, t.spec));
            next = m->offset + 1;
            --it->budget;
        }
        if (next >= it->end || it->budget <= 0) {
            it->done = true;
            --open;
        }
    }
    rd_kafka_assign(rk, nullptr);
    return collect();
}

} // namespace idem::connectors::kafka
