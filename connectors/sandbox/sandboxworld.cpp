#include "connectors/sandbox/sandboxworld.h"

#include "connectors/common/logging.h"
#include "connectors/common/randomsecret.h"
#include "connectors/config/configfile.h"
#include "connectors/kafka/mockkafka.h"
#include "connectors/ops/migrations.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/sandbox/consumerservice.h"
#include "connectors/sandbox/eventproducer.h"
#include "connectors/sandbox/worldstate.h"
#include "models/config/config.h"

#include <pqxx/pqxx>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

#include <cerrno>
#include <cstring>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace idem::connectors::sandbox {

using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

struct FlowLayout
{
    QString name;
    int sourcePartitions;
    int retryPartitions;
    int deadLetterPartitions;
};

// Dead-letter topics get several partitions: the mock cluster keeps at most
// 5 MiB per partition, and a working day of demo must keep its dead letters.
const FlowLayout kFlows[] = {
    {QStringLiteral("orders"), 6, 3, 4},
    {QStringLiteral("payments"), 3, 2, 2},
};

QStringList retryTopics(const QString &flow)
{
    return {flow + QStringLiteral(".retry.1"), flow + QStringLiteral(".retry.2"),
            flow + QStringLiteral(".retry.3")};
}

} // namespace

QString phaseName(SandboxWorld::Phase phase)
{
    switch (phase) {
    case SandboxWorld::Phase::Starting:
        return QStringLiteral("starting");
    case SandboxWorld::Phase::Running:
        return QStringLiteral("running");
    case SandboxWorld::Phase::Draining:
        return QStringLiteral("draining");
    case SandboxWorld::Phase::Still:
        return QStringLiteral("still");
    }
    return {};
}

struct SandboxWorld::Private
{
    SandboxOptions options;
    QString directory;
    bool ownsDirectory = false;
    std::unique_ptr<kafka::MockKafka> kafka;
    std::unique_ptr<LocalPostgres> postgres;
    WorldCounters counters;
    std::unique_ptr<FaultSchedule> faults;
    std::unique_ptr<EventProducer> producer;
    std::vector<std::unique_ptr<ConsumerService>> services;
    QMap<QString, QString> passwords; // login role -> password, kept in memory and the pgpass file
    Phase phase = Phase::Starting;
    int brokerDown = 0;
    Clock::time_point drainDeadline;
    int caughtUpTicks = 0;
    Clock::time_point lastStatus;

    QString path(const QString &name) const { return directory + QLatin1Char('/') + name; }
    Status prepareDirectory();
    Status createTopics();
    Status createDatabases();
    Status writePgpass();
    Status writeConfig();
    void writeStatus();
    QString readerConnection(const QString &database, const QString &user) const;
};

Status SandboxWorld::Private::prepareDirectory()
{
    if (options.directory.isEmpty()) {
        QByteArray templ = (QDir::tempPath() + QStringLiteral("/idem-sandbox-XXXXXX")).toLocal8Bit();
        if (!mkdtemp(templ.data()))
            return makeError(QStringLiteral("cannot create a temporary directory in %1: %2")
                                 .arg(QDir::tempPath(), QString::fromLocal8Bit(strerror(errno))));
        directory = QString::fromLocal8Bit(templ);
        ownsDirectory = true;
        // As root the database server runs as postgres, which must enter this directory.
        ::chmod(templ.constData(), 0711);
        return {};
    }
    directory = QFileInfo(options.directory).absoluteFilePath();
    if (!QDir().mkpath(directory))
        return makeError(QStringLiteral("cannot create the sandbox directory %1").arg(directory));
    QFile probe(path(QStringLiteral(".idem-write-test")));
    if (!probe.open(QIODevice::WriteOnly))
        return makeError(QStringLiteral("cannot write to the sandbox directory %1: %2")
                             .arg(directory, probe.errorString()));
    probe.close();
    probe.remove();
    return {};
}

Status SandboxWorld::Private::createTopics()
{
    QList<QPair<QString, int>> topics;
    for (const auto &flow : kFlows) {
        topics.append({flow.name + QStringLiteral(".events"), flow.sourcePartitions});
        topics.append({flow.name + QStringLiteral(".dlq"), flow.deadLetterPartitions});
        for (const QString &retry : retryTopics(flow.name))
            topics.append({retry, flow.retryPartitions});
    }
    return kafka->createTopics(topics, std::min(3, options.brokers));
}

