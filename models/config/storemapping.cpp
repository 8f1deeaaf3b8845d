#include "models/config/storemapping.h"

#include <QSet>

#include <algorithm>

namespace idem::models {

namespace {

enum class Kind { Text, Number, Time, Any };

struct Logical
{
    const char *name;
    Kind kind;
    QStringList synonyms; // best first
};

const QList<Logical> &registryLogicals()
{
    static const QList<Logical> list = {
        {"event_id", Kind::Any, {"message_id", "msg_id", "event_uuid", "eventid", "messageid", "idempotency_key", "dedup_key", "dedupe_key"}},
        {"entity_key", Kind::Any, {"aggregate_key", "aggregate_id", "entity_id", "business_key", "order_id", "request_id", "partition_key", "key"}},
        {"event_type", Kind::Text, {"message_type", "type", "event_name", "kind", "msg_type"}},
        {"event_version", Kind::Any, {"schema_version", "version", "event_schema_version", "msg_version"}},
        {"status", Kind::Text, {"state", "outcome", "processing_status"}},
        {"attempts", Kind::Number, {"tries", "attempt_count", "retries", "retry_count", "delivery_count", "attempt"}},
        {"first_seen_at", Kind::Time, {"received_at", "created_at", "inserted_at", "arrived_at", "first_received_at"}},
        {"processed_at", Kind::Time, {"handled_at", "completed_at", "finished_at", "done_at", "updated_at"}},
        {"result", Kind::Text, {"note", "output", "response", "details", "message"}},
    };
    return list;
}

const QList<Logical> &attemptLogicals()
{
    static const QList<Logical> list = {
        {"event_id", Kind::Any, {"message_id", "msg_id", "event_uuid", "eventid", "messageid", "idempotency_key", "dedup_key"}},
        {"attempt", Kind::Number, {"try_no", "attempt_no", "attempt_number", "try", "try_number", "retry_no", "attempts"}},
        {"outcome", Kind::Text, {"result", "status", "state"}},
        {"error", Kind::Text, {"failure", "error_message", "exception", "reason", "cause"}},
        {"at", Kind::Time, {"attempted_at", "logged_at", "occurred_at", "created_at", "timestamp", "ts", "time"}},
    };
    return list;
}

const QStringList &registryTableNames()
{
    static const QStringList names = {"processed_events", "inbox", "processed_messages", "idempotency", "dedup", "processed"};
    return names;
}

const QStringList &attemptsTableNames()
{
    static const QStringList names = {"processing_attempts", "inbox_log", "attempts", "attempt_log", "processing_log", "log", "history"};
    return names;
}

Kind kindOf(const QString &type)
{
    const QString t = type.toLower();
    if (t.contains(u"timestamp") || t == u"date")
        return Kind::Time;
    if (t.contains(u"int") || t == u"numeric" || t == u"decimal" || t == u"real" || t.contains(u"double"))
        return Kind::Number;
    return Kind::Text; // text, character varying, uuid, json, ...
}

QString normalized(const QString &name)
{
    QString out;
    for (const QChar c : name.toLower())
        out += c.isLetterOrNumber() ? c : u'_';
    return out;
}

int nameScore(const Logical &logical, const QString &column)
{
    const QString name = normalized(column);
    const QString own = QString::fromLatin1(logical.name);
    if (name == own)
        return 100;
    for (qsizetype i = 0; i < logical.synonyms.size(); ++i) {
        if (name == logical.synonyms[i])
            return int(90 - 4 * i);
    }
    // A word of the name: "order_event_id" for event_id, "state_code" for state.
    const QStringList words = name.split(u'_', Qt::SkipEmptyParts);
    if (name.endsWith(QLatin1Char('_') + own) || name.startsWith(own + QLatin1Char('_')))
        return 50;
    for (const QString &synonym : logical.synonyms) {
        if (synonym.size() > 3 && (name.endsWith(QLatin1Char('_') + synonym) || name.startsWith(synonym + QLatin1Char('_'))))
            return 40;
    }
    Q_UNUSED(words)
    return 0;
}

const Logical *findLogical(MappingRole role, const QString &logical)
{
    for (const Logical &l : role == MappingRole::Registry ? registryLogicals() : attemptLogicals()) {
        if (logical == QLatin1String(l.name))
            return &l;
    }
    return nullptr;
}

struct TableFit
{
    int score = 0;
    QList<ColumnChoice> choices;
};

// Each logical column gets the best-scoring column not already taken; event_id first.
TableFit fit(MappingRole role, const TableInfo &table)
{
    TableFit out;
    const QList<Logical> &logicals = role == MappingRole::Registry ? registryLogicals() : attemptLogicals();
    // All candidate pairs, best first, so a column goes where it fits best.
    struct Pair
    {
        int score;
        int logical;
        int column;
    };
    QList<Pair> pairs;
    for (int l = 0; l < logicals.size(); ++l) {
        for (int c = 0; c < table.columns.size(); ++c) {
            const int s = scoreColumn(role, QString::fromLatin1(logicals[l].name), table.columns[c]);
            if (s > 0)
                pairs.append({s, l, c});
        }
    }
    std::stable_sort(pairs.begin(), pairs.end(), [](const Pair &a, const Pair &b) { return a.score > b.score; });
    QList<ColumnChoice> choices;
    for (const Logical &l : logicals)
        choices.append({QString::fromLatin1(l.name), QString(), 0});
    QSet<int> taken;
    for (const Pair &p : pairs) {
        if (taken.contains(p.column) || !choices[p.logical].column.isEmpty())
            continue;
        choices[p.logical].column = table.columns[p.column].name;
        choices[p.logical].score = p.score;
        taken.insert(p.column);
    }
    if (choices[0].column.isEmpty())
        return out; // no event_id: not this role's table
    out.choices = choices;
    for (const ColumnChoice &c : choices)
        out.score += c.score;
    const QString name = normalized(table.name);
    const QStringList &known = role == MappingRole::Registry ? registryTableNames() : attemptsTableNames();
    if (known.contains(name))
        out.score += 60;
    return out;
}

} // namespace

QString TableInfo::qualifiedName() const
{
    auto part = [](const QString &p) {
        const bool plain = !p.isEmpty() && p == p.toLower() && normalized(p) == p && !p.front().isDigit();
        return plain ? p : QLatin1Char('"') + QString(p).replace(u'"', QStringLiteral("\"\"")) + QLatin1Char('"');
    };
    return schema.isEmpty() || schema == u"public" ? part(name) : part(schema) + QLatin1Char('.') + part(name);
}

int scoreColumn(MappingRole role, const QString &logical, const ColumnInfo &column)
{
    const Logical *l = findLogical(role, logical);
    if (!l)
        return 0;
    int score = nameScore(*l, column.name);
    if (score == 0)
        return 0;
    const Kind kind = kindOf(column.type);
    if (l->kind != Kind::Any && kind != l->kind)
        return 0; // a "state" that is a timestamp is not a status
    if (l->kind != Kind::Any)
        score += 10;
    if (logical == u"event_id") {
        if (role == MappingRole::Registry && column.primaryKey)
            score += 20;
        if (kind == Kind::Time)
            return 0;
    }
    return score;
}

namespace {

// `defaults` with the proposed table (when there is one) and the columns whose names differ.
TableMapping mappingOf(TableMapping defaults, const QString &table, const QList<ColumnChoice> &choices)
{
    if (!table.isEmpty())
        defaults.table = table;
    defaults.columns.clear();
    for (const ColumnChoice &c : choices) {
        if (!c.column.isEmpty() && c.column != c.logical)
            defaults.columns.insert(c.logical, c.column);
    }
    return defaults;
}

} // namespace

TableMapping MappingProposal::registryMapping() const
{
    return mappingOf(defaultRegistryMapping(), registryTable, registryColumns);
}

TableMapping MappingProposal::attemptsMapping() const
{
    return mappingOf(defaultAttemptsMapping(), attemptsTable, attemptsColumns);
}

MappingProposal proposeMapping(const QList<TableInfo> &tables)
{
    MappingProposal out;
    int best = -1;
    TableFit registry;
    for (int i = 0; i < tables.size(); ++i) {
        const TableFit f = fit(MappingRole::Registry, tables[i]);
        if (!f.choices.isEmpty() && f.score > registry.score) {
            registry = f;
            best = i;
        }
    }
    if (best < 0) {
        QStringList names;
        for (const TableInfo &t : tables)
            names << t.qualifiedName();
        const Logical &eventId = registryLogicals().front();
        out.error = tables.isEmpty()
            ? QStringLiteral("the store has no tables this connection can see; check the database and the "
                             "user's privileges")
            : QStringLiteral("no table has a column that looks like an event id (event_id, %1) in %2; Idem needs "
                             "the column that holds each processed event's id: map the registry by hand")
                  .arg(eventId.synonyms.mid(0, 4).join(QStringLiteral(", ")), names.join(QStringLiteral(", ")));
        return out;
    }
    out.registryTable = tables[best].qualifiedName();
    out.registryColumns = registry.choices;
    for (const ColumnChoice &c : std::as_const(out.registryColumns)) {
        if (c.column.isEmpty())
            out.notes << QStringLiteral("registry: no column found for %1; it keeps its own name").arg(c.logical);
    }

    int bestAttempts = -1;
    TableFit attempts;
    for (int i = 0; i < tables.size(); ++i) {
        if (i == best)
            continue;
        const TableFit f = fit(MappingRole::Attempts, tables[i]);
        // An attempts table needs its attempt number as well as the event id.
        if (!f.choices.isEmpty() && !f.choices[1].column.isEmpty() && f.score > attempts.score) {
            attempts = f;
            bestAttempts = i;
        }
    }
    if (bestAttempts < 0) {
        out.notes << QStringLiteral("no table looks like the log of attempts (an event id and an attempt number); "
                                    "Idem's figures from it stay empty");
        return out;
    }
    out.attemptsTable = tables[bestAttempts].qualifiedName();
    out.attemptsColumns = attempts.choices;
    for (const ColumnChoice &c : std::as_const(out.attemptsColumns)) {
        if (c.column.isEmpty())
            out.notes << QStringLiteral("attempts: no column found for %1; it keeps its own name").arg(c.logical);
    }
    return out;
}

} // namespace idem::models
