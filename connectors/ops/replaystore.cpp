#include "connectors/ops/replaystore.h"

#include "connectors/postgres/pgvalues.h"

#include "connectors/postgres/pgconninfo.h"
#include "connectors/postgres/pgsession.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <pqxx/pqxx>

namespace idem::connectors::ops {

namespace {

std::string s(const QString &text)
{
    return text.toStdString();
}

constexpr auto *q = &postgres::textOf;
constexpr auto *msTime = &postgres::msTimeOf;

// The server's primary message: "ERROR:  text\nCONTEXT: ..." -> "text".
QString primaryMessage(const char *what)
{
    QString text = QString::fromUtf8(what).section(QLatin1Char('\n'), 0, 0).trimmed();
    for (const char *prefix : {"ERROR:", "FATAL:"}) {
        if (text.startsWith(QLatin1String(prefix)))
            text = text.mid(int(qstrlen(prefix))).trimmed();
    }
    return text;
}

QString quoteValue(const QString &value)
{
    QString out = value;
    out.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    out.replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

QJsonArray itemsJson(const QList<models::ReplayItemSpec> &items)
{
    QJsonArray array;
    for (const auto &i : items)
        array.append(QJsonObject{
            {QStringLiteral("dlq_topic"), i.dlqTopic},
            {QStringLiteral("dlq_partition"), i.dlqPartition},
            {QStringLiteral("dlq_offset"), QString::number(i.dlqOffset)},
            {QStringLiteral("event_id"), i.eventId},
            {QStringLiteral("target_topic"), i.targetTopic},
            {QStringLiteral("key"), i.key ? QJsonValue(QString::fromLatin1(i.key->toBase64())) : QJsonValue()},
            {QStringLiteral("payload_hash"), i.payloadHash},
            {QStringLiteral("dry_run"), i.dryRunSkip ? QStringLiteral("skip") : QStringLiteral("send")},
            {QStringLiteral("dry_run_reason"), i.dryRunReason.isEmpty() ? QJsonValue() : QJsonValue(i.dryRunReason)}});
    return array;
}

std::string compact(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact).toStdString();
}

constexpr const char *kRequestColumns =
    "r.id, r.flow, r.reason, r.target_topic, r.requested_by::text, (extract(epoch FROM r.requested_at) * 1000)::bigint, "
    "(extract(epoch FROM r.expires_at) * 1000)::bigint, r.status, r.items_hash, r.item_count, r.override_processed, "
    "r.approved_by::text, (extract(epoch FROM r.approved_at) * 1000)::bigint, r.executor::text, "
    "(extract(epoch FROM r.claimed_at) * 1000)::bigint, (extract(epoch FROM r.finished_at) * 1000)::bigint, r.detail, "
    "(SELECT json_object_agg(state, n)::text FROM (SELECT state, count(*) AS n FROM idem.replay_item "
    "  WHERE request = r.id GROUP BY state) s), "
    "(SELECT count(*) FROM idem.replay_item WHERE request = r.id AND dry_run = 'skip') ";

models::ReplayRequest readRequest(const pqxx::row &row)
{
    models::ReplayRequest r;
    r.id = row[0].as<qint64>();
    r.flow = q(row[1]);
    r.reason = q(row[2]);
    r.targetTopic = q(row[3]);
    r.requestedBy = q(row[4]);
    r.requestedAt = msTime(row[5]);
    r.expiresAt = msTime(row[6]);
    r.status = q(row[7]);
    r.itemsHash = q(row[8]);
    r.itemCount = row[9].as<int>();
    r.overrideProcessed = row[10].as<bool>();
    r.approvedBy = q(row[11]);
    r.approvedAt = msTime(row[12]);
    r.executor = q(row[13]);
    r.claimedAt = msTime(row[14]);
    r.finishedAt = msTime(row[15]);
    r.detail = q(row[16]);
    const QJsonObject states = QJsonDocument::fromJson(q(row[17]).toUtf8()).object();
    for (auto it = states.begin(); it != states.end(); ++it)
        r.itemStates.insert(it.key(), it.value().toInt());
    r.dryRunSkip = row[18].as<int>();
    return r;
}

} // namespace

Result<QString> connectionAsUser(const QString &connection, const QString &user)
{
    if (user.isEmpty())
        return connection;
    auto keywords = postgres::parseConnectionKeywords(connection);
    if (!keywords)
        return makeError(keywords.error());
    QStringList parts;
    bool replaced = false;
    for (const auto &[key, value] : *keywords) {
        if (key == QLatin1String("user")) {
            parts << QStringLiteral("user=") + quoteValue(user);
            replaced = true;
        } else {
            parts << key + QLatin1Char('=') + quoteValue(value);
        }
    }
    if (!replaced)
        parts << QStringLiteral("user=") + quoteValue(user);
    return parts.join(QLatin1Char(' '));
}

ReplayStore::ReplayStore(const QString &connection, int statementTimeoutMs)
{
    postgres::PgSessionOptions options;
    options.label = QStringLiteral("the ops database");
    options.statementTimeoutMs = statementTimeoutMs;
    m_session = std::make_unique<postgres::PgSession>(connection, options);
}

ReplayStore::~ReplayStore() = default;

Status ReplayStore::call(const PollControl &control, const std::function<void(pqxx::transaction_base &)> &work)
{
    m_refused = false;
    m_notFound = false;
    QString reason;
    std::string state;
    auto status = m_session->run(control, [&](pqxx::transaction_base &tx) {
        try {
            work(tx);
        } catch (const pqxx::insufficient_privilege &e) {
            // libpqxx 6.4 throws this class without its SQLSTATE.
            state = "42501";
            reason = primaryMessage(e.what());
            throw;
        } catch (const pqxx::sql_error &e) {
            state = e.sqlstate();
            reason = primaryMessage(e.what());
            throw;
        }
    });
    if (status)
        return status;
    if (state == "42501" || state == "IR001") {
        m_refused = true;
        return makeError(reason);
    }
    if (state == "IR002") {
        m_notFound = true;
        return makeError(reason);
    }
    return status;
}

Result<QString> ReplayStore::scalar(const PollControl &control,
                                    const std::function<std::string(pqxx::transaction_base &)> &work)
{
    std::string value;
    if (auto st = call(control, [&](pqxx::transaction_base &tx) { value = work(tx); }); !st)
        return makeError(st.error());
    return QString::fromStdString(value);
}

Result<models::OpsIdentity> ReplayStore::identity(const PollControl &control)
{
    models::OpsIdentity who;
    auto st = call(control, [&](pqxx::transaction_base &tx) {
        const auto row = tx.exec1(
            "SELECT session_user::text, coalesce(string_agg(r.rolname, ',' ORDER BY r.rolname), '') "
            "FROM pg_roles r WHERE r.rolname IN ('idem_viewer', 'idem_operator', 'idem_approver') "
            "AND pg_has_role(session_user, r.oid, 'MEMBER')");
        who.user = q(row[0]);
        who.roles = q(row[1]).split(QLatin1Char(','), Qt::SkipEmptyParts);
    });
    if (!st)
        return makeError(st.error());
    return who;
}

Result<qint64> ReplayStore::request(const QString &flow, const QString &reason,
                                    const QList<models::ReplayItemSpec> &items, const QString &targetTopic,
                                    const PollControl &control, std::chrono::seconds expiresIn)
{
    auto id = scalar(control, [&](pqxx::transaction_base &tx) {
        return tx
            .exec_params1("SELECT idem.request_replay($1, $2, $3::jsonb, $4, make_interval(secs => $5))", s(flow),
                          s(reason), compact(itemsJson(items)),
                          targetTopic.isEmpty() ? std::optional<std::string>() : std::optional<std::string>(s(targetTopic)),
                          qint64(expiresIn.count()))[0]
            .as<std::string>();
    });
    if (!id)
        return makeError(id.error());
    return id->toLongLong();
}

Result<QString> ReplayStore::amend(qint64 id, const QList<models::ReplayItemSpec> &items, const PollControl &control)
{
    return scalar(control, [&](pqxx::transaction_base &tx) {
        return tx.exec_params1("SELECT idem.amend_replay($1, $2::jsonb)", id, compact(itemsJson(items)))[0]
            .as<std::string>();
    });
}

Result<QString> ReplayStore::cancel(qint64 id, const QString &comment, const PollControl &control)
{
    return scalar(control, [&](pqxx::transaction_base &tx) {
        return tx
            .exec_params1("SELECT idem.cancel_replay($1, $2)", id,
                          comment.isEmpty() ? std::optional<std::string>() : std::optional<std::string>(s(comment)))[0]
            .as<std::string>();
    });
}

Result<QString> ReplayStore::decide(qint64 id, bool approve, const QString &itemsHash, const QString &comment,
                                    bool overrideProcessed, const QMap<int, QPair<bool, QString>> &dryRun,
                                    const PollControl &control)
{
    std::optional<std::string> dry;
    if (!dryRun.isEmpty()) {
        QJsonArray array;
        for (auto it = dryRun.cbegin(); it != dryRun.cend(); ++it)
            array.append(QJsonObject{{QStringLiteral("item"), it.key()},
                                     {QStringLiteral("dry_run"), it->first ? QStringLiteral("skip") : QStringLiteral("send")},
                                     {QStringLiteral("dry_run_reason"), it->second}});
        dry = compact(array);
    }
    return scalar(control, [&](pqxx::transaction_base &tx) {
        return tx
            .exec_params1("SELECT idem.decide_replay($1, $2, $3, $4, $5, $6::jsonb)", id,
                          std::string(approve ? "approve" : "reject"), s(itemsHash),
                          comment.isEmpty() ? std::optional<std::string>() : std::optional<std::string>(s(comment)),
                          overrideProcessed, dry)[0]
            .as<std::string>();
    });
}

Result<QList<models::ReplayRequest>> ReplayStore::list(const QString &status, const PollControl &control)
{
    QList<models::ReplayRequest> requests;
    auto st = call(control, [&](pqxx::transaction_base &tx) {
        tx.exec("SELECT idem.expire_replays()");
        const auto rows = tx.exec_params(std::string("SELECT ") + kRequestColumns +
                                             "FROM idem.replay_request r WHERE ($1::text IS NULL OR r.status = $1) "
                                             "ORDER BY r.id DESC LIMIT 1000",
                                         status.isEmpty() ? std::optional<std::string>() : std::optional<std::string>(s(status)));
        for (const auto &row : rows)
            requests << readRequest(row);
    });
    if (!st)
        return makeError(st.error());
    return requests;
}

Result<models::ReplayDetails> ReplayStore::show(qint64 id, const PollControl &control)
{
    models::ReplayDetails details;
    bool found = false;
    auto st = call(control, [&](pqxx::transaction_base &tx) {
        const auto rows = tx.exec_params(std::string("SELECT ") + kRequestColumns + "FROM idem.replay_request r WHERE r.id = $1", id);
        if (rows.empty())
            return;
        found = true;
        details.request = readRequest(rows[0]);
        for (const auto &row : tx.exec_params(
                 "SELECT item, dlq_topic, dlq_partition, dlq_offset, event_id, target_topic, encode(key, 'base64'), "
                 "key IS NULL, payload_hash, dry_run = 'skip', dry_run_reason, state, produced_partition, "
                 "produced_offset, detail FROM idem.replay_item WHERE request = $1 ORDER BY item",
                 id)) {
            models::ReplayItem item;
            item.item = row[0].as<int>();
            item.spec.dlqTopic = q(row[1]);
            item.spec.dlqPartition = row[2].as<int>();
            item.spec.dlqOffset = row[3].as<qint64>();
            item.spec.eventId = q(row[4]);
            item.spec.targetTopic = q(row[5]);
            if (!row[7].as<bool>())
                item.spec.key = QByteArray::fromBase64(q(row[6]).toLatin1());
            item.spec.payloadHash = q(row[8]);
            item.spec.dryRunSkip = row[9].as<bool>();
            item.spec.dryRunReason = q(row[10]);
            item.state = q(row[11]);
            if (!row[12].is_null())
                item.producedPartition = row[12].as<int>();
            if (!row[13].is_null())
                item.producedOffset = row[13].as<qint64>();
            item.detail = q(row[14]);
            details.items << item;
        }
        for (const auto &row : tx.exec_params("SELECT decided_by::text, decision, comment, override_processed, "
                                              "(extract(epoch FROM at) * 1000)::bigint FROM idem.decision "
                                              "WHERE request = $1 ORDER BY id",
                                              id))
            details.decisions << models::ReplayDecision{q(row[0]), q(row[1]), q(row[2]), row[3].as<bool>(), msTime(row[4])};
    });
    if (!st)
        return makeError(st.error());
    if (!found) {
        m_notFound = true;
        return makeError(QStringLiteral("there is no replay request %1").arg(id));
    }
    return details;
}

Result<ReplayClaim> ReplayStore::claim(qint64 id, const QHash<QString, qint64> &watermarks, const PollControl &control)
{
    QJsonObject marks;
    for (auto it = watermarks.cbegin(); it != watermarks.cend(); ++it)
        marks.insert(it.key(), it.value());
    auto text = scalar(control, [&](pqxx::transaction_base &tx) {
        return tx
            .exec_params1("SELECT idem.claim_replay($1, $2::jsonb)::text", id,
                          QJsonDocument(marks).toJson(QJsonDocument::Compact).toStdString())[0]
            .as<std::string>();
    });
    if (!text)
        return makeError(text.error());
    const QJsonObject o = QJsonDocument::fromJson(text->toUtf8()).object();
    ReplayClaim claim;
    claim.attempt = o.value(QStringLiteral("attempt")).toInt();
    claim.resume = o.value(QStringLiteral("resume")).toBool();
    claim.approvedBy = o.value(QStringLiteral("approved_by")).toString();
    claim.overrideProcessed = o.value(QStringLiteral("override_processed")).toBool();
    const QJsonObject first = o.value(QStringLiteral("watermarks")).toObject();
    for (auto it = first.begin(); it != first.end(); ++it)
        claim.firstWatermarks.insert(it.key(), qint64(it.value().toDouble()));
    return claim;
}

Status ReplayStore::recordItems(qint64 id, const QList<ItemResult> &results, const PollControl &control)
{
    if (results.isEmpty())
        return {};
    QJsonArray array;
    for (const ItemResult &r : results) {
        QJsonObject o{{QStringLiteral("item"), r.item}, {QStringLiteral("state"), r.state}};
        if (r.partition)
            o.insert(QStringLiteral("partition"), *r.partition);
        if (r.offset)
            o.insert(QStringLiteral("offset"), QString::number(*r.offset));
        if (!r.detail.isEmpty())
            o.insert(QStringLiteral("detail"), r.detail);
        array.append(o);
    }
    return call(control, [&](pqxx::transaction_base &tx) {
        tx.exec_params("SELECT idem.record_items($1, $2::jsonb)", id, compact(array));
    });
}

Result<QString> ReplayStore::finish(qint64 id, const QString &detail, const PollControl &control)
{
    return scalar(control, [&](pqxx::transaction_base &tx) {
        return tx
            .exec_params1("SELECT idem.finish_replay($1, $2)", id,
                          detail.isEmpty() ? std::optional<std::string>() : std::optional<std::string>(s(detail)))[0]
            .as<std::string>();
    });
}

Result<models::AuditCheck> ReplayStore::verifyAudit(const PollControl &control)
{
    models::AuditCheck check;
    auto st = call(control, [&](pqxx::transaction_base &tx) {
        const auto row = tx.exec1("SELECT ok, checked, first_broken, detail FROM idem.verify_audit()");
        check.ok = row[0].as<bool>();
        check.checked = row[1].as<qint64>();
        if (!row[2].is_null())
            check.firstBroken = row[2].as<qint64>();
        check.detail = q(row[3]);
    });
    if (!st)
        return makeError(st.error());
    return check;
}

} // namespace idem::connectors::ops