Status SandboxWorld::Private::createDatabases()
{
    const QList<QPair<QString, QString>> people{{QStringLiteral("alice"), QStringLiteral("idem_operator")},
                                                {QStringLiteral("dave"), QStringLiteral("idem_operator")},
                                                {QStringLiteral("bob"), QStringLiteral("idem_approver")},
                                                {QStringLiteral("carol"), QStringLiteral("idem_viewer")}};
    try {
        pqxx::connection admin(postgres->connectionString().toStdString());
        pqxx::nontransaction tx(admin);
        passwords[QStringLiteral("idem_reader")] = randomSecret();
        // Utility statements take no bound parameters: the password is quoted as a literal.
        tx.exec0("CREATE ROLE idem_reader LOGIN PASSWORD " +
                 tx.quote(passwords[QStringLiteral("idem_reader")].toStdString()));
        tx.exec0("ALTER ROLE idem_reader SET default_transaction_read_only = on");
        for (const char *role : {"idem_viewer", "idem_operator", "idem_approver"})
            tx.exec0(std::string("CREATE ROLE ") + role + " NOLOGIN");
        for (const auto &[person, role] : people) {
            passwords[person] = randomSecret();
            tx.exec0("CREATE ROLE " + tx.quote_name(person.toStdString()) + " LOGIN PASSWORD " +
                     tx.quote(passwords[person].toStdString()) + " IN ROLE " + role.toStdString());
        }
        for (const auto &service : services) {
            const std::string db = tx.quote_name(service->spec().database.toStdString());
            tx.exec0("CREATE DATABASE " + db);
            tx.exec0("GRANT CONNECT ON DATABASE " + db + " TO idem_reader");
        }
        tx.exec0("CREATE DATABASE idem_ops");
        tx.exec0("GRANT CONNECT ON DATABASE idem_ops TO idem_viewer, idem_operator, idem_approver");
    } catch (const std::exception &e) {
        return makeError(QStringLiteral("cannot set up the sandbox's roles and databases: %1")
                             .arg(QString::fromUtf8(e.what())));
    }
    for (const auto &service : services) {
        try {
            pqxx::connection conn(postgres->connectionString(service->spec().database).toStdString());
            pqxx::work tx(conn);
            tx.exec0(service->spec().dialect.createTablesSql().toStdString());
            tx.exec0(ConsumerService::businessTablesSql(service->spec().kind).toStdString());
            tx.exec0("GRANT USAGE ON SCHEMA public TO idem_reader");
            tx.exec0("GRANT SELECT ON ALL TABLES IN SCHEMA public TO idem_reader");
            tx.commit();
        } catch (const std::exception &e) {
            return makeError(QStringLiteral("cannot create the tables of %1: %2")
                                 .arg(service->spec().database, QString::fromUtf8(e.what())));
        }
    }
    // The ops database's schema comes from the migrations shipped in resources/sql/.
    postgres::PgSessionOptions opsOptions;
    opsOptions.label = QStringLiteral("the ops database");
    opsOptions.statementTimeoutMs = 0;
    postgres::PgSession ops(postgres->connectionString(QStringLiteral("idem_ops")), opsOptions);
    if (auto migrated = ops::applyMigrations(ops, PollControl::within(std::chrono::seconds(60))); !migrated)
        return makeError(QStringLiteral("cannot apply the ops database migrations: %1").arg(migrated.error()));
    return {};
}

Status SandboxWorld::Private::writePgpass()
{
    QSaveFile file(path(QStringLiteral("pgpass")));
    if (!file.open(QIODevice::WriteOnly))
        return makeError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    for (auto it = passwords.cbegin(); it != passwords.cend(); ++it)
        file.write(QStringLiteral("127.0.0.1:%1:*:%2:%3\n").arg(postgres->port()).arg(it.key(), it.value()).toUtf8());
    if (!file.commit())
        return makeError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    return {};
}

QString SandboxWorld::Private::readerConnection(const QString &database, const QString &user) const
{
    return QStringLiteral("host=127.0.0.1 port=%1 dbname=%2 user=%3 passfile=%4")
        .arg(postgres->port())
        .arg(database, user, path(QStringLiteral("pgpass")));
}

