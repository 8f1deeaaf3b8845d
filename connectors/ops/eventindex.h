#pragma once

// The event index in the ops database (resources/sql/0003_event_index.sql):
// event_id -> topic, partition, offset, time of every message on the flows'
// source, retry and dead-letter topics.
//
// EventIndexTailer feeds it: whoever holds the "index" lease (OpsLease) reads
// each partition from its position with the KafkaReader, reads each record's
// event_id through its flow's envelope (trace's EventIdReader), and writes
// the rows (COPY) and the new positions in one transaction through
// OpsLease::write, after checking in that transaction that the positions are
// still the ones it read from: each message is indexed once, across
// takeovers too. Records whose event_id cannot be read are counted in the
// partition's coverage ("unreadable"), records older than the retention are
// counted ("too_old"); neither is written. A tailer whose lease is lost
// writes nothing more (OpsLease::write refuses) and contends again.
//
// Blocking; use a tailer from one worker thread. The read side (lookUpEvent,
// readCoverage) takes any session on the ops database.
//
// Known limits: a partition whose records were deleted by Kafka before they
// were read restarts its coverage at the first record left (older rows stay
// findable); a topic added to a flow is tailed from its first retained record.

#include "connectors/common/pollcontrol.h"
#include "models/config/config.h"
#include "models/core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::ops {

struct LeaseHolder;

// Where the index saw an event_id.
struct IndexedLocation
{
    QString topic;
    int partition = 0;
    qint64 offset = 0;
    QDateTime time; // UTC
    QString flow;
};

// What the index covers of one partition: [firstOffset, nextOffset) was read.
struct IndexCoverage
{
    QString topic;
    int partition = 0;
    QString flow;
    qint64 firstOffset = 0;
    qint64 nextOffset = 0;
    QDateTime firstTime; // invalid: nothing indexed yet
    QDateTime lastTime;
    qint64 indexed = 0;
    qint64 unreadable = 0; // read, but no readable event_id
    qint64 tooOld = 0; // read, but already past the index's retention
    QDateTime updatedAt;
    qint64 high = -1; // the partition's high watermark, where asked (-1: unknown)

    qint64 lag() const { return high < 0 ? -1 : std::max<qint64>(0, high - nextOffset); }
};

struct IndexLookup
{
    QList<IndexedLocation> locations; // newest first
    QList<IndexCoverage> coverage; // of the partitions asked about
};

// The event's locations and the coverage of `topics`, in one read-only
// transaction (two statements, one round trip each).
Result<IndexLookup> lookUpEvent(postgres::PgSession &session, const QString &eventId, const QStringList &topics,
                                const PollControl &control);

// Every partition's coverage, by topic and partition.
Result<QList<IndexCoverage>> readCoverage(postgres::PgSession &session, const PollControl &control);

// The index's state for people: the holder of the lease and each partition's
// coverage with its lag behind the high watermark.
struct IndexStatus
{
    QString holder; // LeaseHolder::describe(), or "nobody"
    bool held = false;
    QList<IndexCoverage> partitions;
    QStringList problems; // clusters whose watermarks could not be read
    int retentionDays = 7;
    QList<QDate> days; // the day partitions that exist

    // "Event index: 36 partitions, 09:00–10:42 UTC, tailed by <holder>"
    QString summary() const;
};

// Reads the status: the lease holder and coverage from the ops database, the
// high watermarks from each flow's cluster (unless `askClusters` is false).
Result<IndexStatus> readIndexStatus(const models::EnvironmentConfig &environment, postgres::PgSession &session,
                                    const PollControl &control, bool askClusters = true);

struct TailerOptions
{
    qint64 batchMessages = 50'000; // read and written per transaction at most
    std::chrono::milliseconds contendInterval{2000}; // how often a contender tries the lease
    std::chrono::milliseconds idleInterval{1000}; // how long a holder waits when nothing is new
    std::chrono::milliseconds readTimeout{15000}; // each pass's Kafka reads
    int statementTimeoutMs = 30000;
};

// One pass of the tailer.
struct TailPass
{
    bool held = false;
    qint64 indexed = 0;
    qint64 unreadable = 0;
    qint64 tooOld = 0;
    int partitions = 0; // partitions tailed
    QString error; // empty when the pass went through
};

class EventIndexTailer final
{
public:
    EventIndexTailer(models::EnvironmentConfig environment, const QString &holderName, TailerOptions options = {});
    ~EventIndexTailer(); // gives the lease up
    EventIndexTailer(const EventIndexTailer &) = delete;
    EventIndexTailer &operator=(const EventIndexTailer &) = delete;

    // Takes or renews the lease; where held, prepares the day partitions,
    // drops expired ones (at most once an hour) and indexes up to
    // batchMessages new messages.
    TailPass pass(const PollControl &control);

    // Passes until `stop`: contends while another holds the lease, waits
    // when nothing is new. `onPass` is called after each pass (from this thread).
    void run(const std::atomic_bool &stop, const std::function<void(const TailPass &)> &onPass = {});

    bool held() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace idem::connectors::ops
