#include "connectors/postgres/storeprobe.h"

#include <libpq-fe.h>

#include <QElapsedTimer>

#include <memory>

namespace idem::connectors::postgres {

namespace {

QString quoteValue(const QString &value)
{
    QString out = value;
    out.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    out.replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

struct PgConnDeleter
{
    void operator()(PGconn *conn) const { PQfinish(conn); }
};
struct PgResultDeleter
{
    void operator()(PGresult *result) const { PQclear(result); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

QString lastError(PGconn *conn)
{
    return QString::fromUtf8(PQerrorMessage(conn)).trimmed();
}

models::ConnectionHealth check(models::ConnectionHealth::Kind kind, const QString &name, const QString &connection,
                               bool readOnly, int statementTimeoutMs, const QStringList &tables)
{
    models::ConnectionHealth health;
    health.kind = kind;
    health.name = name;
    QElapsedTimer timer;
    timer.start();
    auto done = [&](models::HealthState state, const QString &detail) {
        health.state = state;
        health.detail = detail;
        health.checkedAt = QDateTime::currentDateTimeUtc();
        health.latencyMs = state == models::HealthState::Down ? -1 : timer.elapsed();
        return health;
    };
    auto conninfo = sessionConnectionString(connection, readOnly, statementTimeoutMs);
    if (!conninfo)
        return done(models::HealthState::Down, conninfo.error());
    PgConn conn(PQconnectdb(conninfo->toUtf8().constData()));
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return done(models::HealthState::Down, lastError(conn.get()));
    QStringList missing;
    for (const QString &table : tables) {
        // The table name is a bound parameter; to_regclass() resolves it without running it.
        const QByteArray name = table.toUtf8();
        const char *values[] = {name.constData()};
        PgResult result(PQexecParams(conn.get(), "SELECT to_regclass($1) IS NOT NULL", 1, nullptr, values,
                                     nullptr, nullptr, 0));
        if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
            return done(models::HealthState::Down, lastError(conn.get()));
        if (QByteArray(PQgetvalue(result.get(), 0, 0)) != "t")
            missing << table;
    }
    const QString version = QString::number(PQserverVersion(conn.get()) / 10000);
    if (!missing.isEmpty())
        return done(models::HealthState::Degraded,
                    QObject::tr("PostgreSQL %1 answers, but the mapped table(s) %2 do not exist; check the store's "
                                "registry/attempts mapping")
                        .arg(version, missing.join(QStringLiteral(", "))));
    return done(models::HealthState::Ok, QObject::tr("PostgreSQL %1, %2 ms").arg(version).arg(timer.elapsed()));
}

} // namespace

Result<QString> sessionConnectionString(const QString &connection, bool readOnly, int statementTimeoutMs,
                                        int connectTimeoutSeconds)
{
    QString error;
    const QString expanded = models::expandEnvironment(connection, &error);
    if (!error.isEmpty())
        return makeError(error);
    char *parseError = nullptr;
    PQconninfoOption *options = PQconninfoParse(expanded.toUtf8().constData(), &parseError);
    if (!options) {
        // libpq's message may quote the string; say only that it is malformed.
        const QString reason = parseError ? QString::fromUtf8(parseError).trimmed() : QStringLiteral("out of memory");
        PQfreemem(parseError);
        return makeError(QStringLiteral("the connection string is not valid: %1")
                             .arg(reason.contains(QStringLiteral("password")) ? QStringLiteral("syntax error") : reason));
    }
    QStringList parts;
    QString pgOptions;
    bool hasConnectTimeout = false;
    for (PQconninfoOption *o = options; o->keyword; ++o) {
        if (!o->val)
            continue;
        const QString keyword = QString::fromUtf8(o->keyword);
        const QString value = QString::fromUtf8(o->val);
        if (keyword == QLatin1String("options")) {
            pgOptions = value;
            continue;
        }
        hasConnectTimeout = hasConnectTimeout || keyword == QLatin1String("connect_timeout");
        parts << keyword + QLatin1Char('=') + quoteValue(value);
    }
    PQconninfoFree(options);
    if (!hasConnectTimeout)
        parts << QStringLiteral("connect_timeout=%1").arg(connectTimeoutSeconds);
    if (readOnly)
        pgOptions += QStringLiteral(" -c default_transaction_read_only=on");
    if (statementTimeoutMs > 0)
        pgOptions += QStringLiteral(" -c statement_timeout=%1").arg(statementTimeoutMs);
    parts << QStringLiteral("application_name='idem'");
    if (!pgOptions.trimmed().isEmpty())
        parts << QStringLiteral("options=") + quoteValue(pgOptions.trimmed());
    return parts.join(QLatin1Char(' '));
}

models::ConnectionHealth probeStore(const models::StoreConfig &store)
{
    return check(models::ConnectionHealth::Kind::Store, store.name, store.connection, true, store.statementTimeoutMs,
                 {store.registry.table, store.attempts.table});
}

models::ConnectionHealth probeOpsDatabase(const models::OpsDatabaseConfig &ops)
{
    return check(models::ConnectionHealth::Kind::OpsDatabase, QStringLiteral("ops database"), ops.connection, false,
                 5000, {});
}

} // namespace idem::connectors::postgres
