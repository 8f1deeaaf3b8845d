#pragma once

// The ops database's schema migrations: the versioned SQL files under
// resources/sql/ (NNNN_name.sql), compiled into the binaries, applied in
// order, each in its own transaction under one advisory lock (two consoles
// or idemctl instances migrating at once apply each file once), and recorded
// in idem.schema_version (version, name, sha256, applied_at, applied_by).
// A file whose content changed after it was applied is refused: landed
// migrations are never edited, the next change is the next file.

#include "connectors/common/pollcontrol.h"
#include "models/core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::ops {

struct Migration
{
    int version = 0;
    QString name; // the file name, e.g. 0001_replays.sql
    QByteArray sql;

    QString sha256() const;
};

// The migrations shipped in this binary, by version.
QList<Migration> shippedMigrations();

struct MigrationOutcome
{
    int version = 0;
    QString name;
    bool applied = false; // false: it was already there
};

struct MigrationReport
{
    QList<MigrationOutcome> migrations;
    QStringList notes; // e.g. versions in the database that this binary does not know

    int appliedCount() const;
};

// Applies every shipped migration the database lacks. The session needs the
// right to create roles, schemas and tables (the ops database's owner).
Result<MigrationReport> applyMigrations(postgres::PgSession &session, const PollControl &control,
                                        const QList<Migration> &migrations = shippedMigrations());

} // namespace idem::connectors::ops
