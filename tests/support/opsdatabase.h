#pragma once

// A throwaway ops database for tests: a real PostgreSQL server with database
// idem_ops, Idem's roles, people as login roles (password "pw-<name>") in
// those roles, and the shipped migrations applied as the owner.

#include "connectors/common/pollcontrol.h"
#include "connectors/ops/migrations.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"

#include <pqxx/pqxx>

#include <QList>
#include <QPair>
#include <QString>

#include <memory>

namespace idem::testsupport {

// `people`: name and the Idem role it belongs to (empty: none). `migrations`:
// those to apply (an older schema, to test an upgrade).
inline Result<std::unique_ptr<connectors::LocalPostgres>>
startOpsDatabase(const QList<QPair<QString, QString>> &people,
                 const QList<connectors::ops::Migration> &migrations = connectors::ops::shippedMigrations())
{
    using namespace std::chrono_literals;
    auto started = connectors::LocalPostgres::start();
    if (!started.ok())
        return makeError(started.error());
    std::unique_ptr<connectors::LocalPostgres> pg = std::move(started.value());
    try {
        pqxx::connection c(pg->connectionString().toStdString());
        pqxx::nontransaction tx(c);
        tx.exec0("CREATE DATABASE idem_ops");
        for (const char *role : {"idem_viewer", "idem_operator", "idem_approver"})
            tx.exec0(std::string("CREATE ROLE ") + role + " NOLOGIN");
        for (const auto &[person, role] : people)
            tx.exec0("CREATE ROLE " + person.toStdString() + " LOGIN PASSWORD 'pw-" + person.toStdString() + "'"
                     + (role.isEmpty() ? std::string() : " IN ROLE " + role.toStdString()));
    } catch (const std::exception &e) {
        return makeError(QString::fromUtf8(e.what()));
    }
    connectors::postgres::PgSession session(pg->connectionString(QStringLiteral("idem_ops")),
                                            {QStringLiteral("ops"), false, 0});
    auto migrated = connectors::ops::applyMigrations(session, connectors::PollControl::within(60s), migrations);
    if (!migrated.ok())
        return makeError(migrated.error());
    return pg;
}

// The ops database as `person` (password "pw-<person>").
inline QString opsConnectionAs(const connectors::LocalPostgres &pg, const QString &person)
{
    return QStringLiteral("host=127.0.0.1 port=%1 dbname=idem_ops user=%2 password=pw-%2").arg(pg.port()).arg(person);
}

// Runs `sql` in one transaction on `connection`: empty when it ran, else the
// server's error text (how the database refuses is what tests check).
inline QString execSql(const QString &connection, const std::string &sql)
{
    try {
        pqxx::connection c(connection.toStdString());
        pqxx::work tx(c);
        tx.exec(sql);
        tx.commit();
        return {};
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    }
}

} // namespace idem::testsupport
