#pragma once

// Reads the dead letters of a cluster's flows as they arrive, decodes each
// through its flow's dead-letter envelope and counts it into the flow's
// DeadLetterDigest (failure groups, decode errors). At the first poll it
// starts from the newest `backlog` dead letters of each topic; after that it
// reads every one that arrives, at most `perPoll` a poll so that a flood
// never makes a poll slow; the rest follows in later polls. Watermarks come
// from the lag snapshot of the same poll, so the tail asks the cluster for
// nothing but the messages. Never joins a group, never commits.
//
// Blocking; call it from the cluster's worker thread after LagReader::poll.

#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/envelope/deadletterdigest.h"
#include "models/envelope/presets.h"
#include "models/metrics/lagsnapshot.h"

#include <QMap>

#include <chrono>

namespace idem::connectors::kafka {

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

    // Reads up to the high watermarks of `snapshot`; returns the digest of
    // every flow with a dead-letter topic, whether or not anything arrived.
    // A snapshot whose cluster is down reads nothing.
    QList<models::DeadLetterDigest> poll(const models::LagSnapshot &snapshot);

    // Flows whose dead-letter envelope could not be built, with the reason;
    // their dead letters are not read.
    QStringList problems() const { return m_problems; }

private:
    struct Tail
    {
        QString flow;
        QString topic;
        models::EnvelopeSpec spec;
        models::DeadLetterDigest digest;
        QMap<int, qint64> next; // partition -> next offset to read
    };

    Status ensureClient();

    models::KafkaClusterConfig m_cluster;
    Limits m_limits;
    QList<Tail> m_tails;
    QStringList m_problems;
    KafkaHandle m_consumer;
};

} // namespace idem::connectors::kafka
