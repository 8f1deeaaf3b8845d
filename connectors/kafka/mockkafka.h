#pragma once

// librdkafka's mock Kafka cluster, owned RAII-style. Its brokers speak the
// real Kafka protocol on loopback TCP ports, so clients connect to
// bootstrapServers() exactly as they would to a production cluster.
//
// Known limits of the mock (librdkafka 2.0.2): no ListGroups/DescribeGroups,
// no OffsetFetch for all topics (pass partitions explicitly), no
// offsets-for-times, and at most 5 MiB or 100 000 batches retained per
// partition (the oldest are dropped and the low watermark moves).

#include "connectors/kafka/rdkafkahandles.h"
#include "models/core/result.h"

#include <QList>
#include <QPair>
#include <QString>

#include <chrono>
#include <memory>
#include <vector>

struct rd_kafka_mock_cluster_s;

namespace idem::connectors::kafka {

class MockKafka final
{
public:
    // Starts a cluster of `brokers` brokers (ids 1..brokers).
    static Result<std::unique_ptr<MockKafka>> start(int brokers = 3);
    ~MockKafka();

    QString bootstrapServers() const { return m_bootstraps; }
    int brokerCount() const { return m_brokers; }

    Status createTopic(const QString &topic, int partitions, int replicationFactor = 1);
    // Creates (topic, partitions) pairs several at a time: the mock cluster
    // answers each creation on its next turn, a few hundred milliseconds.
    Status createTopics(const QList<QPair<QString, int>> &topics, int replicationFactor = 1);

    // Fault injection.
    Status setBrokerDown(int brokerId);
    Status setBrokerUp(int brokerId);
    Status setBrokerRtt(int brokerId, std::chrono::milliseconds rtt);
    // The next requests of `apiKey` (RD_KAFKAP_*) fail with these errors, in order.
    void pushRequestErrors(int apiKey, const std::vector<rd_kafka_resp_err_t> &errors);
    void clearRequestErrors(int apiKey);

private:
    MockKafka() = default;
    Status checkBroker(int brokerId) const;

    KafkaHandle m_host;
    rd_kafka_mock_cluster_s *m_cluster = nullptr;
    QString m_bootstraps;
    int m_brokers = 0;
};

} // namespace idem::connectors::kafka
