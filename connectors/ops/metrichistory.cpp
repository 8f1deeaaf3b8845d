#include "connectors/ops/metrichistory.h"

#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"

#include <pqxx/pqxx>

#include <QSet>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace idem::connectors::ops {

namespace {

std::string number(double v)
{
    return QString::number(v, 'g', 17).toStdString();
}

// An array literal of numbers (or booleans: t, f; empty: NULL), bound as one parameter.
std::string arrayLiteral(const std::vector<std::string> &values)
{
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += values[i].empty() ? std::string("NULL") : values[i];
    }
    return out + '}';
}

} // namespace

PollWrite recordPoll(pqxx::transaction_base &tx, const QList<models::MetricPoint> &points,
                     const QList<models::AlertVerdict> *verdicts)
{
    // One statement, every value bound: PostgreSQL arrays, in their text form.
    QStringList series;
    std::vector<std::string> at, value;
    for (const models::MetricPoint &p : points) {
        if (!std::isfinite(p.v))
            continue;
        series << p.series;
        at.push_back(std::to_string(p.t));
        value.push_back(number(p.v));
    }
    pqxx::row row;
    if (!verdicts) {
        row = tx.exec_params1("SELECT held, written, fired, resolved FROM idem.record_poll($1::text[], $2::bigint[], "
                              "$3::float8[])",
                              postgres::textArrayLiteral(series), arrayLiteral(at), arrayLiteral(value));
    } else {
        QStringList rule, flow, subject, severity, text;
        std::vector<std::string> active, worst;
        for (const models::AlertVerdict &v : *verdicts) {
            rule << v.rule;
            flow << v.flow;
            subject << v.subject;
            severity << v.severity;
            text << v.text.left(1000);
            active.push_back(v.active ? "t" : "f");
            worst.push_back(std::isfinite(v.value) ? number(v.value) : std::string()); // NULL: not finite
        }
        row = tx.exec_params1("SELECT held, written, fired, resolved FROM idem.record_poll($1::text[], $2::bigint[], "
                              "$3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], "
                              "$9::float8[], $10::text[])",
                              postgres::textArrayLiteral(series), arrayLiteral(at), arrayLiteral(value),
                              postgres::textArrayLiteral(rule), postgres::textArrayLiteral(flow),
                              postgres::textArrayLiteral(subject), postgres::textArrayLiteral(severity),
                              arrayLiteral(active), arrayLiteral(worst), postgres::textArrayLiteral(text));
    }
    PollWrite out;
    out.held = row[0].as<bool>();
    out.written = row[1].as<int>();
    out.alerts.fired = row[2].as<int>();
    out.alerts.resolved = row[3].as<int>();
    return out;
}

int insertPoints(pqxx::transaction_base &tx, const QList<models::MetricPoint> &points)
{
    const PollWrite wrote = recordPoll(tx, points, nullptr);
    if (!wrote.held)
        throw std::runtime_error("this session does not hold the recorder lease: no point written");
    return wrote.written;
}

