#pragma once

// What a flow's dead-letter topic says about why messages fail: its dead
// letters grouped by failure (exception class and first frame, or the
// normalised error text), with how many, which consumer groups, the times of
// the oldest and the newest (first and last seen), and one example; plus the topic's decode errors. The live
// monitor reads the newest dead letters when it starts and every one that
// arrives after, and hands a copy of the digest to the console each poll.

#include "models/envelope/decodeerrorcounter.h"
#include "models/envelope/failuregroup.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QSet>
#include <QString>
#include <QStringList>

namespace idem::models {

struct FailureCount
{
    FailureGroup group;
    qint64 count = 0;
    // Sorted; the failing group each dead letter names, the first
    // DeadLetterDigest::MaxConsumerGroupNames distinct ones, each name capped.
    QStringList consumerGroups;
    // Further distinct groups, counted (by hash) up to MaxCountedConsumerGroups.
    QSet<size_t> moreConsumerGroups;
    QDateTime oldest; // timestamp of the oldest dead letter in the group (first seen), UTC
    QDateTime newest; // timestamp of the newest dead letter in the group (last seen), UTC
    QString exampleEventId; // capped at kMaxUntrustedField characters
    QString exampleError; // the raw error text of that example, at most 500 characters

    // How many distinct groups beyond consumerGroups, and whether there may be more.
    qsizetype otherConsumerGroups() const { return moreConsumerGroups.size(); }
    bool otherConsumerGroupsCapped() const;
    // "a, b, c" or "a, b, c and 12 more" (", and more than N more" when capped).
    QString consumerGroupsText() const;

    bool operator==(const FailureCount &) const = default;
};

class DeadLetterDigest
{
public:
    // Distinct failures kept; dead letters of any further failure are counted
    // in one last group, so a topic of unique causes cannot grow the digest
    // without bound.
    static constexpr qsizetype MaxFailureGroups = 500;
    // Consumer group names kept per failure, and further groups counted: a
    // topic anyone can write to must not grow a failure without bound.
    static constexpr qsizetype MaxConsumerGroupNames = 20;
    static constexpr qsizetype MaxCountedConsumerGroups = 1000;

    DeadLetterDigest() = default;
    DeadLetterDigest(QString flow, QString topic)
        : m_flow(std::move(flow))
        , m_topic(std::move(topic))
    {}

    // Counts one dead letter as decoded through the flow's dead-letter envelope.
    void add(const RawMessage &message, const DecodedEnvelope &decoded);

    QString flow() const { return m_flow; }
    QString topic() const { return m_topic; }
    qint64 read() const { return m_read; } // dead letters counted
    QDateTime oldest() const { return m_oldest; } // timestamp of the oldest counted, UTC
    // Most frequent first; ties by the newest occurrence, then by label.
    // The overflow group, when there is one, has the key "idem:other".
    QList<FailureCount> failures() const;
    const DecodeErrorCounter &decodeErrors() const { return m_decodeErrors; }

    bool operator==(const DeadLetterDigest &) const = default;

private:
    QString m_flow;
    QString m_topic;
    qint64 m_read = 0;
    QDateTime m_oldest;
    QList<FailureCount> m_failures; // in order of first occurrence
    DecodeErrorCounter m_decodeErrors;
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::DeadLetterDigest)
