#include "connectors/ops/metrichistory.h"

#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"

#include <pqxx/pqxx>

#include <QSet>

#include <cmath>
#include <string>
#include <vector>

namespace idem::connectors::ops {

namespace {

std::string number(double v)
{
    return QString::number(v, 'g', 17).toStdString();
}

std::string placeholders(int rows, int columns, const std::string &casts = {})
{
    // "($1, $2, $3), ($4, $5, $6)"; casts: "::text,::bigint,::float8" per column, or empty.
    QStringList castList = QString::fromStdString(casts).split(QLatin1Char(','));
    std::string out;
    out.reserve(size_t(rows * columns * 12));
    int n = 1;
    for (int r = 0; r < rows; ++r) {
        out += r ? ", (" : "(";
        for (int c = 0; c < columns; ++c, ++n) {
            if (c)
                out += ", ";
            out += '$' + std::to_string(n);
            if (!casts.empty())
                out += castList.value(c).toStdString();
        }
        out += ')';
    }
    return out;
}

} // namespace

int insertPoints(pqxx::transaction_base &tx, const QList<models::MetricPoint> &points)
{
    constexpr int kRowsPerStatement = 2000; // 6 000 parameters, well within the protocol's 65 535
    std::vector<std::string> params;
    params.reserve(size_t(std::min<qsizetype>(points.size(), kRowsPerStatement) * 3));
    int rows = 0;
    int written = 0;
    const auto flush = [&] {
        if (rows == 0)
            return;
        // The points, and each series' minimum and maximum of their minutes, in one statement.
        tx.exec_params("WITH p (s, t, v) AS (VALUES " + placeholders(rows, 3, "::text,::bigint,::float8") + "), "
                       "points AS (INSERT INTO idem.metric_point (series, at, value) "
                       "SELECT s, to_timestamp(t / 1000.0), v FROM p) "
                       "INSERT INTO idem.metric_minute (series, minute, lo, hi) "
                       "SELECT s, date_trunc('minute', to_timestamp(t / 1000.0)), min(v), max(v) FROM p GROUP BY 1, 2 "
                       "ON CONFLICT (series, minute) DO UPDATE SET lo = least(metric_minute.lo, EXCLUDED.lo), "
                       "hi = greatest(metric_minute.hi, EXCLUDED.hi)",
                       pqxx::prepare::make_dynamic_params(params));
        written += rows;
        rows = 0;
        params.clear();
    };
    for (const models::MetricPoint &p : points) {
        if (!std::isfinite(p.v))
            continue;
        params.push_back(p.series.toStdString());
        params.push_back(std::to_string(p.t));
        params.push_back(number(p.v));
        if (++rows == kRowsPerStatement)
            flush();
    }
    flush();
    return written;
}

int maintainPartitions(pqxx::transaction_base &tx, int keepDays, qint64 oldestMs)
{
    if (oldestMs > 0)
        return tx.exec_params1("SELECT idem.metric_partitions($1, to_timestamp($2::bigint / 1000.0))", keepDays,
                               oldestMs)[0]
            .as<int>();
    return tx.exec_params1("SELECT idem.metric_partitions($1)", keepDays)[0].as<int>();
}

AlertChanges recordVerdicts(pqxx::transaction_base &tx, const QList<models::AlertVerdict> &verdicts)
{
    AlertChanges changes;
    QHash<QString, std::pair<qint64, double>> open; // key -> (id, worst)
    for (const auto &row : tx.exec("SELECT id, rule, flow, subject, coalesce(worst, 'NaN') FROM idem.alert "
                                   "WHERE resolved_at IS NULL")) {
        const QString key = postgres::textOf(row[1]) + QLatin1Char('|') + postgres::textOf(row[2]) + QLatin1Char('|')
                            + postgres::textOf(row[3]);
        open.insert(key, {row[0].as<qint64>(), row[4].as<double>()});
    }
    std::vector<std::string> resolve;
    for (const models::AlertVerdict &v : verdicts) {
        const auto it = open.constFind(v.key());
        if (v.active && it == open.cend()) {
            tx.exec_params("INSERT INTO idem.alert (rule, flow, subject, severity, fired_at, worst, text) "
                           "VALUES ($1, $2, $3, $4, clock_timestamp(), $5::float8, $6) "
                           "ON CONFLICT (rule, flow, subject) WHERE resolved_at IS NULL DO NOTHING",
                           v.rule.toStdString(), v.flow.toStdString(), v.subject.toStdString(),
                           v.severity.toStdString(), number(std::isfinite(v.value) ? v.value : 0),
                           v.text.left(1000).toStdString());
            ++changes.fired;
        } else if (v.active && std::isfinite(v.value) && !(v.value <= it->second)) {
            tx.exec_params("UPDATE idem.alert SET worst = $2::float8, text = $3 WHERE id = $1", it->first,
                           number(v.value), v.text.left(1000).toStdString());
        } else if (!v.active && it != open.cend()) {
            resolve.push_back(std::to_string(it->first));
        }
    }
    if (!resolve.empty()) {
        std::string list;
        for (size_t i = 0; i < resolve.size(); ++i)
            list += (i ? ", $" : "$") + std::to_string(i + 1) + "::bigint";
        const auto r = tx.exec_params("UPDATE idem.alert SET resolved_at = clock_timestamp() WHERE resolved_at IS NULL "
                                      "AND id IN (" + list + ")",
                                      pqxx::prepare::make_dynamic_params(resolve));
        changes.resolved = int(r.affected_rows());
    }
    return changes;
}

QHash<QString, double> sameHourBaselines(pqxx::transaction_base &tx, const QStringList &series, qint64 nowMs, int days)
{
    QHash<QString, double> baselines;
    if (series.isEmpty())
        return baselines;
    std::vector<std::string> params{std::to_string(nowMs), std::to_string(days)};
    std::string list;
    for (qsizetype i = 0; i < series.size(); ++i) {
        params.push_back(series[i].toStdString());
        list += (i ? ", $" : "$") + std::to_string(i + 3);
    }
    // One range per earlier day: [now - d days - 30 min, now - d days + 30 min].
    const auto rows = tx.exec_params(
        "SELECT p.series, avg(p.value), count(*) FROM generate_series(1, $2::int) AS d, idem.metric_point p "
        "WHERE p.series IN (" + list + ") "
        "AND p.at BETWEEN to_timestamp($1::bigint / 1000.0) - make_interval(days => d) - interval '30 minutes' "
        "AND to_timestamp($1::bigint / 1000.0) - make_interval(days => d) + interval '30 minutes' "
        "GROUP BY p.series",
        pqxx::prepare::make_dynamic_params(params));
    for (const auto &row : rows) {
        if (row[2].as<qint64>() >= 10) // a few points are no baseline
            baselines.insert(postgres::textOf(row[0]), row[1].as<double>());
    }
    return baselines;
}

Result<LoadedHistory> loadRecentHistory(postgres::PgSession &session, const PollControl &control, qint64 nowMs,
                                        qint64 spanMs, const models::SeriesResolution &resolution, qint64 maxRows)
{
    LoadedHistory loaded;
    // Segments from the oldest to the newest: [from, to) with the bucket width of each tier (0: as it came).
    struct Segment
    {
        qint64 from, to, width;
    };
    QList<Segment> segments;
    qint64 to = nowMs + 1;
    qint64 width = 0;
    for (const auto &tier : resolution.tiers) {
        const qint64 from = std::max(nowMs - tier.olderThanMs, nowMs - spanMs);
        if (from < to)
            segments.prepend({from, to, width});
        to = std::min(to, from);
        width = tier.bucketMs;
    }
    if (nowMs - spanMs < to)
        segments.prepend({nowMs - spanMs, to, width});
    Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        loaded = {};
        for (const Segment &s : segments) {
            const qint64 left = maxRows - loaded.rows;
            if (left <= 0) {
                loaded.truncated = true;
                break;
            }
            pqxx::result rows;
            if (s.width <= 0) {
                rows = tx.exec_params(
                    "SELECT series, (extract(epoch FROM at) * 1000)::bigint, value, value FROM idem.metric_point "
                    "WHERE at >= to_timestamp($1::bigint / 1000.0) AND at < to_timestamp($2::bigint / 1000.0) "
                    "ORDER BY series, at LIMIT $3",
                    s.from, s.to, left + 1);
            } else {
                // From the minutes' extremes (buckets of at least a minute: a 10 s tier is
                // loaded a minute at a time, then kept as its own points arrive): min at
                // the bucket's first minute, max at its last.
                rows = tx.exec_params(
                    "SELECT series, (extract(epoch FROM min(minute)) * 1000)::bigint, min(lo), max(hi), "
                    "(extract(epoch FROM max(minute)) * 1000)::bigint + 59999 FROM idem.metric_minute "
                    "WHERE minute >= to_timestamp($1::bigint / 1000.0) AND minute < to_timestamp($2::bigint / 1000.0) "
                    "GROUP BY series, floor(extract(epoch FROM minute) * 1000 / $3::bigint) "
                    "ORDER BY series, 2 LIMIT $4",
                    s.from, s.to, std::max<qint64>(s.width, 60000), left + 1);
            }
            if (qint64(rows.size()) > left)
                loaded.truncated = true;
            QString lastName;
            QList<models::TimePoint> *list = nullptr;
            qint64 n = 0;
            for (const auto &row : rows) {
                if (n++ >= left)
                    break;
                const char *name = row[0].c_str();
                if (!list || lastName != QLatin1String(name)) {
                    lastName = QString::fromUtf8(name);
                    list = &loaded.series[lastName];
                }
                const qint64 t = row[1].as<qint64>();
                const double lo = row[2].as<double>();
                const double hi = row[3].as<double>();
                list->append({t, lo});
                if (s.width > 0) {
                    const qint64 t2 = std::min(row[4].as<qint64>(), s.to - 1);
                    if (t2 > t)
                        list->append({t2, hi});
                }
            }
            loaded.rows += std::min<qint64>(n, left);
        }
    });
    if (!ran.ok())
        return makeError(QStringLiteral("could not load the history: %1").arg(ran.error()));
    return loaded;
}