Status SandboxWorld::Private::writeConfig()
{
    models::EnvironmentConfig env;
    env.name = QStringLiteral("sandbox");
    env.clusters.append({QStringLiteral("sandbox"),
                         {{QStringLiteral("bootstrap.servers"), kafka->bootstrapServers()}}});
    for (const auto &service : services) {
        const ServiceSpec &spec = service->spec();
        models::StoreConfig store;
        store.name = spec.database;
        store.connection = readerConnection(spec.database, QStringLiteral("idem_reader"));
        store.registry.table = spec.dialect.registryTable;
        store.attempts.table = spec.dialect.attemptsTable;
        for (auto it = spec.dialect.registryColumns.cbegin(); it != spec.dialect.registryColumns.cend(); ++it)
            store.registry.columns[it.key()] = it.value();
        for (auto it = spec.dialect.attemptColumns.cbegin(); it != spec.dialect.attemptColumns.cend(); ++it)
            store.attempts.columns[it.key()] = it.value();
        for (auto it = spec.dialect.outcomes.cbegin(); it != spec.dialect.outcomes.cend(); ++it)
            store.outcomeValues[it.key()] = it.value();
        env.stores.append(store);
    }
    for (const auto &layout : kFlows) {
        models::FlowConfig flow;
        flow.name = layout.name;
        flow.cluster = QStringLiteral("sandbox");
        flow.topics = {layout.name + QStringLiteral(".events")};
        flow.retryTopics = retryTopics(layout.name);
        flow.deadLetterTopic = layout.name + QStringLiteral(".dlq");
        for (const auto &service : services) {
            if (service->spec().flow == layout.name)
                flow.groups.append({service->spec().name, service->spec().database});
        }
        flow.envelope.preset = QStringLiteral("idem");
        if (layout.name == QLatin1String("payments")) {
            // The payments producer predates the headers: identity lives in the payload.
            flow.envelope.fields = {{QStringLiteral("event_id"), QStringLiteral("payload:/event_id")},
                                    {QStringLiteral("entity_key"), QStringLiteral("payload:/payment_id")},
                                    {QStringLiteral("event_type"), QStringLiteral("payload:/event_type")},
                                    {QStringLiteral("event_version"), QStringLiteral("payload:/event_version")}};
        }
        flow.deadLetterEnvelope.preset = QStringLiteral("idem");
        // What a demo's steady state stays under: the faults cross these lines.
        flow.thresholds = {{QStringLiteral("lag"), 500},
                           {QStringLiteral("lag_seconds"), 30},
                           {QStringLiteral("retry_share"), 0.1},
                           {QStringLiteral("errors_per_minute"), 5}};
        env.flows.append(flow);
    }
    env.ops = models::OpsDatabaseConfig{readerConnection(QStringLiteral("idem_ops"), QStringLiteral("alice"))};
    env.band = models::EnvironmentBand{QStringLiteral("SANDBOX · demo world"), QStringLiteral("#1b5e20")};
    models::Config config;
    config.environments.append(env);
    return saveConfig(config, path(QStringLiteral("idem.yaml")));
}

void SandboxWorld::Private::writeStatus()
{
    QJsonObject status{{QStringLiteral("phase"), phaseName(phase)},
                       {QStringLiteral("uptime_s"), faults ? faults->sinceStart().count() / 1000.0 : 0.0}};
    QSaveFile file(path(QStringLiteral("status.json")));
    if (file.open(QIODevice::WriteOnly)) {
        file.write(QJsonDocument(status).toJson(QJsonDocument::Compact));
        file.commit();
    }
}

SandboxWorld::SandboxWorld(SandboxOptions options)
    : d(new Private)
{
    d->options = std::move(options);
}

SandboxWorld::~SandboxWorld()
{
    stopServices();
    d->postgres.reset();
    d->kafka.reset();
    if (d->directory.isEmpty() || d->options.keep)
        return;
    if (d->ownsDirectory) {
        QDir(d->directory).removeRecursively();
    } else {
        for (const char *name : {"idem.yaml", "pgpass", "status.json"})
            QFile::remove(d->path(QString::fromLatin1(name)));
    }
}

Status SandboxWorld::start()
{
    auto log = logger("sandbox");
    if (auto prepared = d->prepareDirectory(); !prepared)
        return prepared;

    auto kafka = kafka::MockKafka::start(d->options.brokers);
    if (!kafka)
        return makeError(kafka.error());
    d->kafka = std::move(kafka.value());
    if (auto topics = d->createTopics(); !topics)
        return topics;

    LocalPostgresOptions pgOptions;
    pgOptions.baseDir = d->directory;
    pgOptions.keepDirectory = d->options.keep;
    auto postgres = LocalPostgres::start(pgOptions);
    if (!postgres)
        return makeError(postgres.error());
    d->postgres = std::move(postgres.value());

    d->faults = std::make_unique<FaultSchedule>(d->options);
    const struct
    {
        const char *name;
        ServiceKind kind;
        const char *flow;
        StoreDialect dialect;
    } services[] = {
        {"billing", ServiceKind::Billing, "orders", StoreDialect::conventional()},
        {"shipping", ServiceKind::Shipping, "orders", StoreDialect::inbox()},
        {"ledger", ServiceKind::Ledger, "payments", StoreDialect::conventional()},
    };
    for (const auto &s : services) {
        ServiceSpec spec;
        spec.name = QString::fromLatin1(s.name);
        spec.kind = s.kind;
        spec.flow = QString::fromLatin1(s.flow);
        spec.sourceTopic = spec.flow + QStringLiteral(".events");
        spec.retryTopics = retryTopics(spec.flow);
        spec.deadLetterTopic = spec.flow + QStringLiteral(".dlq");
        spec.dialect = s.dialect;
        spec.database = spec.name;
        spec.connection = d->postgres->connectionString(spec.database);
        d->counters.processed[spec.name] = 0;
        d->services.push_back(std::make_unique<ConsumerService>(spec, d->options, d->kafka->bootstrapServers(),
                                                                d->counters, *d->faults));
    }
    if (auto dbs = d->createDatabases(); !dbs)
        return dbs;
    if (auto pgpass = d->writePgpass(); !pgpass)
        return pgpass;
    if (auto config = d->writeConfig(); !config)
        return config;

    d->producer = std::make_unique<EventProducer>(d->options, d->kafka->bootstrapServers(), d->counters,
                                                  *d->faults);
    for (auto &service : d->services)
        service->start();
    d->producer->start();
    d->phase = Phase::Running;
    d->writeStatus();
    log->info("sandbox world running in {} (Kafka {}, PostgreSQL port {})", d->directory.toStdString(),
              d->kafka->bootstrapServers().toStdString(), d->postgres->port());
    return {};
}

