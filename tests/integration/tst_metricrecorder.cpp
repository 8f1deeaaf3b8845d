// Proves the shared history and its alerts in the ops database: of two
// recorders fed the same polls, exactly one writes each poll; when the
// holder's session is killed (pg_terminate_backend) or the holder is
// destroyed, the other takes over on its next poll and the history has no
// gap longer than two intervals and no point twice; the history loads back
// downsampled as a console keeps it (24 h) and as a 30-day chart reads it
// (bounded rows); alerts fire and resolve once per rule, and an
// acknowledgement records the person and their Idem role, refused without a
// comment and append-only.

#include "tests/support/opsdatabase.h"
#include "connectors/ops/metrichistory.h"
#include "connectors/ops/metricrecorder.h"
#include "connectors/ops/migrations.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"

#include <pqxx/pqxx>

#include <QtTest>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kInterval = 2000;

models::LagSnapshot snapshot(qint64 atMs, qint64 sourceHigh, qint64 dlqHigh)
{
    models::LagSnapshot s;
    s.cluster = QStringLiteral("main");
    s.takenAt = QDateTime::fromMSecsSinceEpoch(atMs, Qt::UTC);
    s.health.state = models::HealthState::Ok;
    using Role = models::TopicPartitionMarks::Role;
    s.topics = {{QStringLiteral("orders"), QStringLiteral("orders.events"), Role::Source, 0, 0, sourceHigh},
                {QStringLiteral("orders"), QStringLiteral("orders.dlq"), Role::DeadLetter, 0, 0, dlqHigh}};
    s.partitions = {{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0,
                     sourceHigh - 5, 0, sourceHigh}};
    return s;
}

} // namespace

class TestMetricRecorder : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LocalPostgres> m_pg;

    QString as(const QString &person) const { return testsupport::opsConnectionAs(*m_pg, person); }
    QString owner() const { return m_pg->connectionString(QStringLiteral("idem_ops")); }

    models::EnvironmentConfig environment(const QString &person) const
    {
        models::EnvironmentConfig env;
        env.name = QStringLiteral("test");
        env.ops = models::OpsDatabaseConfig{as(person), 30};
        models::FlowConfig flow;
        flow.name = QStringLiteral("orders");
        flow.cluster = QStringLiteral("main");
        flow.topics = {QStringLiteral("orders.events")};
        flow.groups = {{QStringLiteral("billing"), {}}};
        flow.deadLetterTopic = QStringLiteral("orders.dlq");
        flow.alerts.lagStatus = false;
        flow.alerts.risingWindowMs = 20000;
        flow.alerts.risingForMs = 6000;
        env.flows = {flow};
        return env;
    }

    QList<qint64> times(const QString &series)
    {
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        QList<qint64> out;
        for (const auto &row : tx.exec_params("SELECT (extract(epoch FROM at) * 1000)::bigint FROM idem.metric_point "
                                              "WHERE series = $1 ORDER BY at",
                                              series.toStdString()))
            out << row[0].as<qint64>();
        return out;
    }

    int holderPid()
    {
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        return tx.exec1("SELECT backend_pid FROM idem.lease_holder WHERE duty = 'recorder' AND alive")[0].as<int>();
    }

    bool backendGone(int pid)
    {
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        return tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)[0].as<int>() == 0;
    }

    void owner(const std::string &sql)
    {
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        tx.exec(sql);
        tx.commit();
    }