int maintainPartitions(pqxx::transaction_base &tx, int keepDays, qint64 oldestMs)
{
    if (oldestMs > 0)
        return tx.exec_params1("SELECT idem.metric_partitions($1, to_timestamp($2::bigint / 1000.0))", keepDays,
                               oldestMs)[0]
            .as<int>();
    return tx.exec_params1("SELECT idem.metric_partitions($1)", keepDays)[0].as<int>();
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

namespace {

// Reading what idem.metric_point and idem.metric_minute hold as PostgreSQL's
// binary forms (timestamptz_send, float8send), concatenated per series and
// sent as hex: exact, and one row a series instead of one a point.

constexpr qint64 kPgEpochUs = 946684800000000; // 2000-01-01 in µs since 1970

int hexDigit(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

// 16 hex digits, big-endian.
quint64 word(const char *hex)
{
    quint64 w = 0;
    for (int i = 0; i < 16; ++i)
        w = (w << 4) | quint64(hexDigit(hex[i]));
    return w;
}

qint64 microsOf(const char *hex)
{
    return qint64(word(hex)) + kPgEpochUs;
}

double doubleOf(const char *hex)
{
    const quint64 w = word(hex);
    double d;
    std::memcpy(&d, &w, sizeof d);
    return d;
}

// ms since the epoch as (extract(epoch FROM t) * 1000)::bigint gives them: rounded half away from zero.
qint64 msOf(qint64 us)
{
    return us >= 0 ? (us + 500) / 1000 : -((-us + 500) / 1000);
}

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// float8's order in PostgreSQL: NaN equals NaN and sorts above every number.
int pgCompare(double a, double b)
{
    if (std::isnan(a))
        return std::isnan(b) ? 0 : 1;
    if (std::isnan(b))
        return -1;
    return a < b ? -1 : a > b ? 1 : 0;
}

struct MinuteRow
{
    qint64 us;
    double lo, hi;
};

struct RawRow
{
    qint64 us;
    double v;
};

} // namespace

QList<HistorySegment> historySegments(qint64 nowMs, qint64 spanMs, const models::SeriesResolution &resolution)
{
    QList<HistorySegment> segments;
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
    return segments;
}

Result<LoadedHistory> loadRecentHistory(postgres::PgSession &session, const PollControl &control, qint64 nowMs,
                                        qint64 spanMs, const models::SeriesResolution &resolution, qint64 maxRows)
{
    LoadedHistory loaded;
    const QList<HistorySegment> segments = historySegments(nowMs, spanMs, resolution);
    if (segments.isEmpty())
        return loaded;

    // One statement for every segment: a row per segment and series, in that
    // order (the order the row limit cuts in). The segments as they came read
    // each series' index range (series, at), the series being those with
    // minutes in the segment (every point's minute is written with it); the
    // others read the minutes' extremes, bucketed below.
    std::vector<std::string> params;
    std::string sql = "SELECT seg, series, n, encode(b, 'hex') FROM (";
    for (qsizetype k = 0; k < segments.size(); ++k) {
        const HistorySegment &s = segments[k];
        params.push_back(std::to_string(s.from));
        params.push_back(std::to_string(s.to));
        const std::string from = "to_timestamp($" + std::to_string(params.size() - 1) + "::bigint / 1000.0)";
        const std::string until = "to_timestamp($" + std::to_string(params.size()) + "::bigint / 1000.0)";
        if (k)
            sql += " UNION ALL ";
        if (s.width <= 0)
            sql += "SELECT " + std::to_string(k) + " AS seg, s.series, p.n, p.b FROM (SELECT DISTINCT series FROM "
                   "idem.metric_minute WHERE minute >= date_trunc('minute', " + from + ") AND minute < " + until +
                   ") s CROSS JOIN LATERAL (SELECT count(*) AS n, string_agg(timestamptz_send(at) || "
                   "float8send(value), ''::bytea) AS b FROM idem.metric_point WHERE series = s.series AND at >= " +
                   from + " AND at < " + until + ") p WHERE p.n > 0";
        else
            sql += "SELECT " + std::to_string(k) + " AS seg, series, count(*) AS n, string_agg(timestamptz_send(minute) "
                   "|| float8send(lo) || float8send(hi), ''::bytea) AS b FROM idem.metric_minute WHERE minute >= " +
                   from + " AND minute < " + until + " GROUP BY series";
    }
    sql += ") u ORDER BY seg, series";

    Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        loaded = {};
        // A short query compiled by the JIT costs more than it saves; the sort holds the day in memory.
        tx.exec0("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'");
        const pqxx::result rows = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
        pqxx::result::size_type next = 0;
        std::vector<MinuteRow> minutes;
        std::vector<RawRow> raw;
        for (qsizetype k = 0; k < segments.size(); ++k) {
            const HistorySegment &s = segments[k];
            qint64 left = maxRows - loaded.rows;
            if (left <= 0) {
                loaded.truncated = true;
                break;
            }
            qint64 taken = 0;
            for (; next < rows.size() && rows[next][0].as<qsizetype>() == k; ++next) {
                const auto &row = rows[next];
                const qint64 n = row[2].as<qint64>();
                const char *hex = row[3].c_str();
                QList<models::TimePoint> *list = nullptr;
                const auto take = [&](qint64 t, double v) {
                    if (!list)
                        list = &loaded.series[QString::fromUtf8(row[1].c_str())];
                    list->append({t, v});
                };
                if (s.width <= 0) {
                    raw.resize(size_t(n));
                    for (qint64 i = 0; i < n; ++i)
                        raw[size_t(i)] = {microsOf(hex + 32 * i), doubleOf(hex + 32 * i + 16)};
                    // In the index's order already; the sort is what the order is checked by.
                    if (!std::is_sorted(raw.begin(), raw.end(), [](auto &x, auto &y) { return x.us < y.us; }))
                        std::stable_sort(raw.begin(), raw.end(), [](auto &x, auto &y) { return x.us < y.us; });
                    for (const RawRow &r : raw) {
                        if (taken >= left) {
                            loaded.truncated = true;
                            break;
                        }
                        take(msOf(r.us), r.v);
                        ++taken;
                    }
                } else {
                    minutes.resize(size_t(n));
                    for (qint64 i = 0; i < n; ++i)
                        minutes[size_t(i)] = {microsOf(hex + 48 * i), doubleOf(hex + 48 * i + 16),
                                              doubleOf(hex + 48 * i + 32)};
                    if (!std::is_sorted(minutes.begin(), minutes.end(), [](auto &x, auto &y) { return x.us < y.us; }))
                        std::stable_sort(minutes.begin(), minutes.end(),
                                         [](auto &x, auto &y) { return x.us < y.us; });
                    // Buckets of at least a minute (a 10 s tier is loaded a minute at a time, then kept
                    // as its own points arrive), numbered as floor(epoch ms / width): min at the bucket's
                    // first minute, max at its last.
                    const qint64 bucketUs = std::max<qint64>(s.width, 60000) * 1000;
                    for (size_t i = 0; i < minutes.size();) {
                        const qint64 key = floorDiv(minutes[i].us, bucketUs);
                        double lo = minutes[i].lo, hi = minutes[i].hi;
                        size_t j = i + 1;
                        for (; j < minutes.size() && floorDiv(minutes[j].us, bucketUs) == key; ++j) {
                            lo = pgCompare(lo, minutes[j].lo) < 0 ? lo : minutes[j].lo;
                            hi = pgCompare(hi, minutes[j].hi) > 0 ? hi : minutes[j].hi;
                        }
                        if (taken >= left) {
                            loaded.truncated = true;
                            break;
                        }
                        const qint64 t = msOf(minutes[i].us);
                        const qint64 t2 = std::min(msOf(minutes[j - 1].us) + 59999, s.to - 1);
                        take(t, lo);
                        if (t2 > t)
                            list->append({t2, hi});
                        ++taken;
                        i = j;
                    }
                }
            }
            loaded.rows += taken;
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
