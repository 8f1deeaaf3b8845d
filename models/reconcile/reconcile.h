#pragma once

// Reconciling a flow over a time window [from, to): every event on its source
// topics against what each consumer group's store recorded. Plain values in
// (the source's distinct event_ids with where their copies are, and per
// group its store's rows, committed offsets and dead letters), counts and
// event_ids out, rendered as text, JSON and CSV from the same report.
//
// Each source event_id is exactly one of, per group: processed (a row says
// so, or skipped as a duplicate), dead-lettered (a row says so, or the
// dead-letter topic holds it for that group), in retry (a row says it failed
// and a retry is scheduled), pending (no row, and the group has not committed
// past any copy: lag, not loss) or missing (no row, committed past a copy:
// lost). Apart from those: extra rows (first seen in the window, event_id not
// among the source's nor among those produced shortly before the window) and
// logical duplicates (rows of the same entity key and event type under
// different event_ids).
//
// Known limits: a logical duplicate whose other row is neither an event of
// the window nor an extra row is not seen; entity key and type are compared
// through a 64-bit hash (entityHash).

#include "models/reconcile/eventidset.h"
#include "models/trace/trace.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QSet>
#include <QString>
#include <QStringList>

#include <array>

namespace idem::models {

enum class ReconcileClass { Processed, DeadLettered, InRetry, Pending, Missing, Extra, LogicalDuplicate };
constexpr int kReconcileClassCount = 7;
// "processed", "dead_lettered", "in_retry", "pending", "missing", "extra", "logical_duplicates"
QString reconcileClassName(ReconcileClass c);
// "Processed", "Dead-lettered", "In retry", …
QString reconcileClassTitle(ReconcileClass c);

// The windows people pick: the last hour, today and yesterday (local days).
enum class WindowPreset { LastHour, Today, Yesterday, Custom };
struct ReconcileWindow
{
    QDateTime from; // UTC
    QDateTime to;
};
ReconcileWindow presetWindow(WindowPreset preset, const QDateTime &now);
// Empty when [from, to) can be reconciled at `now`; else what is wrong and what to do.
QString checkReconcileWindow(const QDateTime &from, const QDateTime &to, const QDateTime &now);

// What a store's row says of an event, by its logical status.
enum class RowState : quint8 { NoRow, Processed, DeadLettered, InRetry };
RowState rowStateOf(const QString &logicalStatus);
// The entity key and event type as one value (0 when either is empty), from
// their UTF-8 bytes: both overloads give the same value.
quint64 entityHashUtf8(QByteArrayView entityKey, QByteArrayView eventType);
quint64 entityHash(const QString &entityKey, const QString &eventType);

struct SourcePartition
{
    QString topic;
    int partition = 0;
    qint64 from = 0; // the window's offsets [from, to)
    qint64 to = 0;
};

// Where a source event's first copy is (its event_id: SourceScan::ids, same index).
struct SourceEvent
{
    qint32 partition = -1; // index into SourceScan::partitions
    qint32 copies = 1;
    qint64 offset = -1;
    qint64 timestampMs = -1;
};

struct SourceScan
{
    QList<SourcePartition> partitions;
    EventIdSet ids; // distinct event_ids (UTF-8), in the order first read
    QList<SourceEvent> events; // by event index (as ids): the first copy of each
    QHash<qsizetype, QList<QPair<qint32, qint64>>> laterCopies; // event index -> (partition index, offset)
    qint64 messages = 0; // read in the window
    qint64 unreadable = 0; // messages whose event_id could not be read
    QMap<QString, qint64> unreadableReasons; // the decoder's words -> how many
    QStringList unreadableAt; // "orders.events 2@17", the first few
    EventIdSet producedBefore; // event_ids found just before the window (not extra when first seen in it)
    qint64 lookbackMs = 0;
    QList<NotScannedRange> notRead; // parts of the window not read, and why
    QStringList retentionCut; // "orders.events[3]": the window starts before the partition's retained log