Result<QHash<QString, QList<models::TimePoint>>> readRange(postgres::PgSession &session, const PollControl &control,
                                                          const QStringList &series, qint64 fromMs, qint64 toMs,
                                                          int buckets)
{
    QHash<QString, QList<models::TimePoint>> out;
    if (series.isEmpty() || toMs <= fromMs)
        return out;
    const qint64 width = std::max<qint64>(1, (toMs - fromMs + 1 + std::max(buckets, 1) - 1) / std::max(buckets, 1));
    std::vector<std::string> params{std::to_string(fromMs), std::to_string(toMs), std::to_string(width)};
    std::string list;
    for (qsizetype i = 0; i < series.size(); ++i) {
        params.push_back(series[i].toStdString());
        list += (i ? ", $" : "$") + std::to_string(i + 4);
    }
    // Buckets of a minute or more are read from the minutes' extremes (1 440 rows a series a day).
    const bool minutes = width >= 60000;
    Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        out.clear();
        const auto rows = minutes
            ? tx.exec_params(
                  "SELECT series, (extract(epoch FROM min(minute)) * 1000)::bigint, min(lo), max(hi), "
                  "(extract(epoch FROM max(minute)) * 1000)::bigint + 59999 FROM idem.metric_minute "
                  "WHERE series IN (" + list + ") AND minute >= date_trunc('minute', to_timestamp($1::bigint / 1000.0)) "
                  "AND minute <= to_timestamp($2::bigint / 1000.0) "
                  "GROUP BY series, floor(extract(epoch FROM minute) * 1000 / $3::bigint) ORDER BY series, 2",
                  pqxx::prepare::make_dynamic_params(params))
            : tx.exec_params(
                  "SELECT series, (extract(epoch FROM min(at)) * 1000)::bigint, min(value), max(value), "
                  "(extract(epoch FROM max(at)) * 1000)::bigint FROM idem.metric_point "
                  "WHERE series IN (" + list + ") AND at >= to_timestamp($1::bigint / 1000.0) "
                  "AND at <= to_timestamp($2::bigint / 1000.0) "
                  "GROUP BY series, floor(extract(epoch FROM at) * 1000 / $3::bigint) ORDER BY series, 2",
                  pqxx::prepare::make_dynamic_params(params));
        for (const auto &row : rows) {
            auto &points = out[postgres::textOf(row[0])];
            const qint64 t = row[1].as<qint64>();
            const qint64 t2 = std::min(row[4].as<qint64>(), toMs);
            points.append({t, row[2].as<double>()});
            if (t2 > t)
                points.append({t2, row[3].as<double>()});
        }
    });
    if (!ran.ok())
        return makeError(QStringLiteral("could not read the history: %1").arg(ran.error()));
    return out;
}