private slots:
    void initTestCase()
    {
        auto database = testsupport::startOpsDatabase({{"alice", "idem_operator"}, {"bob", "idem_approver"}, {"carol", "idem_viewer"}});
        QVERIFY2(database.ok(), qPrintable(database.error()));
        m_pg = std::move(database.value());
    }

    void oneWritesAndTheOtherTakesOverWithoutGap()
    {
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 60 * kInterval;
        auto a = std::make_unique<ops::HistoryRecorder>(environment("alice"), ops::RecorderOptions{"console A"});
        auto b = std::make_unique<ops::HistoryRecorder>(environment("carol"), ops::RecorderOptions{"console B"});
        int poll = 0;
        // Both get every poll; the order alternates, as two consoles race.
        auto pollBoth = [&](ops::HistoryRecorder *first, ops::HistoryRecorder *second) {
            const auto s = snapshot(t0 + poll * kInterval, 1000 + poll * 100, 10 + poll);
            ++poll;
            int holders = 0;
            for (ops::HistoryRecorder *r : {first, second}) {
                if (!r)
                    continue;
                const ops::RecordOutcome o = r->recordSnapshot(s, PollControl::within(10s));
                holders += o.held ? 1 : 0;
                if (o.held)
                    [&] { QVERIFY2(o.written > 0 && o.error.isEmpty(), qPrintable(o.error)); }();
            }
            return holders;
        };
        for (int i = 0; i < 5; ++i)
            QCOMPARE(pollBoth(i % 2 ? a.get() : b.get(), i % 2 ? b.get() : a.get()), 1);
        const bool aHeld = a->held();
        QVERIFY(aHeld != b->held());
        // The holder's session is killed: the other takes over on its next poll.
        const int pid = holderPid();
        owner("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
        // pg_terminate_backend only signals: the lock goes when the backend has exited.
        QTRY_VERIFY_WITH_TIMEOUT(backendGone(pid), 10000);
        ops::HistoryRecorder *was = aHeld ? a.get() : b.get();
        ops::HistoryRecorder *other = aHeld ? b.get() : a.get();
        // (The killed one reconnects at once on its next call; the other asks first here.)
        QCOMPARE(pollBoth(other, was), 1);
        QVERIFY(other->held());
        QVERIFY(!was->held());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(pollBoth(i % 2 ? was : other, i % 2 ? other : was), 1);
        QVERIFY(other->held());
        // The holder is destroyed (a console closed): the first takes over.
        if (other == a.get())
            a.reset();
        else
            b.reset();
        QCOMPARE(pollBoth(was, nullptr), 1);
        QVERIFY(was->held());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(pollBoth(was, nullptr), 1);

        const QList<qint64> at = times(QStringLiteral("flow/orders/lag"));
        QCOMPARE(at.size(), poll); // every poll exactly once: nobody wrote twice, no poll lost
        for (int i = 1; i < at.size(); ++i)
            QVERIFY2(at[i] - at[i - 1] <= 2 * kInterval, qPrintable(QStringLiteral("gap of %1 ms").arg(at[i] - at[i - 1])));
        QCOMPARE(at.first(), t0);
    }

    void nobodyElseWritesTheHistory()
    {
        // A session without the lease is refused by the database itself.
        try {
            pqxx::connection c(as("bob").toStdString());
            pqxx::work tx(c);
            tx.exec("INSERT INTO idem.metric_point VALUES ('flow/x/lag', now(), 1)");
            QFAIL("a write without the lease was accepted");
        } catch (const std::exception &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("does not hold the recorder lease"), e.what());
        }
        try {
            pqxx::connection c(as("bob").toStdString());
            pqxx::work tx(c);
            tx.exec("SELECT idem.metric_partitions(30)");
            QFAIL("partitions were managed without the lease");
        } catch (const std::exception &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("does not hold the recorder lease"), e.what());
        }
    }

    void historyLoadsBackBounded()
    {
        // A day of one series at 2 s, written by a lease holder.
        ops::OpsLease lease(as("alice"), ops::LeaseDuty::Recorder, "loader");
        auto held = lease.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(held.ok() && *held, qPrintable(held.error()));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<models::MetricPoint> points;
        for (qint64 t = now - 86400000; t <= now; t += kInterval)
            points.append({QStringLiteral("flow/day/lag"), t, double((t / kInterval) % 100)});
        Status wrote = lease.write(PollControl::within(60s), [&](pqxx::transaction_base &tx) {
            ops::maintainPartitions(tx, 30, now - 86400000);
            QCOMPARE(ops::insertPoints(tx, points), int(points.size()));
        });
        QVERIFY2(wrote.ok(), qPrintable(wrote.error()));
        postgres::PgSession viewer(as("carol"), {QStringLiteral("ops"), true, 10000});
        auto loaded = ops::loadRecentHistory(viewer, PollControl::within(30s), now, 86400000,
                                             models::SeriesResolution::day());
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        const auto &day = loaded->series.value(QStringLiteral("flow/day/lag"));
        // The last hour as it came (1 800 points), 10 s buckets to 6 h, minutes to a day: min and max of each.
        QVERIFY2(day.size() > 1800 && day.size() < 1801 + 2 * 1800 + 2 * 1080 + 10, qPrintable(QString::number(day.size())));
        for (int i = 1; i < day.size(); ++i)
            QVERIFY(day[i].t > day[i - 1].t);
        QCOMPARE(day.last().t, points.last().t);
        // Extremes survive the buckets.
        double lo = 1e9, hi = -1;
        for (const auto &p : day) {
            lo = std::min(lo, p.v);
            hi = std::max(hi, p.v);
        }
        QCOMPARE(lo, 0.0);
        QCOMPARE(hi, 99.0);
        // The console's history takes them before its live points.
        models::MetricHistory history(86400, models::SeriesResolution::day());
        history.append(QStringLiteral("flow/day/lag"), now + kInterval, 5);
        history.prependOlder(QStringLiteral("flow/day/lag"), day);
        QVERIFY(history.series(QStringLiteral("flow/day/lag"))->size() > 1800);
        QCOMPARE(history.series(QStringLiteral("flow/day/lag"))->last().t, now + kInterval);

        // A 30-day chart of 600 pixels reads at most two rows a bucket.
        auto range = ops::readRange(viewer, PollControl::within(30s), {QStringLiteral("flow/day/lag")},
                                    now - 30LL * 86400000, now, 600);
        QVERIFY2(range.ok(), qPrintable(range.error()));
        const auto &month = range->value(QStringLiteral("flow/day/lag"));
        QVERIFY2(month.size() > 20 && month.size() <= 2 * 601, qPrintable(QString::number(month.size())));
        QCOMPARE(std::max_element(month.begin(), month.end(), [](auto &x, auto &y) { return x.v < y.v; })->v, 99.0);
        (void)lease.release(PollControl::within(5s));
    }

    void alertsFireResolveAndAreAcknowledgedWithTheRole()
    {
        // Dead letters: none for a while, then 30 a minute, then none again.
        ops::HistoryRecorder recorder(environment("alice"), ops::RecorderOptions{"console A", 20s});
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 200 * kInterval;
        qint64 dlq = 0;
        int fired = 0, resolved = 0;
        for (int i = 0; i < 120; ++i) {
            if (i >= 40 && i < 70)
                dlq += 1; // one a poll: 30 a minute
            const ops::RecordOutcome o = recorder.recordSnapshot(snapshot(t0 + i * kInterval, 1000 + i * 100, dlq),
                                                                 PollControl::within(10s));
            QVERIFY2(o.held, qPrintable(o.error));
            fired += o.alerts.fired;
            resolved += o.alerts.resolved;
            if (i == 60)
                QCOMPARE(fired, 1);
        }
        QCOMPARE(fired, 1);
        QCOMPARE(resolved, 1);
        postgres::PgSession bob(as("bob"), {QStringLiteral("ops"), false, 10000});
        auto alerts = ops::readAlerts(bob, PollControl::within(10s), false);
        QVERIFY2(alerts.ok(), qPrintable(alerts.error()));
        QCOMPARE(alerts->size(), 1);
        const models::AlertRecord alert = alerts->first();
        QCOMPARE(alert.rule, QStringLiteral("rising"));
        QCOMPARE(alert.flow, QStringLiteral("orders"));
        QCOMPARE(alert.subject, QStringLiteral("dead_letters_per_minute"));
        QVERIFY(!alert.open());
        QVERIFY(alert.worst >= 20);
        QVERIFY2(alert.text.contains("dead letters per minute"), qPrintable(alert.text));

        Status refused = ops::acknowledgeAlert(bob, PollControl::within(10s), alert.id, QStringLiteral("  "));
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().contains("needs a comment"), qPrintable(refused.error()));
        QVERIFY(ops::acknowledgeAlert(bob, PollControl::within(10s), alert.id, QStringLiteral("billing's API was down")).ok());
        auto again = ops::readAlerts(bob, PollControl::within(10s), false);
        QVERIFY2(again.ok(), qPrintable(again.error()));
        QCOMPARE(again->first().acks.size(), 1);
        QCOMPARE(again->first().acks.first().by, QStringLiteral("bob"));
        QCOMPARE(again->first().acks.first().role, QStringLiteral("approver"));
        QCOMPARE(again->first().acks.first().comment, QStringLiteral("billing's API was down"));
        auto open = ops::readAlerts(bob, PollControl::within(10s), true);
        QVERIFY(open.ok() && open->isEmpty());
        try {
            owner("DELETE FROM idem.alert_ack");
            QFAIL("an acknowledgement was deleted");
        } catch (const std::exception &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("append-only"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestMetricRecorder)
#include "tst_metricrecorder.moc"
