#include "connectors/trace/storetrace.h"

#include "connectors/postgres/pgconninfo.h"
#include "connectors/postgres/pgsession.h"
#include "models/core/untrustedtext.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <pqxx/pqxx>

namespace idem::connectors::trace {

namespace {

// PostgreSQL's JSON timestamps carry microseconds and an offset; Qt reads milliseconds.
QDateTime parseTime(const QJsonValue &value)
{
    QString text = value.toString();
    if (text.isEmpty())
        return {};
    static const QRegularExpression fraction(QStringLiteral("\\.(\\d{3})\\d+"));
    text.replace(fraction, QStringLiteral(".\\1"));
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

QString textOf(const QJsonValue &value)
{
    if (value.isString())
        return models::capUntrusted(value.toString());
    if (value.isDouble())
        return QString::number(value.toInteger());
    return {};
}

QJsonObject parseRow(const pqxx::field &field)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(field.as<std::string>())).object();
}

} // namespace

std::unique_ptr<postgres::PgSession> openStoreSession(const models::StoreConfig &store)
{
    postgres::PgSessionOptions options;
    options.label = QStringLiteral("store %1").arg(store.name);
    options.readOnly = true;
    options.statementTimeoutMs = store.statementTimeoutMs;
    options.firstRetryDelay = std::chrono::milliseconds(200);
    options.maxRetryDelay = std::chrono::milliseconds(5000);
    return std::make_unique<postgres::PgSession>(store.connection, options);
}