Result<QList<models::AlertRecord>> readAlerts(postgres::PgSession &session, const PollControl &control, bool openOnly,
                                              int limit)
{
    QList<models::AlertRecord> alerts;
    Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        alerts.clear();
        const auto rows = tx.exec_params(
            "(SELECT id, rule, flow, subject, severity, (extract(epoch FROM fired_at) * 1000)::bigint, "
            "(extract(epoch FROM resolved_at) * 1000)::bigint, coalesce(worst, 0), text FROM idem.alert "
            "WHERE resolved_at IS NULL ORDER BY fired_at DESC) "
            "UNION ALL "
            "(SELECT id, rule, flow, subject, severity, (extract(epoch FROM fired_at) * 1000)::bigint, "
            "(extract(epoch FROM resolved_at) * 1000)::bigint, coalesce(worst, 0), text FROM idem.alert "
            "WHERE resolved_at IS NOT NULL AND NOT $1 ORDER BY fired_at DESC LIMIT $2)",
            openOnly, limit);
        QHash<qint64, qsizetype> index;
        for (const auto &row : rows) {
            models::AlertRecord a;
            a.id = row[0].as<qint64>();
            a.rule = postgres::textOf(row[1]);
            a.flow = postgres::textOf(row[2]);
            a.subject = postgres::textOf(row[3]);
            a.severity = postgres::textOf(row[4]);
            a.firedAt = postgres::msTimeOf(row[5]);
            a.resolvedAt = postgres::msTimeOf(row[6]);
            a.worst = row[7].as<double>();
            a.text = postgres::textOf(row[8]);
            index.insert(a.id, alerts.size());
            alerts.append(a);
        }
        if (alerts.isEmpty())
            return;
        std::vector<std::string> ids;
        std::string list;
        for (const auto &a : alerts) {
            ids.push_back(std::to_string(a.id));
            list += (list.empty() ? "$" : ", $") + std::to_string(ids.size()) + "::bigint";
        }
        const auto acks = tx.exec_params("SELECT alert, acked_by::text, role, (extract(epoch FROM at) * 1000)::bigint, "
                                         "comment FROM idem.alert_ack WHERE alert IN (" + list + ") ORDER BY id",
                                         pqxx::prepare::make_dynamic_params(ids));
        for (const auto &row : acks) {
            const qsizetype i = index.value(row[0].as<qint64>(), -1);
            if (i >= 0)
                alerts[i].acks.append({postgres::textOf(row[1]), postgres::textOf(row[2]), postgres::msTimeOf(row[3]),
                                       postgres::textOf(row[4])});
        }
    });
    if (!ran.ok())
        return makeError(QStringLiteral("could not read the alerts: %1").arg(ran.error()));
    return alerts;
}

Status acknowledgeAlert(postgres::PgSession &session, const PollControl &control, qint64 alert, const QString &comment)
{
    Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        tx.exec_params("SELECT idem.acknowledge_alert($1, $2)", alert, comment.toStdString());
    });
    if (!ran.ok())
        return makeError(QStringLiteral("could not acknowledge alert %1: %2").arg(alert).arg(ran.error()));
    return ran;
}

} // namespace idem::connectors::ops
