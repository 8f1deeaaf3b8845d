#pragma once

// The store mapping assistant's judgement: given the tables and columns of a
// consumer's store (read from information_schema by a connector), which table
// is the processed-events registry, which the per-attempt log, and which
// column holds each logical column Idem reads (event_id, entity key, type,
// version, status, attempts, timestamps). Columns are scored by name (the
// logical name, then known synonyms such as message_id or aggregate_key, then
// a word of the name) and by type (a timestamp column for a time, an integer
// for a count); a registry's event_id that is its primary key scores higher.
// Pure functions; the proposal is only a proposal: a person confirms it.

#include "models/config/config.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace idem::models {

struct ColumnInfo
{
    QString name;
    QString type; // information_schema data_type: "text", "integer", "timestamp with time zone", ...
    bool primaryKey = false;
};

struct TableInfo
{
    QString schema;
    QString name;
    QList<ColumnInfo> columns;

    // "name" in the search path's schema (public), else "schema.name".
    QString qualifiedName() const;
};

enum class MappingRole { Registry, Attempts };

// How well `column` fits logical column `logical` of a table in `role`:
// 0 (not at all) to about 120.
int scoreColumn(MappingRole role, const QString &logical, const ColumnInfo &column);

struct ColumnChoice
{
    QString logical;
    QString column; // empty: none found, the logical name is kept
    int score = 0;
};

struct MappingProposal
{
    QString error; // set when nothing usable was found; the rest is then empty
    QString registryTable; // qualifiedName(); empty: none
    QList<ColumnChoice> registryColumns;
    QString attemptsTable;
    QList<ColumnChoice> attemptsColumns;
    QStringList notes; // what the person should look at: columns not found, no attempts table

    bool ok() const { return error.isEmpty(); }
    // The mappings to write into the store (only names that differ from the logical ones).
    TableMapping registryMapping() const;
    TableMapping attemptsMapping() const;
};

// Proposes the registry and attempts tables of a store from its tables.
MappingProposal proposeMapping(const QList<TableInfo> &tables);

} // namespace idem::models