    // A message read in the window with this event_id (UTF-8): a new event,
    // or a copy of one (counted, and where it is kept). Returns the event's
    // index. `messages` is the caller's to count (unreadable ones too).
    qsizetype addMessage(QByteArrayView eventId, qint32 partition, qint64 offset, qint64 timestampMs = -1);
    qsizetype addMessage(const QString &eventId, qint32 partition, qint64 offset, qint64 timestampMs = -1)
    {
        return addMessage(QByteArrayView(eventId.toUtf8()), partition, offset, timestampMs);
    }
    QString eventId(qsizetype i) const { return ids.text(i); }
    qint64 copies() const { return messages - unreadable - events.size(); }
    bool complete() const;
};

// One group's store and Kafka side, as read.
struct GroupEvidence
{
    QString flow;
    QString group;
    QString store; // empty: the group has no store
    QString error; // the store could not be read: why
    QList<RowState> rows; // by source event index
    QList<quint64> rowEntities; // by source event index (entityHash), empty: not read
    struct Row
    {
        QString eventId;
        RowState state = RowState::Processed;
        quint64 entity = 0;
    };
    QList<Row> windowRows; // rows first seen in the window whose event_id is not the window's
    QString extraError; // the extra rows could not be read: why
    QList<qint64> committed; // by source partition index, -1: nothing committed
    QSet<QString> deadLettered; // event_ids on the dead-letter topic for this group
};

struct ClassIds
{
    qint64 count = 0;
    QStringList eventIds; // the first `cap` of them, sorted
};

struct GroupReconcile
{
    QString flow;
    QString group;
    QString store;
    QString error; // "could not check billing: <reason>"
    QString extraError;
    qint64 sourceEvents = 0;
    qint64 copies = 0;
    std::array<ClassIds, kReconcileClassCount> classes;
    QString extraExplanation; // why rows are extra, where there are some
    QString verdict; // one line

    const ClassIds &of(ReconcileClass c) const { return classes[size_t(c)]; }
    bool checked() const { return error.isEmpty(); }
    // Checked, nothing missing, nothing extra.
    bool reconciled() const;
};

// Classifies every source event for one group; keeps at most `idCap` event_ids a class.
GroupReconcile classifyGroup(const SourceScan &source, const GroupEvidence &evidence, int idCap = 10000);

struct ReconcileReport
{
    QString flow;
    QDateTime from;
    QDateTime to;
    QStringList sourceTopics;
    qint64 messages = 0;
    qint64 sourceEvents = 0;
    qint64 copies = 0;
    qint64 unreadable = 0;
    QMap<QString, qint64> unreadableReasons;
    QStringList unreadableAt;
    QList<NotScannedRange> notRead;
    QStringList retentionCut;
    QString sourceNote; // the source in one line: complete, empty, partly past retention, not read entirely
    QList<GroupReconcile> groups;
    QString error; // nothing could be reconciled: why
    qint64 elapsedMs = 0;

    bool sourceComplete() const { return notRead.isEmpty(); }
    // The source read entirely and every group reconciled.
    bool reconciled() const;
    // Every group's store could be read, and the source entirely.
    bool complete() const;
};

// Builds the report: the source summary and every group classified.
ReconcileReport buildReconcileReport(const QString &flow, const ReconcileWindow &window, const QStringList &topics,
                                     const SourceScan &source, const QList<GroupEvidence> &groups,
                                     int idCap = 10000);

// JSON of idemctl reconcile and of the console's export: flow, from, to,
// source {...}, groups [{group, store, counts {class: n}, event_ids {class: [...]}, verdict}],
// reconciled. Event ids of `processed` only when withProcessed; each list capped at idCap.
QJsonObject reconcileToJson(const ReconcileReport &report, int idCap, bool withProcessed);
QString reconcileToText(const ReconcileReport &report, int idCap);
// One line per listed event_id (flow, group, store, class, count, event_id),
// and one per class with none listed (event_id empty).
QString reconcileToCsv(const ReconcileReport &report, bool withProcessed);

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::ReconcileReport)
