#pragma once

// Reads a cluster's consumer positions for the flows configured on it:
// committed offsets per group (ListConsumerGroupOffsets, partitions named
// explicitly, one request per group, all in flight at once), each
// partition's watermarks, and the flows' groups with their members.
// Blocking; call it from a worker thread (LiveMonitor) or a command-line
// tool.
//
// Group discovery, every poll, alongside the offset requests and within the
// reader's timeout: ListConsumerGroups (one request per broker), then
// DescribeConsumerGroups for the configured groups, the groups discovered
// before, and the listed groups that may have members and were not found
// unrelated to the flows in the last 5 minutes. A flow's groups are its
// configured ones plus those whose members are assigned its source or retry
// topics (models/metrics/groupdiscovery.h); each carries its member count
// and state, which tells a stopped group (no members: STOPPED) from a stuck
// one (STALLED). Where the cluster does not answer (librdkafka's mock
// cluster refuses at once; an old or locked-down cluster may refuse or time
// out), the poll uses the configured groups with membership unknown, says so
// in the snapshot's notes (not a degraded health), and asks again after
// 10 minutes (refused) or 1 minute (failed or timed out).
//
// Known limits: a retry topic is listed for a configured group only where
// the group has committed on it or its members are assigned it; a group that
// assigns partitions itself (no membership) is found only when a flow names
// it; a group discovered for the first time is read in the same poll but a
// group found unrelated is looked at again only after 5 minutes.

#include "connectors/common/pollcontrol.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/metrics/groupdiscovery.h"
#include "models/metrics/lagsnapshot.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QMap>

#include <chrono>
#include <memory>

namespace idem::connectors::kafka {

class KafkaReader;

class LagReader final
{
public:
    LagReader(models::KafkaClusterConfig cluster, QList<models::FlowConfig> flows,
              std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~LagReader();

    // One poll. Never throws; a cluster that cannot be reached gives a
    // snapshot whose health is Down with the reason. Every step shares the
    // deadline of `control` (a cluster that answers slowly gives a snapshot
    // with what arrived in time, and problems naming what did not) and stops
    // soon after it is cancelled.
    models::LagSnapshot poll(const PollControl &control);
    // One poll within the reader's timeout.
    models::LagSnapshot poll();

private:
    Status ensureClient();
    // Fills lagMs: reads the record at each lagging partition's committed
    // offset (all partitions at once), caching timestamps by offset.
    void readLagTimes(models::LagSnapshot &snapshot, const PollControl &control);
    // The groups to describe once the cluster has listed `listed` (group ->
    // may have members).
    QStringList groupsToDescribe(const QHash<QString, bool> &listed) const;

    models::KafkaClusterConfig m_cluster;
    QList<models::FlowConfig> m_flows;
    std::chrono::milliseconds m_timeout;
    std::shared_ptr<rd_kafka_t> m_client; // shared with a metadata request still waiting on the cluster
    std::unique_ptr<KafkaReader> m_reader; // watermarks and single records
    QMap<std::tuple<QString, int, qint64>, qint64> m_timestamps; // (topic, partition, offset) -> timestamp ms
    qsizetype m_lagTimeTurn = 0; // where the next poll's share of lag times to read starts

    // Group discovery across polls.
    models::RememberedGroups m_remembered;            // discovered groups stay until gone
    QHash<QString, QDeadlineTimer> m_unrelated;       // listed groups not on the flows' topics: not described until
    QDeadlineTimer m_askDiscoveryAgain;               // expired: ask this poll
    QString m_discoveryRefusal;                       // why the cluster did not answer, while waiting to ask again
};

} // namespace idem::connectors::kafka
