#pragma once

// The ops database's replay functions, called as the signed-in person (their
// own login role): request, amend, cancel, decide, claim, record item
// results, finish, list, show, verify the audit chain. The database enforces
// every rule; a refusal comes back as an error with the database's own
// reason and refused() true (SQLSTATE 42501 or IR001), "not found" with
// notFound() true (IR002).
//
// Blocking; use it from a worker thread. One session: the executor's claim
// (a session advisory lock) lives as long as this object's connection.

#include "connectors/common/pollcontrol.h"
#include "models/core/result.h"
#include "models/replay/replay.h"

#include <QJsonObject>

#include <chrono>
#include <functional>
#include <memory>

namespace pqxx {
class transaction_base;
}

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::ops {

// `connection` with its user replaced by `user` (kept when `user` is empty).
// Values stay as configured (${NAME} references are expanded on connecting).
Result<QString> connectionAsUser(const QString &connection, const QString &user);

struct ReplayClaim
{
    int attempt = 0;
    bool resume = false;
    QHash<QString, qint64> firstWatermarks; // "topic:partition" -> high watermark at the first claim
    QString approvedBy;
    bool overrideProcessed = false;
};

struct ItemResult
{
    int item = 0;
    QString state; // skipped, sent, confirmed, failed
    std::optional<int> partition;
    std::optional<qint64> offset;
    QString detail;
};

class ReplayStore final
{
public:
    explicit ReplayStore(const QString &connection, int statementTimeoutMs = 30000);
    ~ReplayStore();
    ReplayStore(const ReplayStore &) = delete;
    ReplayStore &operator=(const ReplayStore &) = delete;

    // Whether the last call's error was the database refusing by its rules.
    bool refused() const { return m_refused; }
    bool notFound() const { return m_notFound; }

    Result<models::OpsIdentity> identity(const PollControl &control);
    Result<qint64> request(const QString &flow, const QString &reason, const QList<models::ReplayItemSpec> &items,
                           const QString &targetTopic, const PollControl &control,
                           std::chrono::seconds expiresIn = std::chrono::hours(24));
    Result<QString> amend(qint64 id, const QList<models::ReplayItemSpec> &items, const PollControl &control);
    Result<QString> cancel(qint64 id, const QString &comment, const PollControl &control);
    // dryRun: item -> (skip, reason), the approver's own dry run; empty: keep the requester's.
    Result<QString> decide(qint64 id, bool approve, const QString &itemsHash, const QString &comment,
                           bool overrideProcessed, const QMap<int, QPair<bool, QString>> &dryRun,
                           const PollControl &control);
    Result<QList<models::ReplayRequest>> list(const QString &status, const PollControl &control);
    Result<models::ReplayDetails> show(qint64 id, const PollControl &control);
    Result<ReplayClaim> claim(qint64 id, const QHash<QString, qint64> &watermarks, const PollControl &control);
    Status recordItems(qint64 id, const QList<ItemResult> &results, const PollControl &control);
    Result<QString> finish(qint64 id, const QString &detail, const PollControl &control);
    Result<models::AuditCheck> verifyAudit(const PollControl &control);

    postgres::PgSession &session() { return *m_session; }

private:
    Status call(const PollControl &control, const std::function<void(pqxx::transaction_base &)> &work);
    Result<QString> scalar(const PollControl &control, const std::function<std::string(pqxx::transaction_base &)> &work);

    std::unique_ptr<postgres::PgSession> m_session;
    bool m_refused = false;
    bool m_notFound = false;
};

} // namespace idem::connectors::ops
