// Benchmark: reconcile a window of 1 000 000 source events (bench topic:
// event_id header and payload, 24 partitions of the mock cluster) against 3
// stores of 10 000 000 registry rows each (the window's events, a few
// deleted, a few extra, the rest older filler; made with generate_series,
// the two others copied as templates), with three groups committed to the
// end, in a console-like setting: the Reconcile page, offscreen, on the
// reconcile service. Prints the end-to-end time (Run to the report shown),
// the process's resident memory before and at its peak while it runs (the
// mock cluster lives in this process: its share is in "before"), the
// longest stall of the UI thread's event loop, and the counts found against
// those made. No gates.
//
//   bench_reconcile [--messages N] [--partitions P] [--rows N] [--runs N]

#include "connectors/kafka/rdkafkahandles.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/reconcile/reconcileservice.h"
#include "tests/bench/benchsupport.h"
#include "tests/bench/benchtopic.h"
#include "ui/pages/reconcilepage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTimer>

#include <librdkafka/rdkafka.h>
#include <pqxx/pqxx>

#include <cstdio>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

namespace {

// Commits `group` at the end of every partition (the group has consumed everything).
bool commitAtEnd(const QString &bootstrap, const QString &group, const QString &topic, qint64 messages, int partitions)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.toUtf8().constData(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group.toUtf8().constData(), err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        return false;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p)
        rd_kafka_topic_partition_list_add(list, topic.toUtf8().constData(), p)->offset
            = messages / partitions + (p < messages % partitions ? 1 : 0);
    const rd_kafka_resp_err_t e = rd_kafka_commit(rk, list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_destroy(rk);
    return e == RD_KAFKA_RESP_ERR_NO_ERROR;
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("messages"), QStringLiteral("Source events in the window."), QStringLiteral("N"), QStringLiteral("1000000")});
    parser.addOption({QStringLiteral("partitions"), QStringLiteral("Partitions of the topic."), QStringLiteral("P"), QStringLiteral("24")});
    parser.addOption({QStringLiteral("rows"), QStringLiteral("Registry rows per store."), QStringLiteral("N"), QStringLiteral("10000000")});
    parser.addOption({QStringLiteral("runs"), QStringLiteral("Reconciles to time."), QStringLiteral("N"), QStringLiteral("2")});
    parser.process(app);
    const qint64 messages = parser.value(QStringLiteral("messages")).toLongLong();
    const int partitions = parser.value(QStringLiteral("partitions")).toInt();
    const qint64 rows = parser.value(QStringLiteral("rows")).toLongLong();
    const int runs = parser.value(QStringLiteral("runs")).toInt();
    if (messages <= 0 || partitions <= 0 || rows < messages || runs <= 0) {
        std::fprintf(stderr, "--messages, --partitions, --runs must be positive and --rows at least --messages\n");
        return 2;
    }
    const qint64 deleted = std::max<qint64>(1, messages / 100000); // every 100 000th event: missing
    const int extras = 5;

    const QString topic = QStringLiteral("bench.events");
    const QDateTime from = QDateTime::currentDateTimeUtc().addSecs(-1);
    QElapsedTimer timer;
    timer.start();
    auto kafka = bench::startBenchTopic(topic, messages, partitions);
    if (!kafka)
        return 1;
    const QString bootstrap = kafka->bootstrapServers();
    const QStringList groups{QStringLiteral("billing"), QStringLiteral("shipping"), QStringLiteral("ledger")};
    for (const QString &g : groups) {
        if (!commitAtEnd(bootstrap, g, topic, messages, partitions)) {
            std::fprintf(stderr, "could not commit offsets of %s\n", qPrintable(g));
            return 1;
        }
    }
    std::printf("topic of %lld messages over %d partitions made in %lld ms\n", messages, partitions, timer.elapsed());

    auto pg = LocalPostgres::start();
    if (!pg) {
        std::fprintf(stderr, "%s\n", qPrintable(pg.error()));
        return 1;
    }
    timer.restart();
    try {
        pqxx::connection admin((*pg)->connectionString().toStdString());
        pqxx::nontransaction(admin).exec0("CREATE DATABASE store1");
        {
        pqxx::connection c((*pg)->connectionString(QStringLiteral("store1")).toStdString());
        pqxx::nontransaction tx(c);
        tx.exec0(bench::kRegistryTableSql);
        const std::string n = std::to_string(messages);
        // The window's events (every 100 000th left out: missing), then older rows, then rows no event explains.
        tx.exec0("INSERT INTO processed_events SELECT 'ID-' || i, 'order-' || (i / 5), 'order.t' || (i % 5), 1, "
                 "'processed', 1, now(), now(), 'ok' FROM generate_series(0, " + n + " - 1) i WHERE i % 100000 <> 7");
        tx.exec0("INSERT INTO processed_events SELECT 'old-' || i, 'order-old-' || i, 'order.t1', 1, 'processed', 1, "
                 "now() - interval '2 days', now() - interval '2 days', 'ok' FROM generate_series(1, "
                 + std::to_string(rows - messages) + ") i");
        tx.exec0("INSERT INTO processed_events SELECT 'elsewhere-' || i, 'order-x' || i, 'order.t1', 1, 'processed', 1, "
                 "now(), now(), 'ok' FROM generate_series(1, " + std::to_string(extras) + ") i");
        tx.exec0("ALTER TABLE processed_events ADD PRIMARY KEY (event_id)");
        tx.exec0("CREATE INDEX ON processed_events (first_seen_at)");
        tx.exec0("VACUUM ANALYZE processed_events");
        }
        pqxx::nontransaction(admin).exec0("CREATE DATABASE store2 TEMPLATE store1");
        pqxx::nontransaction(admin).exec0("CREATE DATABASE store3 TEMPLATE store1");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "setting up the stores: %s\n", e.what());
        return 1;
    }
    std::printf("3 stores of %lld registry rows made in %lld ms\n", rows + extras, timer.elapsed());
    if (qEnvironmentVariableIsSet("BENCH_EXPLAIN")) {
        pqxx::connection c((*pg)->connectionString(QStringLiteral("store1")).toStdString());
        pqxx::work tx(c);
        tx.exec0("SET LOCAL enable_seqscan = off");
        std::string ids = "{";
        for (int i = 0; i < 20000; ++i)
            ids += (i ? ",\"ID-" : "\"ID-") + std::to_string(i * 3) + "\"";
        ids += "}";
        for (const auto &row : tx.exec_params("EXPLAIN ANALYZE SELECT event_id, status, entity_key, event_type FROM processed_events "
                                              "WHERE event_id = ANY($1::text[])", ids))
            std::printf("  %s\n", row[0].c_str());
    }

    models::EnvironmentConfig env;
    env.name = QStringLiteral("bench");
    env.clusters.append({QStringLiteral("bench"), {{QStringLiteral("bootstrap.servers"), bootstrap}}});
    models::FlowConfig flow;
    flow.name = QStringLiteral("bench");
    flow.cluster = QStringLiteral("bench");
    flow.topics = {topic};
    for (int s = 0; s < 3; ++s) {
        models::StoreConfig store;
        store.name = QStringLiteral("store%1").arg(s + 1);
        store.connection = (*pg)->connectionString(store.name);
        store.statementTimeoutMs = 60000;
        env.stores.append(store);
        flow.groups.append({groups[s], store.name});
    }
    env.flows.append(flow);
    const QDateTime to = QDateTime::currentDateTimeUtc().addSecs(1);

    reconcile::ReconcileService service(env);
    ui::ReconcilePage page;
    page.resize(1400, 900);
    page.setSource(&service);
    page.show();
    page.selectFlow(flow.name);
    page.setWindow(from, to);

    // The UI thread's event loop: a 5 ms ticker measures the longest gap, and samples memory.
    QElapsedTimer sinceTick;
    qint64 longest = 0;
    qint64 longestAt = 0; // ms after Run when the longest stall ended
    double peak = 0;
    QTimer ticker;
    ticker.setInterval(5);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        if (sinceTick.elapsed() > longest) {
            longest = sinceTick.elapsed();
            longestAt = timer.elapsed();
        }
        sinceTick.restart();
        peak = std::max(peak, bench::residentMiB());
    });
    for (int run = 0; run < runs; ++run) {
        const double before = bench::residentMiB();
        peak = before;
        longest = 0;
        longestAt = 0;
        bool done = false;
        models::ReconcileReport report;
        auto connection = QObject::connect(&service, &models::ReconcileSource::finished, [&](quint64, const models::ReconcileReport &r) {
            report = r;
            QTimer::singleShot(0, [&] { done = true; }); // once the page has shown it
        });
        timer.restart();
        sinceTick.start();
        ticker.start();
        if (!page.run()) {
            std::fprintf(stderr, "not run: %s\n", qPrintable(page.statusText()));
            return 1;
        }
        while (!done)
            app.processEvents(QEventLoop::WaitForMoreEvents, 50);
        const qint64 ms = timer.elapsed();
        ticker.stop();
        QObject::disconnect(connection);
        if (!report.error.isEmpty()) {
            std::fprintf(stderr, "reconcile failed: %s\n", qPrintable(report.error));
            return 1;
        }
        std::printf("run %d: %lld messages, %lld event_ids reconciled against 3 stores in %lld ms (%.0f events/s); "
                    "resident memory %.0f MiB before, %.0f MiB at the peak (+%.0f MiB); longest UI stall %lld ms "
                    "(ending %lld ms after Run)\n",
                    run + 1, report.messages, report.sourceEvents, ms, report.sourceEvents * 1000.0 / std::max<qint64>(1, ms),
                    before, peak, peak - before, longest, longestAt);
        for (const models::GroupReconcile &g : report.groups)
            std::printf("  %s: missing %lld (made %lld), extra %lld (made %d), processed %lld, logical duplicates %lld\n",
                        qPrintable(g.group), g.of(models::ReconcileClass::Missing).count, deleted,
                        g.of(models::ReconcileClass::Extra).count, extras, g.of(models::ReconcileClass::Processed).count,
                        g.of(models::ReconcileClass::LogicalDuplicate).count);
    }
    return 0;
}
