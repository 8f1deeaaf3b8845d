#pragma once

// Reads a sample of a topic's newest messages, as Idem's envelope decoder
// sees them: spread over every partition, without joining a consumer group
// and without committing anything (through KafkaReader).

#include "connectors/common/pollcontrol.h"
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
// refused"), else at the deadline of `control`. A cancelled sample returns
// an error saying so, within about 100 ms of the cancel; a sample whose
// deadline passes while messages are read returns those read by then.
Result<TopicSample> sampleTopic(const KafkaProperties &properties, const QString &topic, int maxMessages,
                                const PollControl &control);

// Within `timeout`; `cancelled`, when given, as above.
Result<TopicSample> sampleTopic(const KafkaProperties &properties, const QString &topic, int maxMessages,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                const std::atomic_bool *cancelled = nullptr);

} // namespace idem::connectors::kafka
