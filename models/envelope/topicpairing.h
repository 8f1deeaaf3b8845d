#pragma once

// Proposing which topics are the retry and dead-letter topics of which source
// topic, from their names alone, using the naming patterns of the envelope
// presets ("orders.DLT" and "orders-retry-1000" are Spring Kafka's, "orders.dlq"
// and "orders.retry.5m" Idem's). Proposals for a person to confirm, with the
// evidence for each.

#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace idem::models {

enum class DerivedTopicRole {
    Retry,
    DeadLetter,
};

// What a topic name says about itself.
struct DerivedTopic
{
    QString topic;
    QString baseName; // what the pattern's {topic} matched: "orders" in "orders.DLT"
    DerivedTopicRole role = DerivedTopicRole::DeadLetter;
    QString preset; // the convention whose pattern matched
    QString pattern; // "{topic}.DLT"
    qint64 order = -1; // retry topics: delay in ms or index from the name; -1 when none

    bool operator==(const DerivedTopic &) const = default;
};

// Every reading of `topic` as a retry or dead-letter topic, in preset order.
QList<DerivedTopic> deriveTopicName(const QString &topic);

struct TopicPairing
{
    QString sourceTopic;
    bool sourceListed = true; // false: the name implies a source not among the topics
    QStringList retryTopics; // shortest delay first
    QStringList deadLetterTopics;
    QStringList presets; // conventions whose patterns matched
    QStringList evidence; // "orders.DLT matches {topic}.DLT (Spring Kafka ...)"

    bool operator==(const TopicPairing &) const = default;
};

// Pairs retry and dead-letter topics with their source topics. A derived name
// whose source is not listed pairs with the only listed topic that extends it
// ("orders.dlq" with "orders.events"), else stands as its own pairing with
// sourceListed false. Source topics without partners are not returned.
QList<TopicPairing> pairTopicsByName(const QStringList &topics);

// The pairing `topic` takes part in, as source or partner.
std::optional<TopicPairing> pairingOf(const QString &topic, const QList<TopicPairing> &pairings);

} // namespace idem::models
