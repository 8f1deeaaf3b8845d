// Benchmark: trace's two costs, each beside a peer. Prints figures; no gates.
//
// scan    A bounded scan for an event_id over a topic of 1 000 000 small JSON
//         messages (event_id header and payload) spread over 24 partitions
//         of the mock cluster (it keeps about 5 MiB a partition), once for an
//         id that is not there (every message read) and once for one that
//         is; beside `kcat -C -e -t TOPIC -f '%h %k\n' | grep ID` on the same
//         topic in the same run.
// stores  The store side of a trace with the location known from the store
//         row: 3 stores of 10 000 000 registry rows (and as many attempts),
//         each looked up on its own thread with its own session, as trace
//         does; p50/p95/max over 200 random event_ids, beside psql running
//         the same registry query.
//
//   bench_trace [scan|stores|all] [--messages N] [--partitions P] [--rows N] [--lookups N]

#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/trace/storetrace.h"
#include "connectors/trace/topictrace.h"
#include "tests/bench/benchsupport.h"
#include "tests/bench/benchtopic.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>

#include <pqxx/pqxx>

#include <cstdio>
#include <thread>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

namespace {

int benchScan(qint64 messages, int partitions)
{
    const QString topic = QStringLiteral("bench.events");
    QElapsedTimer timer;
    timer.start();
    auto kafka = bench::startBenchTopic(topic, messages, partitions);
    if (!kafka)
        return 1;
    const QString bootstrap = kafka->bootstrapServers();

    models::KafkaClusterConfig cluster{QStringLiteral("bench"), {{QStringLiteral("bootstrap.servers"), bootstrap}}};
    models::FlowConfig flow;
    flow.name = QStringLiteral("bench");
    flow.cluster = cluster.name;
    flow.topics = {topic};
    trace::TopicTraceOptions options;
    options.messageBudget = messages * 2;
    if (const qint64 chunk = qEnvironmentVariableIntValue("BENCH_TRACE_CHUNK"); chunk > 0)
        options.chunk = chunk;
    auto quiet = [](const QString &, models::TraceStep::State, const QString &, int) {};
    qint64 missMs = 0;
    for (const QByteArray &id : QByteArrayList{QByteArray("ID-NOT-THERE"), QByteArray("ID-") + QByteArray::number(messages / 2)}) {
        timer.restart();
        const trace::TopicTrace found = trace::traceTopics(cluster, {flow}, {QString::fromUtf8(id), {}, {}, {}}, options,
                                                           PollControl::within(10min), quiet);
        const qint64 ms = timer.elapsed();
        if (id == "ID-NOT-THERE")
            missMs = ms;
        std::printf("trace scan for %s: %lld messages read in %lld ms (%.0f msg/s), %lld copies found, %lld ranges not read%s\n",
                    id.constData(), found.messagesScanned, ms, found.messagesScanned * 1000.0 / std::max<qint64>(1, ms),
                    qint64(found.hops.size()), qint64(found.notScanned.size()),
                    found.error.isEmpty() ? "" : qPrintable(QStringLiteral("; error: ") + found.error));
    }

    const qint64 kcatMs = bench::timeKcat(bootstrap, topic, {}, QStringLiteral("grep ID-NOT-THERE; true"), nullptr);
    if (kcatMs < 0)
        return 0;
    std::printf("kcat -C -e -f '%%h %%k\\n' | grep ID: %lld ms\n", kcatMs);
    std::printf("ratio kcat/trace scan time: %.2f (trace %.2f× as fast)\n", double(kcatMs) / double(std::max<qint64>(1, missMs)),
                double(kcatMs) / double(std::max<qint64>(1, missMs)));
    return 0;
}

int benchStores(qint64 rows, int lookups)
{
    auto pg = LocalPostgres::start();
    if (!pg) {
        std::fprintf(stderr, "%s\n", qPrintable(pg.error()));
        return 1;
    }
    QElapsedTimer timer;
    timer.start();
    try {
        pqxx::connection admin((*pg)->connectionString().toStdString());
        pqxx::nontransaction(admin).exec0("CREATE DATABASE store1");
        {
            pqxx::connection c((*pg)->connectionString(QStringLiteral("store1")).toStdString());
            pqxx::nontransaction tx(c);
            tx.exec0(bench::kRegistryTableSql);
            tx.exec0("ALTER TABLE processed_events ADD PRIMARY KEY (event_id)");
            tx.exec0("CREATE TABLE processing_attempts (event_id text NOT NULL, attempt int NOT NULL, outcome text NOT NULL, "
                     "error text, at timestamptz NOT NULL DEFAULT now())");
            tx.exec0("INSERT INTO processed_events SELECT 'evt-' || i, 'order-' || (i / 5), 'order.t' || (i % 5), 1, "
                     "'processed', 1, now(), now(), 'ok' FROM generate_series(1, " + std::to_string(rows) + ") i");
            tx.exec0("INSERT INTO processing_attempts SELECT 'evt-' || i, 1, 'processed', NULL, now() FROM generate_series(1, "
                     + std::to_string(rows) + ") i");
            tx.exec0("CREATE INDEX ON processing_attempts (event_id)");
            tx.exec0("CREATE INDEX ON processed_events (entity_key, event_type)");
            tx.exec0("VACUUM ANALYZE");
        }
        // The other two stores: copies made by PostgreSQL from the first.
        pqxx::nontransaction(admin).exec0("CREATE DATABASE store2 TEMPLATE store1");
        pqxx::nontransaction(admin).exec0("CREATE DATABASE store3 TEMPLATE store1");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "setting up the stores: %s\n", e.what());
        return 1;
    }
    std::printf("3 stores of %lld registry rows and %lld attempts made in %lld ms\n", rows, rows, timer.elapsed());

