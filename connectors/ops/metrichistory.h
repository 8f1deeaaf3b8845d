#pragma once

// The ops database's metric history and alerts (resources/sql/
// 0004_metric_history.sql, 0005_history_poll_writes.sql): what the recorder
// writes (inside OpsLease's write transaction) and what every console reads.
// Blocking; call from a worker thread. Every value is bound as a parameter.

#include "connectors/common/pollcontrol.h"
#include "models/alerts/alert.h"
#include "models/alerts/alertrules.h"
#include "models/core/result.h"
#include "models/metrics/historypoints.h"
#include "models/metrics/timeseries.h"

#include <QHash>
#include <QList>

namespace pqxx {
class transaction_base;
}

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::ops {

// --- Writing (the recorder lease's holder, inside OpsLease::write) ---

struct AlertChanges
{
    int fired = 0;
    int resolved = 0;
};
// A poll's write in one statement (idem.record_poll, 0005_history_poll_writes.sql):
// checks that the session holds the recorder lease, inserts the points
// (non-finite values skipped) with their minutes' extremes and, given
// verdicts, fires what they say is active and not open yet, raises the worst
// value of open ones and resolves the open ones judged inactive. `held`
// false: nothing was written.
struct PollWrite
{
    bool held = false;
    int written = 0;
    AlertChanges alerts;
};
PollWrite recordPoll(pqxx::transaction_base &tx, const QList<models::MetricPoint> &points,
                     const QList<models::AlertVerdict> *verdicts);
// Inserts the points as recordPoll does; throws when the session does not
// hold the lease. Returns the rows written.
int insertPoints(pqxx::transaction_base &tx, const QList<models::MetricPoint> &points);
// Creates the day partitions around now (and back to `oldestMs` when > 0,
// within the retention) and drops those past `keepDays`. Returns the number dropped.
int maintainPartitions(pqxx::transaction_base &tx, int keepDays, qint64 oldestMs = 0);
// The mean of each series at this hour of the day (± 30 min) over the last
// `days` days before today, for the rising rules' baselines.
QHash<QString, double> sameHourBaselines(pqxx::transaction_base &tx, const QStringList &series, qint64 nowMs,
                                         int days = 7);

// --- Reading (any console) ---

// The spans of the last `spanMs` before `nowMs` that `resolution`'s tiers
// keep alike, from the oldest: [from, to) and the tier's bucket width (0: as it came).
struct HistorySegment
{
    qint64 from = 0;
    qint64 to = 0;
    qint64 width = 0;
};
QList<HistorySegment> historySegments(qint64 nowMs, qint64 spanMs, const models::SeriesResolution &resolution);

// The history of the last `spanMs` before `nowMs`, downsampled as
// `resolution` thins: as it came for the newest tier, then min/max per
// bucket of each older tier's width, at least a minute (from
// idem.metric_minute), so a day of a series costs less than the console
// keeps of it in memory. One statement: a row per tier and series, the
// points in PostgreSQL's binary forms (exact). At most `maxRows` points of
// the newest tier or buckets of the others are kept, in the order tier,
// series, time (the newest series' tail may then be missing; `truncated`
// says so).
struct LoadedHistory
{
    QHash<QString, QList<models::TimePoint>> series; // each in time order
    qint64 rows = 0;
    bool truncated = false;
};
Result<LoadedHistory> loadRecentHistory(postgres::PgSession &session, const PollControl &control, qint64 nowMs,
                                        qint64 spanMs, const models::SeriesResolution &resolution,
                                        qint64 maxRows = 2'000'000);

// The points of `series` within [fromMs, toMs], min and max per bucket of
// (to - from) / buckets ms, aligned to multiples of the width: at most
// 2 × (buckets + 1) rows, whatever the range holds.
Result<QHash<QString, QList<models::TimePoint>>> readRange(postgres::PgSession &session, const PollControl &control,
                                                          const QStringList &series, qint64 fromMs, qint64 toMs,
                                                          int buckets);

// Open alerts, then past ones newest first (at most `limit` past), with their acknowledgements.
Result<QList<models::AlertRecord>> readAlerts(postgres::PgSession &session, const PollControl &control,
                                              bool openOnly, int limit = 500);
// Acknowledges an alert as the session's login; the database records the role and time.
Status acknowledgeAlert(postgres::PgSession &session, const PollControl &control, qint64 alert,
                        const QString &comment);

} // namespace idem::connectors::ops
