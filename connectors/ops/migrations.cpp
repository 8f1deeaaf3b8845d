#include "connectors/ops/migrations.h"

#include "connectors/common/logging.h"
#include "connectors/postgres/pgsession.h"

#include <QCryptographicHash>
#include <QHash>

#include <pqxx/pqxx>

namespace idem::connectors::ops {

namespace {

// pg_advisory_xact_lock(kLockClass, kMigrationsLock): one migrator at a time.
constexpr int kLockClass = 20511;
constexpr int kMigrationsLock = 0;

constexpr const char *kBootstrap =
    "CREATE SCHEMA IF NOT EXISTS idem;"
    "CREATE TABLE IF NOT EXISTS idem.schema_version ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " sha256 text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now(),"
    " applied_by name NOT NULL DEFAULT session_user)";

struct Applied
{
    QString name;
    QString sha256;
    QString appliedAt;
    QString appliedBy;
};

QHash<int, Applied> readApplied(pqxx::transaction_base &tx)
{
    QHash<int, Applied> applied;
    for (const auto &row : tx.exec("SELECT version, name, sha256, applied_at::text, applied_by::text "
                                   "FROM idem.schema_version ORDER BY version")) {
        applied.insert(row[0].as<int>(), Applied{QString::fromStdString(row[1].as<std::string>()),
                                                 QString::fromStdString(row[2].as<std::string>()),
                                                 QString::fromStdString(row[3].as<std::string>()),
                                                 QString::fromStdString(row[4].as<std::string>())});
    }
    return applied;
}

// Why `m` may not be applied over what the database recorded; empty when it matches.
QString mismatch(const Migration &m, const Applied &a)
{
    if (a.sha256 != m.sha256() || a.name != m.name)
        return QStringLiteral("migration %1 was applied as %2 (sha256 %3, on %4 by %5) but this build ships %6 "
                              "(sha256 %7): landed migrations are never edited; restore the file and put the "
                              "change in a new one")
            .arg(m.version)
            .arg(a.name, a.sha256, a.appliedAt, a.appliedBy, m.name, m.sha256());
    return {};
}

} // namespace

QString Migration::sha256() const
{
    return QString::fromLatin1(QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex());
}

int MigrationReport::appliedCount() const
{
    int n = 0;
    for (const auto &m : migrations)
        n += m.applied ? 1 : 0;
    return n;
}

Result<MigrationReport> applyMigrations(postgres::PgSession &session, const PollControl &control,
                                        const QList<Migration> &migrations)
{
    MigrationReport report;
    QHash<int, Applied> applied;
    auto status = session.run(control, [&](pqxx::transaction_base &tx) {
        tx.exec_params("SELECT pg_advisory_xact_lock($1, $2)", kLockClass, kMigrationsLock);
        tx.exec0(kBootstrap);
        applied = readApplied(tx);
    });
    if (!status)
        return makeError(QStringLiteral("cannot read the ops database's schema version: %1").arg(status.error()));

    // Every shipped file is checked before any is applied: a changed one
    // stops the run before the database moves on.
    int newest = 0;
    for (const Migration &m : migrations) {
        newest = std::max(newest, m.version);
        if (auto it = applied.constFind(m.version); it != applied.cend()) {
            if (const QString why = mismatch(m, *it); !why.isEmpty())
                return makeError(why);
        }
    }
    for (auto it = applied.cbegin(); it != applied.cend(); ++it) {
        if (it.key() > newest)
            report.notes << QStringLiteral("the database has migration %1 (%2), newer than this build knows")
                                .arg(it.key())
                                .arg(it->name);
    }

    auto log = logger("postgres");
    for (const Migration &m : migrations) {
        if (applied.contains(m.version)) {
            report.migrations.append({m.version, m.name, false});
            continue;
        }
        bool already = false;
        QString refused;
        status = session.run(control, [&](pqxx::transaction_base &tx) {
            tx.exec_params("SELECT pg_advisory_xact_lock($1, $2)", kLockClass, kMigrationsLock);
            // Another migrator may have applied it while this one waited.
            const auto now = readApplied(tx);
            if (auto it = now.constFind(m.version); it != now.cend()) {
                already = true;
                refused = mismatch(m, *it);
                return;
            }
            tx.exec0(m.sql.toStdString());
            tx.exec_params0("INSERT INTO idem.schema_version (version, name, sha256) VALUES ($1, $2, $3)", m.version,
                            m.name.toStdString(), m.sha256().toStdString());
        });
        if (!status)
            return makeError(QStringLiteral("migration %1 failed and was rolled back: %2").arg(m.name, status.error()));
        if (!refused.isEmpty())
            return makeError(refused);
        if (!already)
            log->info("ops database: applied migration {}", m.name.toStdString());
        report.migrations.append({m.version, m.name, !already});
    }
    return report;
}

} // namespace idem::connectors::ops
