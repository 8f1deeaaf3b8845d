// Proves that the history's one-statement paths give exactly what 0004's
// statements gave: migration 0005 upgrades a database written at 0004 and
// the recorder goes on writing it; the same polls written by idem.record_poll
// and by 0004's statements leave the same points, minutes' extremes and
// alerts (fired, worst raised, resolved, with the same counts); and the
// console's day loads the same points from both readers, for the day's
// tiers and for other bucket widths, cut by the row limit at the same place.

#include "connectors/ops/metrichistory.h"
#include "connectors/ops/migrations.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"
#include "tests/support/opsdatabase.h"

#include <pqxx/pqxx>

#include <QtTest>

#include <cmath>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

// 0004's statements, as they were on main before 0005 (the reference the new paths must match).
namespace idem::connectors::ops::before {

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

Result<LoadedHistory> loadRecentHistory(postgres::PgSession &session, const PollControl &control, qint64 nowMs,
                                        qint64 spanMs, const models::SeriesResolution &resolution, qint64 maxRows)
{
    LoadedHistory loaded;
    // (The spans, unchanged, from the shared helper.)
    const QList<HistorySegment> segments = historySegments(nowMs, spanMs, resolution);
    Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        loaded = {};
        for (const HistorySegment &s : segments) {
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

} // namespace idem::connectors::ops::before

namespace {

// The series names the array literals must carry intact.
const QStringList kOddNames = {QStringLiteral("flow/a \"quoted\"/lag"), QStringLiteral("flow/b\\back,slash/lag"),
                               QStringLiteral("flow/{braces} é/lag"), QStringLiteral("NULL")};

// A poll's points for series `names` at `t`, with awkward values.
QList<models::MetricPoint> pollPoints(const QString &prefix, const QStringList &names, qint64 t, int i)
{
    static const double odd[] = {0.1, -0.0, 5e-324, 1e300, -123456.789, 1.0 / 3, 42, 0};
    QList<models::MetricPoint> points;
    for (qsizetype k = 0; k < names.size(); ++k)
        points.append({prefix + names[k], t + k, odd[(i + k) % 8] * (i % 5 + 1)});
    points.append({prefix + QStringLiteral("flow/nan/lag"), t, qQNaN()});      // skipped
    points.append({prefix + QStringLiteral("flow/inf/lag"), t, qInf()});       // skipped
    return points;
}

struct Row
{
    QString key;
    QString value;
    bool operator==(const Row &) const = default;
};

char *toString(const Row &row)
{
    return QTest::toString(row.key + QStringLiteral(": ") + row.value);
}

} // namespace

class TestHistoryPaths : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LocalPostgres> m_pg;
    qint64 m_now = 0;

    QString owner() const { return m_pg->connectionString(QStringLiteral("idem_ops")); }
    QString alice() const { return testsupport::opsConnectionAs(*m_pg, QStringLiteral("alice")); }

    // Rows of `sql` as "first column" -> "the others", each with `prefix` cut from its first column.
    QList<Row> rows(const std::string &sql, const QString &prefix)
    {
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        QList<Row> out;
        for (const auto &r : tx.exec_params(sql, prefix.toStdString())) {
            QString rest;
            for (int i = 1; i < int(r.size()); ++i)
                rest += (r[i].is_null() ? QStringLiteral("NULL") : postgres::textOf(r[i])) + QLatin1Char('|');
            out.append({postgres::textOf(r[0]).mid(prefix.size()), rest});
        }
        return out;
    }

    QList<Row> points(const QString &prefix)
    {
        return rows("SELECT series, at::text, value::text FROM idem.metric_point WHERE starts_with(series, $1) "
                    "ORDER BY series COLLATE \"C\", at, value",
                    prefix);
    }
    QList<Row> minutes(const QString &prefix)
    {
        return rows("SELECT series, minute::text, lo::text, hi::text FROM idem.metric_minute "
                    "WHERE starts_with(series, $1) ORDER BY series COLLATE \"C\", minute",
                    prefix);
    }
    QList<Row> alerts(const QString &prefix)
    {
        return rows("SELECT flow, rule, subject, severity, worst::text, text, resolved_at IS NULL FROM idem.alert "
                    "WHERE starts_with(flow, $1) ORDER BY flow COLLATE \"C\", rule, subject, id",
                    prefix);
    }

    // Writes with `write` as the lease holder, in one transaction.
    void asHolder(const std::function<void(pqxx::transaction_base &)> &write)
    {
        ops::OpsLease lease(alice(), ops::LeaseDuty::Recorder, QStringLiteral("paths"));
        auto held = lease.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(held.ok() && *held, qPrintable(held.error()));
        const Status wrote = lease.write(PollControl::within(60s), write);
        QVERIFY2(wrote.ok(), qPrintable(wrote.error()));
    }

    // A day of series at 10 s (and one at 2 s with a hole), written through `insert`.
    void writeDay(const QString &prefix, const std::function<int(pqxx::transaction_base &, const QList<models::MetricPoint> &)> &insert)
    {
        QList<models::MetricPoint> points;
        for (qint64 t = m_now - 86400000 - 600000; t <= m_now; t += 10000) {
            const int i = int((t / 10000) % 1000);
            points.append({prefix + QStringLiteral("flow/day/lag"), t + i % 7, std::sin(i / 30.0) * 100});
            points.append({prefix + kOddNames[i % kOddNames.size()], t, double(i % 13) - 6.5});
            if (t > m_now - 3 * 3600000 && t < m_now - 2 * 3600000)
                continue; // a stopped poller
            points.append({prefix + QStringLiteral("flow/fast/lag"), t, double(i)});
            points.append({prefix + QStringLiteral("flow/fast/lag"), t + 2001, double(i) + 0.5});
        }
        asHolder([&](pqxx::transaction_base &tx) {
            ops::maintainPartitions(tx, 30, m_now - 3 * 86400000LL);
            QCOMPARE(insert(tx, points), int(points.size()));
            // Times Idem does not write but a reader must take as the old one did: half
            // milliseconds (rounded away from zero), and minutes that are not whole.
            tx.exec_params("INSERT INTO idem.metric_point SELECT $1 || 'flow/micro/lag', "
                           "to_timestamp($2::bigint / 1000.0) - i * interval '7 s' - (i % 3) * interval '500 microseconds', "
                           "i FROM generate_series(0, 12000) i",
                           prefix.toStdString(), m_now);
            tx.exec_params("INSERT INTO idem.metric_minute SELECT series, date_trunc('minute', at), min(value), "
                           "max(value) FROM idem.metric_point WHERE series = $1 || 'flow/micro/lag' GROUP BY 1, 2",
                           prefix.toStdString());
            tx.exec_params("INSERT INTO idem.metric_minute SELECT $1 || 'flow/odd minutes/lag', "
                           "date_trunc('minute', to_timestamp($2::bigint / 1000.0)) - i * interval '1 minute' "
                           "+ (i % 3) * interval '29.9995 s', i % 17, i % 17 + 1 FROM generate_series(61, 1400) i",
                           prefix.toStdString(), m_now);
        });
    }

    void compareLoads(const QString &why, qint64 nowMs, const models::SeriesResolution &resolution, qint64 maxRows)
    {
        postgres::PgSession viewer(alice(), {QStringLiteral("ops"), true, 30000});
        auto fast = ops::loadRecentHistory(viewer, PollControl::within(60s), nowMs, 86400000, resolution, maxRows);
        auto slow = ops::before::loadRecentHistory(viewer, PollControl::within(60s), nowMs, 86400000, resolution, maxRows);
        QVERIFY2(fast.ok(), qPrintable(fast.error()));
        QVERIFY2(slow.ok(), qPrintable(slow.error()));
        QVERIFY2(fast->rows == slow->rows, qPrintable(QStringLiteral("%1: %2 rows, before %3").arg(why).arg(fast->rows).arg(slow->rows)));
        QVERIFY2(fast->truncated == slow->truncated, qPrintable(why));
        QCOMPARE(QSet<QString>(fast->series.keyBegin(), fast->series.keyEnd()),
                 QSet<QString>(slow->series.keyBegin(), slow->series.keyEnd()));
        for (auto it = slow->series.cbegin(); it != slow->series.cend(); ++it) {
            const QList<models::TimePoint> &mine = fast->series[it.key()];
            QVERIFY2(mine.size() == it->size(), qPrintable(QStringLiteral("%1, %2: %3 points, before %4")
                                                               .arg(why, it.key()).arg(mine.size()).arg(it->size())));
            for (qsizetype i = 0; i < mine.size(); ++i) {
                const auto &a = mine[i];
                const auto &b = (*it)[i];
                QVERIFY2(a.t == b.t && std::memcmp(&a.v, &b.v, sizeof a.v) == 0,
                         qPrintable(QStringLiteral("%1, %2 point %3: %4 %5, before %6 %7")
                                        .arg(why, it.key()).arg(i).arg(a.t).arg(a.v).arg(b.t).arg(b.v)));
            }
        }
    }

private slots:
    void initTestCase()
    {
        // A database as 0004 left it.
        QList<ops::Migration> upTo4;
        for (const auto &m : ops::shippedMigrations())
            if (m.version <= 4)
                upTo4 << m;
        QCOMPARE(upTo4.size(), 4);
        auto database = testsupport::startOpsDatabase({{QStringLiteral("alice"), QStringLiteral("idem_operator")}}, upTo4);
        QVERIFY2(database.ok(), qPrintable(database.error()));
        m_pg = std::move(database.value());
        m_now = QDateTime::currentMSecsSinceEpoch();
    }

    void upgradesA0004DatabaseAndGoesOnWritingIt()
    {
        // History and an open alert written by 0004's statements.
        writeDay(QStringLiteral("old/"), ops::before::insertPoints);
        const models::AlertVerdict open{QStringLiteral("rising"), QStringLiteral("orders"),
                                        QStringLiteral("dead_letters_per_minute"), QStringLiteral("warning"), true, 12,
                                        QStringLiteral("dead letters rising")};
        asHolder([&](pqxx::transaction_base &tx) { QCOMPARE(ops::before::recordVerdicts(tx, {open}).fired, 1); });
        QVERIFY(testsupport::execSql(owner(), "SELECT idem.record_poll('{}', '{}', '{}')").contains("does not exist"));

        postgres::PgSession session(owner(), {QStringLiteral("ops"), false, 0});
        auto upgraded = ops::applyMigrations(session, PollControl::within(60s));
        QVERIFY2(upgraded.ok(), qPrintable(upgraded.error()));
        QCOMPARE(upgraded->appliedCount(), 1);
        QCOMPARE(upgraded->migrations.last().name, QStringLiteral("0005_history_poll_writes.sql"));
        auto again = ops::applyMigrations(session, PollControl::within(60s));
        QVERIFY2(again.ok() && again->appliedCount() == 0, qPrintable(again.error()));

        // The recorder's poll resolves the alert 0004 opened, and adds its points to the same day.
        asHolder([&](pqxx::transaction_base &tx) {
            models::AlertVerdict calm = open;
            calm.active = false;
            const QList<models::AlertVerdict> verdicts{calm};
            const ops::PollWrite wrote = ops::recordPoll(
                tx, {{QStringLiteral("old/flow/day/lag"), m_now + 1000, 7.5}}, &verdicts);
            QVERIFY(wrote.held);
            QCOMPARE(wrote.written, 1);
            QCOMPARE(wrote.alerts.fired, 0);
            QCOMPARE(wrote.alerts.resolved, 1);
        });
        QCOMPARE(alerts(QString()).size(), 1);
        QVERIFY(alerts(QString()).first().value.endsWith(QStringLiteral("|f|")));
        compareLoads(QStringLiteral("upgraded"), m_now + 1000, models::SeriesResolution::day(), 2'000'000);
        postgres::PgSession viewer(alice(), {QStringLiteral("ops"), true, 30000});
        auto loaded = ops::loadRecentHistory(viewer, PollControl::within(60s), m_now + 1000, 86400000,
                                             models::SeriesResolution::day());
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        QCOMPARE(loaded->series.value(QStringLiteral("old/flow/day/lag")).last(), (models::TimePoint{m_now + 1000, 7.5}));
    }

    void aPollWritesWhatItsStatementsWrote()
    {
        // The same polls and verdicts, through 0004's statements (flows "old-…") and idem.record_poll ("new-…").
        const auto verdict = [](const QString &flow, const QString &subject, bool active, double value,
                                const QString &text = QStringLiteral("text")) {
            return models::AlertVerdict{QStringLiteral("rising"), flow, subject, QStringLiteral("warning"), active,
                                        value, text};
        };
        const QString longText = QString(1500, QChar(0x00e9)) + QStringLiteral("\"\\{}");
        using Step = QList<std::tuple<QString, QString, bool, double, QString>>; // subject, flow, active, value, text
        const QList<Step> steps{
            {{"a", "f1", true, 5, "t1"}, {"b", "f1", false, 1, "t"}, {"c \"q\" \\ {x},y", "f1", true, qQNaN(), "nan"}},
            {{"a", "f1", true, 7, "raised"}, {"c \"q\" \\ {x},y", "f1", true, 3, "from 0"}, {"d", "f1", true, qInf(), "inf"},
             {"b", "f1", true, 1, "b fires"}},
            {{"a", "f1", true, 6, "lower"}, {"a", "f1", true, 9, "twice"}, {"c \"q\" \\ {x},y", "f1", false, 0, ""},
             {"d", "f1", true, -1, longText}},
            {{"a", "f1", false, 0, ""}, {"b", "f1", false, 0, ""}, {"e", "f1", true, 4, "e"}, {"e", "f1", false, 0, ""}},
            {{"e", "f1", true, 2, "over null"}, {"f", "f1", true, 8, "f"}},
            {{"f", "f1", true, -5, "over nan"}, {"d", "f1", true, 0.5, "d"}},
        };
        for (const QString &side : {QStringLiteral("old-"), QStringLiteral("new-")}) {
            QList<ops::AlertChanges> changes;
            for (qsizetype i = 0; i < steps.size(); ++i) {
                QList<models::AlertVerdict> verdicts;
                for (const auto &[subject, flow, active, value, text] : steps[i])
                    verdicts << verdict(side + flow, subject, active, value, text);
                const QList<models::MetricPoint> points = pollPoints(side, kOddNames, m_now - 120000 + i * 29000, int(i));
                asHolder([&](pqxx::transaction_base &tx) {
                    if (i == 4) // worst unknown (NULL) and NaN: any finite value raises them
                        tx.exec_params("UPDATE idem.alert SET worst = NULL WHERE flow = $1 AND subject = 'e'",
                                       QString(side + QStringLiteral("f1")).toStdString());
                    if (i == 5)
                        tx.exec_params("UPDATE idem.alert SET worst = 'NaN' WHERE flow = $1 AND subject = 'f'",
                                       QString(side + QStringLiteral("f1")).toStdString());
                    if (side.startsWith(QLatin1String("old"))) {
                        QCOMPARE(ops::before::insertPoints(tx, points), int(points.size()) - 2);
                        changes << ops::before::recordVerdicts(tx, verdicts);
                    } else {
                        const ops::PollWrite wrote = ops::recordPoll(tx, points, &verdicts);
                        QVERIFY(wrote.held);
                        QCOMPARE(wrote.written, int(points.size()) - 2);
                        changes << wrote.alerts;
                    }
                });
            }
            if (side.startsWith(QLatin1String("old"))) {
                m_changes = changes;
            } else {
                QCOMPARE(changes.size(), m_changes.size());
                for (qsizetype i = 0; i < changes.size(); ++i) {
                    QVERIFY2(changes[i].fired == m_changes[i].fired && changes[i].resolved == m_changes[i].resolved,
                             qPrintable(QStringLiteral("step %1: fired %2 resolved %3, before %4 %5")
                                            .arg(i).arg(changes[i].fired).arg(changes[i].resolved)
                                            .arg(m_changes[i].fired).arg(m_changes[i].resolved)));
                }
            }
        }
        QCOMPARE(points(QStringLiteral("new-")), points(QStringLiteral("old-")));
        QVERIFY(points(QStringLiteral("new-")).size() >= 6 * kOddNames.size());
        QCOMPARE(minutes(QStringLiteral("new-")), minutes(QStringLiteral("old-")));
        QCOMPARE(alerts(QStringLiteral("new-")), alerts(QStringLiteral("old-")));
        QCOMPARE(alerts(QStringLiteral("new-")).size(), 6);
        // Only the lease's holder writes: without it nothing is, and the caller is told.
        pqxx::connection c(alice().toStdString());
        pqxx::work tx(c);
        const ops::PollWrite refused = ops::recordPoll(tx, pollPoints(QStringLiteral("x-"), kOddNames, m_now, 0), nullptr);
        QVERIFY(!refused.held);
        QCOMPARE(refused.written, 0);
        QVERIFY_THROWS_EXCEPTION(std::exception, ops::insertPoints(tx, pollPoints(QStringLiteral("x-"), kOddNames, m_now, 0)));
        tx.abort();
        // Through the lease, the loss is reported as write() reports it, and held() turns false.
        ops::OpsLease lease(alice(), ops::LeaseDuty::Recorder, QStringLiteral("not holding"));
        const Status lost = lease.writeSelfChecked(PollControl::within(10s), [&](pqxx::transaction_base &t) {
            return ops::recordPoll(t, pollPoints(QStringLiteral("x-"), kOddNames, m_now, 0), nullptr).held;
        });
        QVERIFY(!lost.ok());
        QVERIFY2(lost.error().contains(QStringLiteral("no longer holds the recorder lease: nothing written")),
                 qPrintable(lost.error()));
        QVERIFY(!lease.held());
        QCOMPARE(points(QStringLiteral("x-")).size(), 0);
    }

    void theDayLoadsAsItsStatementsLoadedIt_data()
    {
        QTest::addColumn<QList<models::SeriesResolution::Tier>>("tiers");
        QTest::addColumn<qint64>("maxRows");
        using T = QList<models::SeriesResolution::Tier>;
        const T day = models::SeriesResolution::day().tiers;
        QTest::newRow("day") << day << qint64(2'000'000);
        for (const qint64 cut : {3000, 13100, 15000, 18000, 19000})
            QTest::addRow("day, cut at %lld rows", cut) << day << cut;
        QTest::newRow("day, one row") << day << qint64(1);
        QTest::newRow("90 s and 7 min buckets") << T{{1800000, 90000}, {5 * 3600000, 420000}} << qint64(2'000'000);
        QTest::newRow("an hour's buckets, cut") << T{{600000, 3600000}} << qint64(100);
        QTest::newRow("all as it came") << T{} << qint64(2'000'000);
    }

    void theDayLoadsAsItsStatementsLoadedIt()
    {
        QFETCH(QList<models::SeriesResolution::Tier>, tiers);
        QFETCH(qint64, maxRows);
        static bool written = false;
        if (!written) {
            writeDay(QStringLiteral("new/"), ops::insertPoints);
            written = true;
        }
        models::SeriesResolution resolution;
        resolution.tiers = tiers;
        compareLoads(QString::fromLatin1(QTest::currentDataTag()), m_now + 1000, resolution, maxRows);
        compareLoads(QString::fromLatin1(QTest::currentDataTag()) + QStringLiteral(" (an odd now)"), m_now - 4321987,
                     resolution, maxRows);
    }

private:
    QList<ops::AlertChanges> m_changes;
};

QTEST_GUILESS_MAIN(TestHistoryPaths)
#include "tst_historypaths.moc"
