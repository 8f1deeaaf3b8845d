#include "connectors/kafka/mockkafka.h"

#include <atomic>
#include <thread>

#include "connectors/common/logging.h"

#include <librdkafka/rdkafka_mock.h>

namespace idem::connectors::kafka {

Result<std::unique_ptr<MockKafka>> MockKafka::start(int brokers)
{
    if (brokers < 1 || brokers > 32)
        return makeError(QStringLiteral("a mock cluster needs 1 to 32 brokers, not %1").arg(brokers));
    // The cluster lives inside a client instance; a producer with no
    // bootstrap servers serves as its host.
    auto host = createClient(RD_KAFKA_PRODUCER, {{QStringLiteral("log_level"), QStringLiteral("3")}});
    if (!host)
        return makeError(host.error());
    std::unique_ptr<MockKafka> mock(new MockKafka);
    mock->m_host = std::move(host.value());
    mock->m_cluster = rd_kafka_mock_cluster_new(mock->m_host.get(), brokers);
    if (!mock->m_cluster)
        return makeError(QStringLiteral("librdkafka could not start a mock cluster (no free "
                                        "loopback ports?)"));
    mock->m_brokers = brokers;
    mock->m_bootstraps = QString::fromUtf8(rd_kafka_mock_cluster_bootstraps(mock->m_cluster));
    logger("kafka")->info("mock Kafka cluster with {} brokers at {}", brokers,
                          mock->m_bootstraps.toStdString());
    return mock;
}

MockKafka::~MockKafka()
{
    if (m_cluster)
        rd_kafka_mock_cluster_destroy(m_cluster);
}

Status MockKafka::createTopic(const QString &topic, int partitions, int replicationFactor)
{
    if (partitions < 1)
        return makeError(QStringLiteral("topic %1 needs at least one partition").arg(topic));
    const auto err = rd_kafka_mock_topic_create(m_cluster, topic.toUtf8().constData(), partitions,
                                                std::min(replicationFactor, m_brokers));
    if (err)
        return makeError(QStringLiteral("cannot create topic %1: %2").arg(topic, QString::fromUtf8(rd_kafka_err2str(err))));
    return {};
}

Status MockKafka::createTopics(const QList<QPair<QString, int>> &topics, int replicationFactor)
{
    constexpr qsizetype kAtOnce = 32;
    std::vector<Status> results(size_t(topics.size()));
    std::atomic<qsizetype> next{0};
    std::vector<std::thread> threads;
    for (qsizetype t = 0; t < std::min(kAtOnce, topics.size()); ++t) {
        threads.emplace_back([&] {
            for (qsizetype i = next++; i < topics.size(); i = next++)
                results[size_t(i)] = createTopic(topics[i].first, topics[i].second, replicationFactor);
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    for (const Status &result : results) {
        if (!result)
            return result;
    }
    return {};
}

Status MockKafka::checkBroker(int brokerId) const
{
    if (brokerId < 1 || brokerId > m_brokers)
        return makeError(QStringLiteral("no broker %1; the mock cluster has brokers 1 to %2")
                             .arg(brokerId)
                             .arg(m_brokers));
    return {};
}

Status MockKafka::setBrokerDown(int brokerId)
{
    if (auto check = checkBroker(brokerId); !check)
        return check;
    rd_kafka_mock_broker_set_down(m_cluster, brokerId);
    return {};
}

Status MockKafka::setBrokerUp(int brokerId)
{
    if (auto check = checkBroker(brokerId); !check)
        return check;
    rd_kafka_mock_broker_set_up(m_cluster, brokerId);
    return {};
}

Status MockKafka::setBrokerRtt(int brokerId, std::chrono::milliseconds rtt)
{
    if (auto check = checkBroker(brokerId); !check)
        return check;
    rd_kafka_mock_broker_set_rtt(m_cluster, brokerId, int(rtt.count()));
    return {};
}

void MockKafka::pushRequestErrors(int apiKey, const std::vector<rd_kafka_resp_err_t> &errors)
{
    rd_kafka_mock_push_request_errors_array(m_cluster, apiKey, errors.size(), errors.data());
}

void MockKafka::clearRequestErrors(int apiKey)
{
    rd_kafka_mock_clear_request_errors(m_cluster, apiKey);
}

} // namespace idem::connectors::kafka
