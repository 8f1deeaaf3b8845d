#pragma once

// Reads a sample of a topic's newest messages, as Idem's envelope decoder
// sees them: spread over every partition, without joining a consumer group
// and without committing anything.

#include "connectors/kafka/rdkafkahandles.h"
#include "models/envelope/rawmessage.h"

#include <atomic>
#include <chrono>

namespace idem::connectors::kafka {

struct TopicSample
{
    QList<models::RawMessage> messages;
    QStringList topicNames; // every topic of the cluster, for pairing by name
};

// Up to `maxMessages` of the newest messages of `topic`. A cluster that
// cannot be reached is reported as soon as librdkafka gives up on every
// broker, with its reason ("Connect to ipv4#127.0.0.1:1 failed: Connection
// refused"), else after `timeout`. `cancelled`, when given, is looked at
// about every 500 ms; a cancelled sample returns an error saying so.
//
// Known limit: librdkafka 2.0.2 does not honour the timeout of a watermark
// query when every broker goes down in the middle of one.
Result<TopicSample> sampleTopic(const KafkaProperties &properties, const QString &topic, int maxMessages,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                const std::atomic_bool *cancelled = nullptr);

models::RawMessage toRawMessage(const rd_kafka_message_t *message);

} // namespace idem::connectors::kafka
