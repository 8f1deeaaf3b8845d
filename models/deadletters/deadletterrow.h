#pragma once

// One dead letter as the Dead letters page and `idemctl dlq` show it: plain
// values decoded through the flow's dead-letter envelope, every text field
// capped (a topic anyone can write to must not grow what Idem keeps). A dead
// letter the envelope cannot read is still a row: its decode problems are in
// `problems` and shown in the error column, never hidden.
//
// Also here: the filter staff narrow the list with, and the answer to
// "already processed?" of the stores of the groups on the original topic.

#include "models/envelope/envelope.h"
#include "models/envelope/failuregroup.h"
#include "models/envelope/presets.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace idem::models {

// Where a dead letter is: what a replay request or a trace needs.
struct DeadLetterRef
{
    QString topic;
    int partition = -1;
    qint64 offset = -1;

    // "orders.dlq:3:1200", as `idemctl dlq show` takes it.
    QString text() const;
    static std::optional<DeadLetterRef> parse(const QString &text);

    bool operator==(const DeadLetterRef &) const = default;
};

inline size_t qHash(const DeadLetterRef &r, size_t seed = 0)
{
    return ::qHash(r.topic, seed) ^ ::qHash(r.partition, seed) ^ ::qHash(r.offset, seed);
}

struct DeadLetterRow
{
    DeadLetterRef ref;
    qint64 timestampMs = -1; // when it was dead-lettered (the record's timestamp); -1 unknown
    qint64 size = 0; // key, value and headers, bytes
    QString eventId;
    QString entityKey;
    QString eventType;
    QString eventVersion;
    QString errorClass;
    QString error; // the cause as the failing consumer wrote it
    QString failureKey; // FailureGroup::key
    QString failureLabel; // FailureGroup::label()
    std::optional<qint64> attempts;
    QString consumerGroup;
    QString originalTopic;
    std::optional<qint32> originalPartition;
    std::optional<qint64> originalOffset;
    QStringList problems; // what the envelope could not read, one line each

    // "type v2" / "type" / "".
    QString typeAndVersion() const;
    // The error column: the class and cause, or the decode problems.
    QString errorText() const;
    // "orders[2]@1200" or "".
    QString originText() const;
    QDateTime deadLetteredAt() const; // UTC; invalid when unknown

    bool operator==(const DeadLetterRow &) const = default;
};

// Decodes `message` through `spec` (the flow's dead-letter envelope).
DeadLetterRow makeDeadLetterRow(const RawMessage &message, const EnvelopeSpec &spec);
// The same from a message already decoded through it.
DeadLetterRow makeDeadLetterRow(const RawMessage &message, const DecodedEnvelope &decoded);

// What staff narrow the dead letters with. Empty fields do not filter.
struct DeadLetterFilter
{
    QString text; // in event_id, entity key or error, case-insensitive
    QString failure; // a failure group's key, or text in its label, case-insensitive
    QString consumerGroup; // exact
    QDateTime from; // dead-lettered at or after
    QDateTime to; // dead-lettered before
    std::optional<int> partition; // only this partition of the dead-letter topic
    std::optional<qint64> maxOffset; // at or before this offset (newest first from it)

    bool isEmpty() const;
    bool matches(const DeadLetterRow &row) const;
    // The same answer as matches(makeDeadLetterRow(message, decoded)),
    // building only what the filter looks at: a filter run asks it of every
    // retained dead letter.
    bool matches(const RawMessage &message, const DecodedEnvelope &decoded) const;
    // Only what needs no decoding (partition, offset, time): false means
    // matches() is false too.
    bool mayMatch(const RawMessage &message) const;
    // "text \"x\", failure \"y\", from … to …" or "none".
    QString describe() const;

    bool operator==(const DeadLetterFilter &) const = default;
};

// Whether a dead letter's event was processed after all, as the stores of
// the groups on its original topic say.
struct ProcessedState
{
    enum class Kind {
        Pending, // not asked yet
        Processed, // some store has it as processed
        NotProcessed, // every store answered, none has it processed
        Unknown, // a store did not answer and no other has it processed
        NoStores, // no group on the original topic has a store
    };
    Kind kind = Kind::Pending;
    QStringList processedBy; // group names (store in parentheses when it differs)
    QStringList recordedAs; // "billing: parked": rows of another status
    QStringList downStores; // stores that did not answer

    // "processed by billing", "not processed", "unknown: store billing down".
    QString text() const;

    bool operator==(const ProcessedState &) const = default;
};

// One store's part of the answer for a batch of event ids.
struct StoreAnswer
{
    QString store;
    QStringList groups; // the groups whose store it is
    QString error; // non-empty: the store did not answer
    QHash<QString, QString> status; // event_id -> status column of its registry row
    QString processedValue = QStringLiteral("processed"); // the status meaning processed
};

// Combines what each store said about `eventId`.
ProcessedState combineProcessed(const QString &eventId, const QList<StoreAnswer> &answers);

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::DeadLetterRef)
Q_DECLARE_METATYPE(idem::models::DeadLetterRow)
