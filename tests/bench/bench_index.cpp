// The event index's tailer: how many events a second it reads from the mock
// cluster and writes into PostgreSQL (COPY, positions in the same
// transaction), until every message of the topic is indexed.
//
//   build/tests/bench/bench_index [MESSAGES] [PARTITIONS]   (default 300 000 over 12)
//
// Budget: at least 20 000 events/s. Figures depend on the machine's load.

#include "connectors/ops/eventindex.h"
#include "connectors/ops/migrations.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "tests/bench/benchtopic.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <pqxx/pqxx>

#include <cstdio>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const qint64 messages = argc > 1 ? QByteArray(argv[1]).toLongLong() : 300'000;
    const int partitions = argc > 2 ? QByteArray(argv[2]).toInt() : 12;
    const QString topic = QStringLiteral("bench.index");
    auto kafka = bench::startBenchTopic(topic, messages, partitions);
    if (!kafka)
        return 1;
    auto pg = LocalPostgres::start();
    if (!pg) {
        std::printf("could not start PostgreSQL: %s\n", qPrintable(pg.error()));
        return 1;
    }
    const QString owner = pg.value()->connectionString(QStringLiteral("idem_ops"));
    {
        pqxx::connection c(pg.value()->connectionString().toStdString());
        pqxx::nontransaction tx(c);
        tx.exec0("CREATE DATABASE idem_ops");
        for (const char *role : {"idem_viewer", "idem_operator", "idem_approver"})
            tx.exec0(std::string("CREATE ROLE ") + role + " NOLOGIN");
    }
    postgres::PgSession session(owner, {QStringLiteral("ops"), false, 0});
    if (auto migrated = ops::applyMigrations(session, PollControl::within(120s)); !migrated) {
        std::printf("could not migrate: %s\n", qPrintable(migrated.error()));
        return 1;
    }
    models::EnvironmentConfig env;
    env.name = QStringLiteral("bench");
    env.clusters.append({QStringLiteral("local"), {{QStringLiteral("bootstrap.servers"), kafka->bootstrapServers()}}});
    models::FlowConfig flow;
    flow.name = QStringLiteral("bench");
    flow.cluster = QStringLiteral("local");
    flow.topics = {topic};
    env.flows.append(flow);
    env.ops = models::OpsDatabaseConfig{owner};

    ops::EventIndexTailer tailer(env, QStringLiteral("bench_index"));
    QElapsedTimer clock;
    clock.start();
    qint64 indexed = 0;
    int passes = 0;
    while (indexed < messages && clock.elapsed() < 600'000) {
        const ops::TailPass p = tailer.pass(PollControl::within(60s));
        if (!p.error.isEmpty())
            std::printf("pass: %s\n", qPrintable(p.error));
        indexed += p.indexed;
        ++passes;
    }
    const double seconds = clock.elapsed() / 1000.0;
    pqxx::connection c(owner.toStdString());
    pqxx::work tx(c);
    const qint64 rows = tx.exec1("SELECT count(*) FROM idem.event_index")[0].as<qint64>();
    std::printf("bench_index: %lld messages over %d partitions indexed in %.2f s (%d passes): %.0f events/s "
                "(budget >= 20000); rows in the index: %lld\n",
                static_cast<long long>(indexed), partitions, seconds, passes, indexed / seconds,
                static_cast<long long>(rows));
    return rows == messages ? 0 : 1;
}
