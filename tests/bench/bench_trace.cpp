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

#include "connectors/kafka/kafkaproducer.h"
#include "connectors/kafka/mockkafka.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/trace/storetrace.h"
#include "connectors/trace/topictrace.h"

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
    auto kafka = kafka::MockKafka::start(3);
    if (!kafka) {
        std::fprintf(stderr, "%s\n", qPrintable(kafka.error()));
        return 1;
    }
    const QString bootstrap = (*kafka)->bootstrapServers();
    const QString topic = QStringLiteral("bench.events");
    if (auto created = (*kafka)->createTopic(topic, partitions); !created) {
        std::fprintf(stderr, "%s\n", qPrintable(created.error()));
        return 1;
    }
    const kafka::KafkaProperties properties{{QStringLiteral("bootstrap.servers"), bootstrap}};
    QElapsedTimer timer;
    timer.start();
    {
        auto producer = kafka::KafkaProducer::create(properties, {{QStringLiteral("linger.ms"), QStringLiteral("20")},
                                                                  {QStringLiteral("batch.num.messages"), QStringLiteral("10000")},
                                                                  {QStringLiteral("queue.buffering.max.messages"), QStringLiteral("500000")}});
        if (!producer) {
            std::fprintf(stderr, "%s\n", qPrintable(producer.error()));
            return 1;
        }
        const PollControl control = PollControl::within(10min);
        models::RawMessage m;
        m.topic = topic;
        for (qint64 i = 0; i < messages; ++i) {
            const QByteArray id = "ID-" + QByteArray::number(i);
            m.partition = int(i % partitions);
            m.key = QByteArray::number(i);
            m.value = "{\"event_id\":\"" + id + "\",\"n\":" + QByteArray::number(i) + "}";
            m.headers = {{"event_id", id}};
            if (auto sent = (*producer)->produce(m, control); !sent) {
                std::fprintf(stderr, "%s\n", qPrintable(sent.error()));
                return 1;
            }
            if (i % 10000 == 0) {
                (*producer)->serve();
                (*producer)->takeDeliveries();
            }
        }
        if (auto flushed = (*producer)->flush(control); !flushed) {
            std::fprintf(stderr, "%s\n", qPrintable(flushed.error()));
            return 1;
        }
    }
    std::printf("produced %lld messages over %d partitions in %lld ms\n", messages, partitions, timer.elapsed());

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

    const QString kcat = QStandardPaths::findExecutable(QStringLiteral("kcat"));
    if (kcat.isEmpty()) {
        std::printf("kcat: not installed, no comparison\n");
        return 0;
    }
    QProcess p;
    timer.restart();
    p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("'%1' -C -b '%2' -e -t '%3' -f '%h %k\\n' -q | grep ID-NOT-THERE; true")
                                                                   .arg(kcat, bootstrap, topic)});
    if (!p.waitForFinished(600000)) {
        std::printf("kcat: did not finish within 10 minutes\n");
        return 0;
    }
    const qint64 kcatMs = timer.elapsed();
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
            tx.exec0("CREATE TABLE processed_events (event_id text PRIMARY KEY, entity_key text, event_type text, "
                     "event_version int, status text NOT NULL, attempts int NOT NULL, first_seen_at timestamptz NOT NULL "
                     "DEFAULT now(), processed_at timestamptz, result text)");
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
