#pragma once

// The ops database's lease (resources/sql/0002_lease.sql): one writer at a
// time for a duty, whichever console or idemctl service holds the duty's
// session advisory lock. The holder calls acquireOrRenew() every poll; a
// contender calls it too and takes over once the holder's session ends
// (closed, killed, connection lost), so a duty is never unheld for longer
// than one contender's interval.
//
// Writes go through write(): one transaction on the lease's own connection
// that first checks, inside that transaction, that this connection still
// holds the lock. The database enforces the same on the duty's tables (a
// statement trigger, idem.require_lease), so a holder whose connection was
// lost and silently reopened writes nothing: write() reports the loss and
// held() turns false at once.
//
// Blocking; use it from one worker thread. held() may be read from any thread.

#include "connectors/common/pollcontrol.h"
#include "models/core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace pqxx {
class transaction_base;
}

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::ops {

enum class LeaseDuty { Index, Recorder };

QString leaseDutyName(LeaseDuty duty); // "index", "recorder"

// What this process calls itself in idem.lease: "<program> on <host> (pid N)".
QString defaultLeaseHolderName(const QString &program);

struct LeaseHolder
{
    QString duty;
    QString holder;
    QString role;
    int backendPid = 0;
    QDateTime acquiredAt;
    QDateTime renewedAt;
    bool alive = false; // its session still holds the lock

    // "idem console on desk-7 (pid 42) as alice since 09:12:03 UTC" or
    // "nobody (last: ... until 09:40:00 UTC)".
    QString describe() const;
};

class OpsLease final
{
public:
    OpsLease(const QString &connection, LeaseDuty duty, const QString &holderName, int statementTimeoutMs = 10000);
    ~OpsLease(); // gives the lease up (best effort, within a second)
    OpsLease(const OpsLease &) = delete;
    OpsLease &operator=(const OpsLease &) = delete;

    LeaseDuty duty() const { return m_duty; }

    // Takes the duty when nobody holds it, renews it when this object does.
    // Returns whether it is held now; an error when the database could not
    // be asked (then held() is false: a holder that cannot reach the
    // database must assume another took over).
    Result<bool> acquireOrRenew(const PollControl &control);
    bool held() const { return m_held.load(); }

    // Runs `work` in one transaction, after checking in that transaction that
    // this connection holds the lease. Refused, and held() false, when not.
    Status write(const PollControl &control, const std::function<void(pqxx::transaction_base &)> &work);
    // As write(), for work whose first statement makes the same check itself
    // (a duty's database function, e.g. idem.record_poll): `work` returns
    // false when this connection does not hold the lease, having written
    // nothing. Saves write()'s round trip for the check.
    Status writeSelfChecked(const PollControl &control, const std::function<bool(pqxx::transaction_base &)> &work);

    // Gives the duty up (another contender takes it on its next try).
    Status release(const PollControl &control);

    // Who holds each duty now (every duty ever held; "alive" tells).
    static Result<QList<LeaseHolder>> holders(postgres::PgSession &session, const PollControl &control);

private:
    LeaseDuty m_duty;
    QString m_holderName;
    std::unique_ptr<postgres::PgSession> m_session;
    std::atomic_bool m_held{false};
};

} // namespace idem::connectors::ops
