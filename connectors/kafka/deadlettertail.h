#pragma once

// Reads the dead letters of a cluster's flows as they arrive, decodes each
// through its flow's dead-letter envelope and counts it into the flow's
// DeadLetterDigest (failure groups, decode errors). At the first poll it
// starts from the newest `backlog` dead letters of each topic; after that it
// reads every one that arrives, at most `perPoll` a poll so that a flood
// never makes a poll slow; the rest follows in later polls. Watermarks come
// from the lag snapshot of the same poll, so the tail asks the cluster for
// nothing but the messages. Never joins a group, never commits. A topic that
// several flows name as their dead-letter topic is read once, and each of its
// messages is decoded into every one of those flows.
//
// Blocking; call it from the cluster's worker thread after LagReader::poll.

#include "connectors/common/pollcontrol.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/envelope/deadletterdigest.h"
#include "models/envelope/presets.h"
#include "models/metrics/lagsnapshot.h"

#include <QMap>

#include <chrono>
#include <memory>

namespace idem::connectors::kafka {

class KafkaReader;

class DeadLetterTail final
{
public:
    struct Limits
    {
        qint64 backlog = 10000; // per topic, read at the first poll
        qint64 perPoll = 5000; // per topic
        std::chrono::milliseconds timeout = std::chrono::seconds(3);
    };

    DeadLetterTail(models::KafkaClusterConfig cluster, const QList<models::FlowConfig> &flows, Limits limits);
    DeadLetterTail(models::KafkaClusterConfig cluster, const QList<models::FlowConfig> &flows)
        : DeadLetterTail(std::move(cluster), flows, Limits{})
    {}
    ~DeadLetterTail();

    // Reads up to the high watermarks of `snapshot`; returns the digest of
    // every flow with a dead-letter topic, whether or not anything arrived.
    // A snapshot whose cluster is down reads nothing. Returns by the
    // deadline of `control`, or soon after it is cancelled, with what was
    // read by then (the rest is read by later polls).
    QList<models::DeadLetterDigest> poll(const models::LagSnapshot &snapshot, const PollControl &control);
    // Within the limits' timeout.
    QList<models::DeadLetterDigest> poll(const models::LagSnapshot &snapshot);

    // Flows whose dead-letter envelope could not be built, with the reason;
    // their dead letters are not read.
    QStringList problems() const { return m_problems; }

private:
    // A flow's view of its dead-letter topic.
    struct Tail
    {
        models::EnvelopeSpec spec;
        models::DeadLetterDigest digest;
    };
    // A dead-letter topic, read once for every flow that names it.
    struct TopicTail
    {
        QList<int> tails; // into m_tails
        QMap<int, qint64> next; // partition -> next offset to read
    };

    models::KafkaClusterConfig m_cluster;
    Limits m_limits;
    QList<Tail> m_tails;
    QMap<QString, TopicTail> m_topics;
    QStringList m_problems;
    std::unique_ptr<KafkaReader> m_reader;
};

} // namespace idem::connectors::kafka