    QList<models::StoreConfig> stores;
    std::vector<std::unique_ptr<postgres::PgSession>> sessions;
    for (int s = 1; s <= 3; ++s) {
        models::StoreConfig store;
        store.name = QStringLiteral("store%1").arg(s);
        store.connection = (*pg)->connectionString(store.name);
        stores.append(store);
        sessions.push_back(trace::openStoreSession(store));
    }
    QList<qint64> times;
    int found = 0;
    for (int i = 0; i < lookups + 5; ++i) {
        const QString id = QStringLiteral("evt-%1").arg(QRandomGenerator::global()->bounded(rows) + 1);
        QElapsedTimer one;
        one.start();
        std::vector<std::thread> threads;
        std::atomic_int rowsFound{0};
        for (int s = 0; s < 3; ++s) {
            threads.emplace_back([&, s] {
                const trace::StoreTrace t = trace::traceStore(*sessions[size_t(s)], stores[s], stores[s].name, id,
                                                              PollControl::within(5s));
                rowsFound += t.record.hasRow ? 1 : 0;
            });
        }
        for (auto &t : threads)
            t.join();
        if (i >= 5) { // the first ones open the sessions
            times.append(one.elapsed());
            found += rowsFound;
        }
    }
    std::sort(times.begin(), times.end());
    auto at = [&](double q) { return times[std::min<qsizetype>(times.size() - 1, qsizetype(q * times.size()))]; };
    std::printf("store side of a trace (registry row, attempts, logical duplicates; 3 stores in parallel): "
                "p50 %lld ms, p95 %lld ms, max %lld ms over %lld lookups; %d of %lld rows found\n",
                at(0.5), at(0.95), times.last(), qint64(times.size()), found, qint64(times.size()) * 3);

    // The plans of the two statements a store lookup runs, for one id.
    try {
        pqxx::connection c((*pg)->connectionString(QStringLiteral("store1")).toStdString());
        pqxx::work tx(c);
        const std::string id = "evt-" + std::to_string(rows / 2);
        for (const std::string &sql :
             {std::string("EXPLAIN (ANALYZE, BUFFERS, TIMING) SELECT (SELECT to_jsonb(r)::text FROM processed_events r "
                          "WHERE event_id = $1 LIMIT 1), (SELECT json_agg(a.j)::text FROM (SELECT to_jsonb(a) AS j FROM "
                          "processing_attempts a WHERE event_id = $1 LIMIT 500) a), set_config('statement_timeout', '1500', true)"),
              std::string("EXPLAIN (ANALYZE, BUFFERS, TIMING) SELECT to_jsonb(r)::text FROM processed_events r WHERE "
                          "entity_key = (SELECT entity_key FROM processed_events WHERE event_id = $1) AND event_type = "
                          "(SELECT event_type FROM processed_events WHERE event_id = $1) AND event_id <> $1 LIMIT 20")}) {
            std::printf("--\n");
            for (const auto &line : tx.exec_params(sql, id))
                std::printf("%s\n", line[0].c_str());
        }
    } catch (const std::exception &e) {
        std::printf("EXPLAIN: %s\n", e.what());
    }

    const QString psql = (*pg)->binDirectory() + QStringLiteral("/psql");
    QProcess p;
    p.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    timer.restart();
    for (int i = 0; i < 20; ++i) {
        p.start(psql, {(*pg)->connectionString(QStringLiteral("store1")), QStringLiteral("-Atqc"),
                       QStringLiteral("SELECT to_jsonb(r) FROM processed_events r WHERE event_id = 'evt-%1'").arg(i * 997 + 1)});
        p.waitForFinished(30000);
    }
    std::printf("psql, one process per lookup, the registry query alone: %.1f ms each\n", timer.elapsed() / 20.0);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("what"), QStringLiteral("scan, stores or all (default all)"));
    parser.addOption({QStringLiteral("messages"), QStringLiteral("Messages to scan."), QStringLiteral("N"), QStringLiteral("1000000")});
    parser.addOption({QStringLiteral("partitions"), QStringLiteral("Partitions of the topic."), QStringLiteral("P"), QStringLiteral("24")});
    parser.addOption({QStringLiteral("rows"), QStringLiteral("Registry rows per store."), QStringLiteral("N"), QStringLiteral("10000000")});
    parser.addOption({QStringLiteral("lookups"), QStringLiteral("Store lookups to time."), QStringLiteral("N"), QStringLiteral("200")});
    parser.process(app);
    const QString what = parser.positionalArguments().value(0, QStringLiteral("all"));
    const qint64 messages = parser.value(QStringLiteral("messages")).toLongLong();
    const int partitions = parser.value(QStringLiteral("partitions")).toInt();
    const qint64 rows = parser.value(QStringLiteral("rows")).toLongLong();
    const int lookups = parser.value(QStringLiteral("lookups")).toInt();
    if (messages <= 0 || partitions <= 0 || rows <= 0 || lookups <= 0) {
        std::fprintf(stderr, "--messages, --partitions, --rows and --lookups must be positive numbers\n");
        return 2;
    }
    int rc = 0;
    if (what == QLatin1String("scan") || what == QLatin1String("all"))
        rc |= benchScan(messages, partitions);
    if (what == QLatin1String("stores") || what == QLatin1String("all"))
        rc |= benchStores(rows, lookups);
    return rc;
}
