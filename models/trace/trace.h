#pragma once

// What a trace of one event_id found: hops (each copy of the event on a
// topic, each group that committed past a copy, each store record and
// attempt, each replay step), the topic ranges read and not read with the
// reason, the state of each lookup step, and the verdict (verdict.h). Plain
// values: built on worker threads, carried to the UI and to idemctl as they
// are, rendered to text and JSON from the same struct.
//
// Known limits: a hop's time is the record's timestamp (topics), the store's
// own time columns (stores) or unknown (a group's commit: Kafka keeps no
// commit time), in UTC.

#include "models/core/result.h"
#include "models/envelope/rawmessage.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace idem::models {

enum class HopKind {
    Produced, // a copy of the event on a source topic (a duplicate send or redelivery shows as two)
    Consumed, // a group committed past a copy
    Processed, // a store recorded it processed
    SkippedDuplicate, // a store saw it again and skipped it
    Failed, // a store recorded a failed attempt
    Retried, // a copy on a retry topic
    DeadLettered, // a copy on the dead-letter topic
    ReplayRequested,
    ReplayApproved,
    ReplayExecuted,
    CheckFailed, // a system could not be checked: "could not check store X: <reason>"
    LogicalDuplicate, // a store row with the same entity key and type under another event_id
};

// "produced", "consumed", "processed", "skipped_duplicate", "failed",
// "retried", "dead_lettered", "replay_requested", "replay_approved",
// "replay_executed", "check_failed", "logical_duplicate".
QString hopKindName(HopKind kind);
// "Produced", "Committed past by", … for people.
QString hopKindTitle(HopKind kind);

struct TraceHop
{
    HopKind kind = HopKind::Produced;
    QString system; // the topic, group or store the hop happened in
    QString topic; // empty where not on a topic
    int partition = -1;
    qint64 offset = -1;
    QDateTime time; // UTC; invalid when unknown
    QString status; // a store's status word, as logical name ("processed", "dead_lettered", …)
    int attempt = 0; // 0: not applicable
    QString error;
    QString group; // the consumer group: the committing group, the failing group of a dead letter
    QString otherEventId; // LogicalDuplicate: the other event_id
    QString detail; // one plain line
    std::optional<RawMessage> record; // topic hops: the record as read, payload capped (kMaxRecordPayload)
    qint64 payloadBytes = -1; // the record's whole payload size; -1 where there is no record

    bool onTopic() const { return !topic.isEmpty() && partition >= 0 && offset >= 0; }
    // "orders.events 3@1200"
    QString location() const;
};

// Why part of a partition was not read.
enum class NotScannedReason {
    Retention, // deleted before it could be read
    Budget, // the scan's message budget ran out
    Cancelled,
    Deadline,
    LocationKnown, // not scanned: the copy's location was known already
    Indexed, // not scanned: the event index covers it (every copy there is among the index's locations)
    Error,
};
QString notScannedReasonName(NotScannedReason reason); // "retention", "budget", …

struct ScannedRange
{
    QString topic;
    int partition = 0;
    qint64 from = 0; // [from, to)
    qint64 to = 0;
};

struct NotScannedRange
{
    QString topic;
    int partition = 0;
    qint64 from = 0; // [from, to); from may be -1 where the offsets are unknown
    qint64 to = 0;
    NotScannedReason reason = NotScannedReason::Error;
    QString detail;
};

// One lookup step ("store billing", "scan orders.events", "groups"), shown
// while it runs.
struct TraceStep
{
    enum class State { Pending, Running, Done, Failed, TimedOut, Cancelled };
    QString name;
    State state = State::Pending;
    QString detail; // "3 rows", "412 000 of 1 000 000 messages (41 %)", the error
    qint64 elapsedMs = 0;
    int percent = -1; // -1: no measure of progress
};
QString traceStepStateName(TraceStep::State state);

// What a group's store holds for the event.
struct StoreRecord
{
    QString store;
    QString group;
    bool checked = false; // false: the store could not be read (see error)
    QString error;
    bool hasRow = false;
    QString status; // logical: processed, dead_lettered, retry_scheduled, failed, …
    int attempts = 0;
    QDateTime firstSeen;
    QDateTime processedAt;
    QString result;
    QString entityKey;
    QString eventType;
};

// A consumer group of a traced flow and its store.
struct TraceGroup
{
    QString flow;
    QString group;
    QString store; // empty: not watched
};

struct TraceQuery
{
    QString eventId;
    QString flow; // empty: every flow of the environment
    QDateTime from; // invalid: no bound (the scan reads the newest records first, within its budget)
    QDateTime to;
};

// The event_id as typed, checked: not empty, at most 256 characters, no
// control characters. Returns the error for a person, empty when fine.
QString checkEventId(const QString &eventId);
// The most of a record's payload a trace keeps; the rest is cut, its size shown.
constexpr qint64 kMaxRecordPayload = 1024 * 1024;
constexpr int kMaxEventIdLength = 256;

// A time as people type it for a trace window: ISO 8601 ("2026-12-01T09:00",
// "2026-12-01 09:00:30+01:00"; UTC unless a zone is given), "now", or an age
// before `now` ("-30m", "-2h", "-1d", "-90s"). The error says what is accepted.
Result<QDateTime> parseTraceTime(const QString &text, const QDateTime &now);

struct Verdict
{
    QString code; // stable, for scripts: "processed", "fails_in_one_consumer", …
    QString text; // plain words
};

struct TraceResult
{
    TraceQuery query;
    QStringList flows;
    QList<TraceGroup> groups;
    QStringList sourceTopics;
    QList<TraceHop> hops; // in time order (sortHops)
    QList<StoreRecord> stores;
    QList<ScannedRange> scanned;
    QList<NotScannedRange> notScanned;
    QList<TraceStep> steps;
    qint64 messagesScanned = 0;
    Verdict verdict;
    QString error; // the trace as a whole could not run (bad input, no flow)

    // Any hop locating the event (a topic copy or a store row).
    bool found() const;
    QList<TraceHop> hopsOf(HopKind kind) const;
};

// Puts hops in time order; hops without a time follow the hop they belong to
// (a group's commit after the copy it committed past).
void sortHops(QList<TraceHop> &hops);

// Merges adjacent or overlapping ranges of the same partition. An empty range
// (from == to: a partition with nothing in the window) is kept once where
// nothing else of its partition was read.
QList<ScannedRange> mergeRanges(QList<ScannedRange> ranges);

// "orders.events[0–5]": partitions in compressed runs.
QString describePartitions(const QString &topic, QList<int> partitions);

// The JSON of idemctl trace and of the console's export: event_id, found,
// hops[] (kind, system, topic, partition, offset, time, status, attempt,
// error, group, … as they apply), scanned[], not_scanned[], steps[],
// verdict {code, text}. Times in ISO 8601 UTC.
QJsonObject traceToJson(const TraceResult &result, bool withRecords = false);
// The trace as plain text, one hop a line, for terminals and the clipboard.
QString traceToText(const TraceResult &result);

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::TraceResult)