StoreTrace traceStore(postgres::PgSession &session, const models::StoreConfig &store, const QString &group,
                      const QString &eventId, const PollControl &control, std::chrono::milliseconds duplicatesBudget)
{
    StoreTrace out;
    out.record.store = store.name;
    out.record.group = group;
    const auto registry = postgres::parseTableName(store.registry.table);
    const auto attempts = postgres::parseTableName(store.attempts.table);
    if (!registry) {
        out.record.error = registry.error();
        return out;
    }
    QMap<QString, QString> logicalOutcome; // stored value -> logical name
    for (const QString &logical : models::outcomeNames())
        logicalOutcome.insert(store.outcomeValue(logical), logical);
    auto reg = [&](const char *logical) { return store.registry.column(QString::fromLatin1(logical)); };
    auto att = [&](const char *logical) { return store.attempts.column(QString::fromLatin1(logical)); };
    auto q = [](const QString &name) { return postgres::quoteIdentifier(name).toStdString(); };
    const std::string id = eventId.toStdString();

    // One transaction, two statements (was two transactions, four statements:
    // each round trip and each guarded call costs on a busy machine). The
    // first reads the registry row and the attempts at once and sets the
    // duplicates' budget as the second statement's timeout; a second
    // statement that runs out of it leaves the first's answer standing.
    QJsonObject row;
    QList<QJsonObject> attemptRows;
    QList<QJsonObject> others;
    bool mainRead = false;
    bool duplicatesRead = false;
    QString duplicatesError;
    const qint64 left = control.deadline.isForever() ? duplicatesBudget.count() : control.deadline.remainingTime();
    const std::string duplicatesMs = std::to_string(std::max<qint64>(1, std::min<qint64>(duplicatesBudget.count(), left)));
    const Status read = session.run(control, [&](pqxx::transaction_base &tx) {
        std::string sql = "SELECT (SELECT to_jsonb(r)::text FROM " + registry->quoted().toStdString() + " r WHERE "
            + q(reg("event_id")) + " = $1 LIMIT 1), ";
        if (attempts)
            sql += "(SELECT json_agg(a.j)::text FROM (SELECT to_jsonb(a) AS j FROM " + attempts->quoted().toStdString()
                + " a WHERE " + q(att("event_id")) + " = $1 LIMIT 500) a), ";
        else
            sql += "NULL::text, ";
        sql += "set_config('statement_timeout', $2, true)";
        const pqxx::row r = tx.exec_params1(sql, id, duplicatesMs);
        row = {};
        attemptRows.clear();
        others.clear();
        if (!r[0].is_null())
            row = parseRow(r[0]);
        if (!r[1].is_null()) {
            for (const QJsonValue &v : QJsonDocument::fromJson(QByteArray::fromStdString(r[1].as<std::string>())).array())
                attemptRows.append(v.toObject());
        }
        mainRead = true;
        // Logical duplicates: same entity key and type, another event_id.
        const QString entityKey = textOf(row.value(reg("entity_key")));
        const QString eventType = textOf(row.value(reg("event_type")));
        if (entityKey.isEmpty() || eventType.isEmpty())
            return;
        try {
            const pqxx::result d = tx.exec_params(
                "SELECT to_jsonb(r)::text FROM " + registry->quoted().toStdString() + " r WHERE " + q(reg("entity_key"))
                    + " = $1 AND " + q(reg("event_type")) + " = $2 AND " + q(reg("event_id")) + " <> $3 LIMIT 20",
                entityKey.toStdString(), eventType.toStdString(), id);
            for (const auto &line : d)
                others.append(parseRow(line[0]));
            duplicatesRead = true;
        } catch (const pqxx::sql_error &e) {
            const QString message = QString::fromUtf8(e.what()).simplified();
            duplicatesError = e.sqlstate() == "57014" || message.contains(QLatin1String("statement timeout"))
                ? QStringLiteral("the query did not finish within %1 ms; an index on (%2, %3) makes it fast")
                      .arg(QString::fromStdString(duplicatesMs), reg("entity_key"), reg("event_type"))
                : QStringLiteral("the query failed: %1").arg(models::capUntrusted(message));
        }
    });
    if (!read && !mainRead) {
        out.record.error = read.error();
        return out;
    }
    out.record.checked = true;
    out.record.hasRow = !row.isEmpty();
    if (out.record.hasRow) {
        const QString stored = textOf(row.value(reg("status")));
        out.record.status = logicalOutcome.value(stored, stored);
        out.record.attempts = int(row.value(reg("attempts")).toInteger());
        out.record.firstSeen = parseTime(row.value(reg("first_seen_at")));
        out.record.processedAt = parseTime(row.value(reg("processed_at")));
        out.record.result = textOf(row.value(reg("result")));
        out.record.entityKey = textOf(row.value(reg("entity_key")));
        out.record.eventType = textOf(row.value(reg("event_type")));
    }
    std::sort(attemptRows.begin(), attemptRows.end(), [&](const QJsonObject &a, const QJsonObject &b) {
        const auto ta = a.value(att("at")).toString(), tb = b.value(att("at")).toString();
        const auto na = a.value(att("attempt")).toInteger(), nb = b.value(att("attempt")).toInteger();
        return ta != tb ? ta < tb : na < nb;
    });
    // A store's hop: its kind from the logical outcome or status.
    auto storeHop = [&](const QString &logical) {
        models::TraceHop hop;
        hop.kind = logical == QLatin1String("processed")           ? models::HopKind::Processed
            : logical == QLatin1String("duplicate_skipped")        ? models::HopKind::SkippedDuplicate
                                                                   : models::HopKind::Failed;
        hop.system = store.name;
        hop.group = group;
        hop.status = logical;
        return hop;
    };
    for (const QJsonObject &a : std::as_const(attemptRows)) {
        const QString stored = textOf(a.value(att("outcome")));
        models::TraceHop hop = storeHop(logicalOutcome.value(stored, stored));
        hop.attempt = int(a.value(att("attempt")).toInteger());
        hop.error = textOf(a.value(att("error")));
        hop.time = parseTime(a.value(att("at")));
        out.hops.append(hop);
    }
    if (attemptRows.isEmpty() && out.record.hasRow) {
        // No attempts log: the registry row alone says what happened.
        models::TraceHop hop = storeHop(out.record.status);
        hop.attempt = out.record.attempts;
        hop.error = hop.kind == models::HopKind::Failed ? out.record.result : QString();
        hop.time = out.record.processedAt.isValid() ? out.record.processedAt : out.record.firstSeen;
        out.hops.append(hop);
    }

    if (out.record.entityKey.isEmpty() || out.record.eventType.isEmpty())
        return out;
    if (!duplicatesRead) {
        out.duplicatesNote = QStringLiteral("logical duplicates not checked: %1")
                                 .arg(duplicatesError.isEmpty() ? read.error() : duplicatesError);
        return out;
    }
    for (const QJsonObject &o : std::as_const(others)) {
        models::TraceHop hop;
        hop.kind = models::HopKind::LogicalDuplicate;
        hop.system = store.name;
        hop.group = group;
        hop.otherEventId = textOf(o.value(reg("event_id")));
        const QString stored = textOf(o.value(reg("status")));
        hop.status = logicalOutcome.value(stored, stored);
        hop.time = parseTime(o.value(reg("processed_at")));
        if (!hop.time.isValid())
            hop.time = parseTime(o.value(reg("first_seen_at")));
        hop.detail = QStringLiteral("same entity %1 and type %2 under event_id %3")
                         .arg(out.record.entityKey, out.record.eventType, hop.otherEventId);
        out.hops.append(hop);
    }
    return out;
}

} // namespace idem::connectors::trace
