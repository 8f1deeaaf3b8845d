#include "connectors/ops/opslease.h"

#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"

#include <QCoreApplication>
#include <QHostInfo>

#include <pqxx/pqxx>

namespace idem::connectors::ops {

QString leaseDutyName(LeaseDuty duty)
{
    switch (duty) {
    case LeaseDuty::Index:
        return QStringLiteral("index");
    case LeaseDuty::Recorder:
        return QStringLiteral("recorder");
    }
    return {};
}

QString defaultLeaseHolderName(const QString &program)
{
    return QStringLiteral("%1 on %2 (pid %3)")
        .arg(program, QHostInfo::localHostName())
        .arg(QCoreApplication::applicationPid());
}

QString LeaseHolder::describe() const
{
    const auto at = [](const QDateTime &t) { return t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'")); };
    if (alive)
        return QStringLiteral("%1 as %2 since %3").arg(holder, role, at(acquiredAt));
    return QStringLiteral("nobody (last: %1 as %2, until %3)").arg(holder, role, at(renewedAt));
}

OpsLease::OpsLease(const QString &connection, LeaseDuty duty, const QString &holderName, int statementTimeoutMs)
    : m_duty(duty)
    , m_holderName(holderName)
    , m_session(std::make_unique<postgres::PgSession>(
          connection, postgres::PgSessionOptions{QStringLiteral("the ops database"), false, statementTimeoutMs}))
{
}

OpsLease::~OpsLease()
{
    if (m_held.load())
        (void)release(PollControl::within(std::chrono::seconds(1)));
}

Result<bool> OpsLease::acquireOrRenew(const PollControl &control)
{
    bool held = false;
    const std::string duty = leaseDutyName(m_duty).toStdString();
    const std::string holder = m_holderName.toStdString();
    Status ran = m_session->run(control, [&](pqxx::transaction_base &tx) {
        held = tx.exec_params1("SELECT idem.lease_acquire($1, $2)", duty, holder)[0].as<bool>();
    });
    if (!ran.ok()) {
        m_held = false;
        return makeError(
            QStringLiteral("could not take or renew the %1 lease: %2").arg(leaseDutyName(m_duty), ran.error()));
    }
    m_held = held;
    return held;
}

Status OpsLease::write(const PollControl &control, const std::function<void(pqxx::transaction_base &)> &work)
{
    const std::string duty = leaseDutyName(m_duty).toStdString();
    return writeSelfChecked(control, [&](pqxx::transaction_base &tx) {
        if (!tx.exec_params1("SELECT idem.holds_lease($1)", duty)[0].as<bool>())
            return false; // nothing written
        work(tx);
        return true;
    });
}

Status OpsLease::writeSelfChecked(const PollControl &control,
                                  const std::function<bool(pqxx::transaction_base &)> &work)
{
    bool lost = false;
    Status ran = m_session->run(control, [&](pqxx::transaction_base &tx) { lost = !work(tx); });
    if (lost) {
        m_held = false;
        return makeError(QStringLiteral("this session no longer holds the %1 lease: nothing written; "
                                              "it is taken again on the next try if nobody else holds it")
                                   .arg(leaseDutyName(m_duty)));
    }
    if (!ran.ok() && !m_session->isConnected())
        m_held = false; // the lock went with the connection
    return ran;
}

Status OpsLease::release(const PollControl &control)
{
    const std::string duty = leaseDutyName(m_duty).toStdString();
    Status ran = m_session->run(control, [&](pqxx::transaction_base &tx) {
        tx.exec_params("SELECT idem.lease_release($1)", duty);
    });
    m_held = false;
    return ran;
}

Result<QList<LeaseHolder>> OpsLease::holders(postgres::PgSession &session, const PollControl &control)
{
    QList<LeaseHolder> list;
    Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        list.clear();
        const auto rows = tx.exec(
            "SELECT duty, holder, holder_role::text, backend_pid, (extract(epoch FROM acquired_at) * 1000)::bigint, "
            "(extract(epoch FROM renewed_at) * 1000)::bigint, alive FROM idem.lease_holder ORDER BY duty");
        for (const auto &row : rows) {
            LeaseHolder h;
            h.duty = postgres::textOf(row[0]);
            h.holder = postgres::textOf(row[1]);
            h.role = postgres::textOf(row[2]);
            h.backendPid = row[3].as<int>();
            h.acquiredAt = postgres::msTimeOf(row[4]);
            h.renewedAt = postgres::msTimeOf(row[5]);
            h.alive = row[6].as<bool>();
            list.append(h);
        }
    });
    if (!ran.ok())
        return makeError(ran.error());
    return list;
}

} // namespace idem::connectors::ops
