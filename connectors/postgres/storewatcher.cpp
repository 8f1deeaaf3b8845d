#include "connectors/postgres/storewatcher.h"

#include "connectors/postgres/pgconninfo.h"
#include "connectors/postgres/pgsession.h"

#include <pqxx/pqxx>

#include <QElapsedTimer>

#include <algorithm>

namespace idem::connectors::postgres {

struct StoreWatcher::Impl
{
    std::optional<models::StoreConfig> store; // empty: the ops database
    std::unique_ptr<PgSession> session;

    models::ConnectionHealth health() const
    {
        models::ConnectionHealth h;
        h.kind = store ? models::ConnectionHealth::Kind::Store : models::ConnectionHealth::Kind::OpsDatabase;
        h.name = store ? store->name : QStringLiteral("ops database");
        return h;
    }

    QString column(const models::TableMapping &mapping, const char *logical) const
    {
        return quoteIdentifier(mapping.column(QString::fromLatin1(logical)));
    }

    // The figures over `window`, read with the same table name the probe checked.
    models::StoreFigures readFigures(pqxx::transaction_base &tx, const QString &attempts, std::chrono::seconds window) const
    {
        const models::TableMapping &m = store->attempts;
        const std::string outcome = column(m, "outcome").toStdString();
        const std::string attempt = column(m, "attempt").toStdString();
        const std::string at = column(m, "at").toStdString();
        const std::string table = attempts.toStdString();
        const std::string duplicate = store->outcomeValue(QStringLiteral("duplicate_skipped")).toStdString();
        const pqxx::result rows = tx.exec_params("SELECT " + outcome + ", count(*), count(*) FILTER (WHERE " + attempt
                                                     + " > 1 AND " + outcome + " <> $2) FROM " + table + " WHERE " + at
                                                     + " > now() - make_interval(secs => $1) GROUP BY 1",
                                                 double(window.count()), duplicate);
        // A store younger than the window is measured over its own age, so
        // rates are not diluted.
        const pqxx::row span = tx.exec_params1("SELECT coalesce(extract(epoch FROM now() - min(" + at + ")), 0) FROM "
                                                   + table + " WHERE " + at + " > now() - make_interval(secs => $1)",
                                               double(window.count()));
        models::StoreFigures f;
        f.store = store->name;
        f.takenAt = QDateTime::currentDateTimeUtc();
        f.windowMs = std::clamp<qint64>(qint64(span[0].as<double>() * 1000), 1000, qint64(window.count()) * 1000);
        const auto is = [&](const QString &value, const char *logical) {
            return value == store->outcomeValue(QString::fromLatin1(logical));
        };
        for (const auto &row : rows) {
            const QString value = QString::fromStdString(row[0].as<std::string>(""));
            const qint64 count = row[1].as<qint64>();
            f.retried += row[2].as<qint64>();
            if (is(value, "processed"))
                f.processed += count;
            else if (is(value, "duplicate_skipped"))
                f.duplicatesSkipped += count;
            if (is(value, "dead_lettered"))
                f.deadLettered += count;
            if (is(value, "dead_lettered") || is(value, "retry_scheduled") || is(value, "failed"))
                f.failed += count;
        }
        return f;
    }
};

StoreWatcher::StoreWatcher(const models::StoreConfig &store) : d(std::make_unique<Impl>())
{
    d->store = store;
    PgSessionOptions options;
    options.label = QStringLiteral("store %1").arg(store.name);
    options.readOnly = true;
    options.statementTimeoutMs = store.statementTimeoutMs;
    d->session = std::make_unique<PgSession>(store.connection, options);
}

StoreWatcher::StoreWatcher(const models::OpsDatabaseConfig &ops) : d(std::make_unique<Impl>())
{
    PgSessionOptions options;
    options.label = QStringLiteral("the ops database");
    options.readOnly = false;
    options.statementTimeoutMs = 5000;
    d->session = std::make_unique<PgSession>(ops.connection, options);
}

StoreWatcher::~StoreWatcher() = default;

PgSession &StoreWatcher::session()
{
    return *d->session;
}

void StoreWatcher::cancel()
{
    d->session->cancel();
}

StoreWatcher::Reading StoreWatcher::poll(const PollControl &control, std::chrono::seconds window)
{
    Reading reading;
    models::ConnectionHealth &health = reading.health;
    health = d->health();
    QElapsedTimer timer;
    timer.start();
    auto done = [&](models::HealthState state, const QString &detail, qint64 latencyMs) {
        health.state = state;
        health.detail = detail;
        health.checkedAt = QDateTime::currentDateTimeUtc();
        health.latencyMs = state == models::HealthState::Down ? -1 : latencyMs;
        return reading;
    };
    // Down when no connection could be had (or it was lost); degraded when
    // the server answers but the query did not finish.
    auto failed = [&](const QString &error) {
        return done(d->session->isConnected() ? models::HealthState::Degraded : models::HealthState::Down, error,
                    timer.elapsed());
    };

    if (!d->store) {
        const Status status = d->session->run(control, [](pqxx::transaction_base &tx) { tx.exec1("SELECT 1"); });
        if (!status)
            return failed(status.error());
        return done(models::HealthState::Ok,
                    QStringLiteral("PostgreSQL %1, %2 ms").arg(d->session->serverVersion() / 10000).arg(timer.elapsed()),
                    timer.elapsed());
    }

    const models::StoreConfig &store = *d->store;
    const auto registry = parseTableName(store.registry.table);
    const auto attempts = parseTableName(store.attempts.table);
    const QString registryName = registry ? registry->quoted() : QString();
    const QString attemptsName = attempts ? attempts->quoted() : QString();
    bool registryThere = false;
    bool attemptsThere = false;
    const Status probed = d->session->run(control, [&](pqxx::transaction_base &tx) {
        const pqxx::row row = tx.exec_params1("SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
                                              registryName.toStdString(), attemptsName.toStdString());
        registryThere = registry && row[0].as<bool>();
        attemptsThere = attempts && row[1].as<bool>();
    });
    if (!probed)
        return failed(probed.error());
    const qint64 latency = timer.elapsed();
    const QString version = QString::number(d->session->serverVersion() / 10000);
    QStringList problems;
    auto check = [&](const Result<QualifiedName> &parsed, bool there) {
        if (!parsed)
            problems << parsed.error();
        else if (!there)
            problems << QStringLiteral("the table %1 does not exist (or is not visible to this user)")
                            .arg(parsed->quoted());
    };
    check(registry, registryThere);
    check(attempts, attemptsThere);
    if (!problems.isEmpty())
        return done(models::HealthState::Degraded,
                    QStringLiteral("PostgreSQL %1 answers, but %2; check the store's registry/attempts mapping")
                        .arg(version, problems.join(QStringLiteral("; "))),
                    latency);

    models::StoreFigures figures;
    const Status read = d->session->run(control, [&](pqxx::transaction_base &tx) {
        figures = d->readFigures(tx, attemptsName, window);
    });
    if (!read) {
        if (!d->session->isConnected())
            return failed(read.error());
        return done(models::HealthState::Degraded,
                    QStringLiteral("PostgreSQL %1 answers, but the figures cannot be read: %2").arg(version, read.error()),
                    latency);
    }
    reading.figures = figures;
    return done(models::HealthState::Ok, QStringLiteral("PostgreSQL %1, %2 ms").arg(version).arg(latency), latency);
}

} // namespace idem::connectors::postgres