QString SandboxWorld::directory() const
{
    return d->directory;
}

QString SandboxWorld::configPath() const
{
    return d->path(QStringLiteral("idem.yaml"));
}

QString SandboxWorld::pgpassPath() const
{
    return d->path(QStringLiteral("pgpass"));
}

QString SandboxWorld::bootstrapServers() const
{
    return d->kafka ? d->kafka->bootstrapServers() : QString();
}

QString SandboxWorld::adminConnection(const QString &database) const
{
    return d->postgres ? d->postgres->connectionString(database) : QString();
}

SandboxWorld::Phase SandboxWorld::phase() const
{
    return d->phase;
}

void SandboxWorld::tick()
{
    if (d->phase == Phase::Starting || d->phase == Phase::Still)
        return;
    auto log = logger("sandbox");
    const int down = d->faults->brokerDown();
    if (down != d->brokerDown) {
        if (d->brokerDown)
            (void)d->kafka->setBrokerUp(d->brokerDown);
        if (down)
            (void)d->kafka->setBrokerDown(down);
        if (down)
            log->info("fault: broker {} is down", down);
        else
            log->info("fault over: broker {} is up again", d->brokerDown);
        d->brokerDown = down;
    }
    if (d->phase == Phase::Running && d->options.duration && d->faults->sinceStart() >= *d->options.duration) {
        d->producer->stop();
        std::chrono::milliseconds delays{0};
        for (auto delay : d->options.retryDelays)
            delays += delay;
        d->drainDeadline = Clock::now() + delays * 2 + 30s;
        for (auto &service : d->services)
            service->setWatchCaughtUp(true);
        d->phase = Phase::Draining;
        log->info("--duration reached: production stopped, consumers finish what is in flight");
    }
    if (d->phase == Phase::Draining) {
        bool all = true;
        for (auto &service : d->services)
            all = all && service->caughtUp();
        d->caughtUpTicks = all ? d->caughtUpTicks + 1 : 0;
        if (d->caughtUpTicks >= 3 || Clock::now() > d->drainDeadline) {
            if (d->caughtUpTicks < 3)
                log->warn("consumers did not catch up before the drain deadline; stopping them anyway");
            stopServices();
            log->info("the world holds still; brokers and databases stay up until interrupted");
        }
    }
    if (Clock::now() - d->lastStatus > 1s) {
        d->writeStatus();
        d->lastStatus = Clock::now();
    }
}

void SandboxWorld::stopServices()
{
    if (d->producer)
        d->producer->stop();
    for (auto &service : d->services)
        service->stop();
    if (d->brokerDown && d->kafka) {
        (void)d->kafka->setBrokerUp(d->brokerDown);
        d->brokerDown = 0;
    }
    if (d->phase != Phase::Starting) {
        d->phase = Phase::Still;
        d->writeStatus();
    }
}

QJsonObject SandboxWorld::summary() const
{
    QJsonObject processed;
    for (const auto &[name, count] : d->counters.processed)
        processed.insert(name, count.load());
    return {{QStringLiteral("produced"), d->counters.produced.load()},
            {QStringLiteral("processed"), processed},
            {QStringLiteral("duplicates_skipped"), d->counters.duplicatesSkipped.load()},
            {QStringLiteral("retries"), d->counters.retries.load()},
            {QStringLiteral("dead_lettered"), d->counters.deadLettered.load()},
            {QStringLiteral("lost"), d->counters.lost.load()}};
}

} // namespace idem::connectors::sandbox
