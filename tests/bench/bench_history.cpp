// The shared history's budgets, on a throwaway PostgreSQL:
//   open: 24 h of 80 series at one point every 2 s (3.5 million rows) loaded
//         as the console loads it (downsampled in SQL to its thinning tiers),
//         merged into the charts' history and 4 charts x 20 series drawn:
//         budget under 1 s;
//   range: 30 days of one series (1.3 million rows) read as min/max per
//         bucket for an 800-pixel chart: budget under 500 ms;
//   write: the recorder's write per poll for the sandbox's flows (2 flows,
//         3 groups): budget under 5 ms.
// The same reads by psql are printed beside ours. Prints figures; run on demand.

#include "connectors/ops/metrichistory.h"
#include "connectors/ops/metricrecorder.h"
#include "connectors/ops/migrations.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "ui/charts/metricchart.h"

#include <pqxx/pqxx>
#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QGridLayout>

#include <algorithm>
#include <cstdio>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    auto started = LocalPostgres::start();
    if (!started) {
        std::fprintf(stderr, "%s\n", qPrintable(started.error()));
        return 1;
    }
    auto pg = std::move(started.value());
    {
        pqxx::connection c(pg->connectionString().toStdString());
        pqxx::nontransaction tx(c);
        tx.exec0("CREATE DATABASE idem_ops");
        for (const char *role : {"idem_viewer", "idem_operator", "idem_approver"})
            tx.exec0(std::string("CREATE ROLE ") + role + " NOLOGIN");
    }
    const QString ops = pg->connectionString(QStringLiteral("idem_ops"));
    postgres::PgSession owner(ops, {QStringLiteral("ops"), false, 0});
    if (auto m = ops::applyMigrations(owner, PollControl::within(60s)); !m) {
        std::fprintf(stderr, "%s\n", qPrintable(m.error()));
        return 1;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    ops::OpsLease lease(ops, ops::LeaseDuty::Recorder, QStringLiteral("bench"), 0);
    (void)lease.acquireOrRenew(PollControl::within(10s));
    QElapsedTimer fill;
    fill.start();
    Status filled = lease.write(PollControl::within(600s), [&](pqxx::transaction_base &tx) {
        ops::maintainPartitions(tx, 40, now - 31LL * 86400000);
        tx.exec_params("INSERT INTO idem.metric_point SELECT 'c' || (s / 20) || '/s' || (s % 20), "
                       "to_timestamp($1::bigint / 1000.0) - i * interval '2 s', 100 + 50 * sin(i / 300.0 + s) "
                       "FROM generate_series(0, 79) s, generate_series(0, 43199) i",
                       now);
        tx.exec_params("INSERT INTO idem.metric_point SELECT 'month', to_timestamp($1::bigint / 1000.0) - i * interval '2 s', "
                       "(i % 1000)::float8 FROM generate_series(0, 30 * 43200 - 1) i",
                       now);
        // The minutes' extremes, as the recorder's writes keep them.
        tx.exec("INSERT INTO idem.metric_minute SELECT series, date_trunc('minute', at), min(value), max(value) "
                "FROM idem.metric_point GROUP BY 1, 2");
    });
    if (!filled.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(filled.error()));
        return 1;
    }
    {
        pqxx::connection c(ops.toStdString());
        pqxx::nontransaction tx(c);
        tx.exec0("VACUUM ANALYZE idem.metric_point");
        tx.exec0("VACUUM ANALYZE idem.metric_minute");
    }
    std::printf("history: 80 series x 24 h + 1 series x 30 days at 2 s (%.1f million rows) written in %lld ms\n",
                (80.0 * 43200 + 30 * 43200) / 1e6, fill.elapsed());

    // Open: load, merge, draw.
    postgres::PgSession reader(ops, {QStringLiteral("ops"), true, 0});
    QElapsedTimer open;
    open.start();
    auto loaded = ops::loadRecentHistory(reader, PollControl::within(60s), QDateTime::currentMSecsSinceEpoch(), 86400000,
                                         models::SeriesResolution::day());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", qPrintable(loaded.error()));
        return 1;
    }
    const qint64 readMs = open.elapsed();
    models::MetricHistory history(43200 * 11 / 10, models::SeriesResolution::day());
    for (auto it = loaded->series.cbegin(); it != loaded->series.cend(); ++it)
        history.prependOlder(it.key(), it.value());
    const qint64 mergedMs = open.elapsed();
    QWidget window;
    auto *grid = new QGridLayout(&window);
    QList<ui::MetricChart *> charts;
    for (int c = 0; c < 4; ++c) {
        auto *chart = new ui::MetricChart(QStringLiteral("chart %1").arg(c), QStringLiteral("messages"), &window);
        chart->setHistory(&history);
        QList<ui::MetricChart::Series> s;
        for (int k = 0; k < 20; ++k)
            s.append({QStringLiteral("c%1/s%2").arg(c).arg(k), QStringLiteral("series %1").arg(k)});
        chart->setSeries(s);
        chart->setRangeMs(86400000);
        grid->addWidget(chart, c / 2, c % 2);
        charts << chart;
    }
    window.resize(1600, 900);
    window.show();
    QCoreApplication::processEvents();
    for (auto *chart : charts) {
        chart->replotIfDirty();
        chart->plot()->replot(QCustomPlot::rpImmediateRefresh);
    }
    const qint64 drawnMs = open.elapsed();
    std::printf("open with 24 h of 80 series: %lld rows read in %lld ms, merged by %lld ms, 4 charts drawn by %lld ms "
                "(budget 1000 ms)\n",
                loaded->rows, readMs, mergedMs, drawnMs);

    // 30 days of one chart.
    QList<double> ranges;
    qint64 rows = 0;
    for (int run = 0; run < 5; ++run) {
        QElapsedTimer t;
        t.start();
        auto month = ops::readRange(reader, PollControl::within(60s), {QStringLiteral("month")}, now - 30LL * 86400000,
                                    now, 800);
        ranges << t.nsecsElapsed() / 1e6;
        rows = month ? month->value(QStringLiteral("month")).size() : -1;
    }
    std::sort(ranges.begin(), ranges.end());
    std::printf("30-day range of one series (1.3 million rows) for 800 pixels: %lld points, median %.1f ms, max %.1f ms "
                "(budget 500 ms)\n",
                rows, ranges[ranges.size() / 2], ranges.last());
    (void)lease.release(PollControl::within(5s));

    // The recorder's writes per poll, for the sandbox's two flows and three groups.
    models::EnvironmentConfig env;
    env.name = QStringLiteral("bench");
    env.ops = models::OpsDatabaseConfig{ops, 30};
    for (const QString &flowName : {QStringLiteral("orders"), QStringLiteral("payments")}) {
        models::FlowConfig flow;
        flow.name = flowName;
        flow.cluster = QStringLiteral("main");
        flow.topics = {flowName + QStringLiteral(".events")};
        flow.groups = {{QStringLiteral("billing"), QStringLiteral("billing")}, {QStringLiteral("shipping"), {}}};
        flow.deadLetterTopic = flowName + QStringLiteral(".dlq");
        flow.thresholds = {{QStringLiteral("lag"), 1000}};
        env.flows << flow;
    }
    ops::HistoryRecorder recorder(env, ops::RecorderOptions{QStringLiteral("bench recorder")});
    QList<double> writes;
    int points = 0;
    for (int i = 0; i < 200; ++i) {
        models::LagSnapshot s;
        s.cluster = QStringLiteral("main");
        s.takenAt = QDateTime::fromMSecsSinceEpoch(now + i * 2000, Qt::UTC);
        s.health.state = models::HealthState::Ok;
        using Role = models::TopicPartitionMarks::Role;
        for (const auto &flow : env.flows) {
            for (int p = 0; p < 3; ++p) {
                s.topics.append({flow.name, flow.topics.first(), Role::Source, p, 0, 1000 + i * 50});
                s.topics.append({flow.name, flow.deadLetterTopic, Role::DeadLetter, p, 0, i / 10});
                for (const auto &g : flow.groups)
                    s.partitions.append({flow.name, g.name, flow.topics.first(), p, 1000 + i * 50 - 7, 0, 1000 + i * 50});
            }
        }
        const ops::RecordOutcome o = recorder.recordSnapshot(s, PollControl::within(10s));
        if (!o.held) {
            std::fprintf(stderr, "the recorder did not hold the lease: %s\n", qPrintable(o.error));
            return 1;
        }
        if (i >= 10) // past the first writes (partitions checked, baselines read)
            writes << o.writeUs / 1000.0;
        points = o.written;
        models::StoreFigures f;
        f.store = QStringLiteral("billing");
        f.takenAt = s.takenAt;
        f.windowMs = 300000;
        const ops::RecordOutcome so = recorder.recordStore(f, PollControl::within(10s));
        if (i >= 10)
            writes.last() += so.writeUs / 1000.0;
    }
    std::sort(writes.begin(), writes.end());
    std::printf("recorder's writes per poll (2 flows, 3 groups, %d + 3 points, alerts evaluated and recorded): "
                "median %.2f ms, p95 %.2f ms, max %.2f ms (budget 5 ms)\n",
                points, writes[writes.size() / 2], writes[writes.size() * 95 / 100], writes.last());
    return 0;
}
