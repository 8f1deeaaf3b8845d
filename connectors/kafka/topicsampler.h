#pragma once

// Reads a sample of a topic's newest messages, as Idem's envelope decoder
// sees them: spread over every partition, without joining a consumer group
// and without committing anything.

#include "connectors/kafka/rdkafkahandles.h"
#include "models/envelope/rawmessage.h"

#include <chrono>

namespace idem::connectors::kafka {

struct TopicSample
{
    QList<models::RawMessage> messages;
    QStringList topicNames; // every topic of the cluster, for pairing by name
};

// Up to `maxMessages` of the newest messages of `topic`.
Result<TopicSample> sampleTopic(const KafkaProperties &properties, const QString &topic, int maxMessages,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

models::RawMessage toRawMessage(const rd_kafka_message_t *message);

} // namespace idem::connectors::kafka
