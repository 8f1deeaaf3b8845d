#pragma once

// Reads a cluster's consumer positions for the flows configured on it:
// committed offsets per group (ListConsumerGroupOffsets, partitions named
// explicitly, one request per group, all in flight at once) and each
// partition's watermarks. Blocking; call it from a worker thread (LagMonitor)
// or a command-line tool.
//
// Known limits: groups are the ones the flow names (brokers that answer
// ListGroups/DescribeGroups are not asked yet); a retry topic is listed for a
// group only where the group has committed on it.

#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/metrics/lagsnapshot.h"

#include <QMap>

#include <chrono>

namespace idem::connectors::kafka {

class LagReader final
{
public:
    LagReader(models::KafkaClusterConfig cluster, QList<models::FlowConfig> flows,
              std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // One poll. Never throws; a cluster that cannot be reached gives a
    // snapshot whose health is Down with the reason.
    models::LagSnapshot poll();

private:
    Status ensureClient();
    // Fills lagMs: reads the record at each lagging partition's committed
    // offset (all partitions at once), caching timestamps by offset.
    void readLagTimes(models::LagSnapshot &snapshot);

    models::KafkaClusterConfig m_cluster;
    QList<models::FlowConfig> m_flows;
    std::chrono::milliseconds m_timeout;
    KafkaHandle m_client;
    KafkaHandle m_fetcher; // a consumer that never joins a group: it reads single records
    KafkaProperties m_properties;
    QMap<std::tuple<QString, int, qint64>, qint64> m_timestamps; // (topic, partition, offset) -> timestamp ms
};

} // namespace idem::connectors::kafka
