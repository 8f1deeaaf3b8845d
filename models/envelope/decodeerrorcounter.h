#pragma once

// Per-topic counts of messages whose envelope could not be fully read: the
// visible counter of STYLE.md §12, with the latest few problems kept for the
// "details" click. A value type: a reader fills its own and hands a copy over;
// the receiver merges. Not synchronized.

#include "models/envelope/envelope.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <array>

namespace idem::models {

struct DecodeErrorSample
{
    qint32 partition = -1;
    qint64 offset = -1;
    QString problem; // "could not read event_id: ..."

    bool operator==(const DecodeErrorSample &) const = default;
};

struct TopicDecodeErrors
{
    qint64 messages = 0; // decoded, with or without problems
    qint64 failed = 0; // with at least one problem
    std::array<qint64, EnvelopeFieldCount> byField {}; // messages with a problem on each field
    QList<DecodeErrorSample> recent; // oldest first, at most RecentLimit

    qint64 failedOn(EnvelopeField field) const { return byField[size_t(field)]; }

    bool operator==(const TopicDecodeErrors &) const = default;
};

class DecodeErrorCounter
{
public:
    static constexpr qsizetype RecentLimit = 20;

    void record(const RawMessage &message, const DecodedEnvelope &decoded);
    void merge(const DecodeErrorCounter &other);
    void reset(const QString &topic);
    void clear() { m_topics.clear(); }

    QStringList topics() const; // sorted
    TopicDecodeErrors topic(const QString &topic) const; // all zero for an unknown topic
    qint64 failed(const QString &topic) const { return m_topics.value(topic).failed; }
    qint64 totalFailed() const;

    bool operator==(const DecodeErrorCounter &) const = default;

private:
    QHash<QString, TopicDecodeErrors> m_topics;
};

} // namespace idem::models
