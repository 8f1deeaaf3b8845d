#include "connectors/trace/replaytrace.h"

#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"
#include "models/core/untrustedtext.h"

#include <pqxx/pqxx>

namespace idem::connectors::trace {

using postgres::msTimeOf;
using postgres::textOf;

std::unique_ptr<postgres::PgSession> openOpsSession(const QString &connection)
{
    postgres::PgSessionOptions options;
    options.label = QStringLiteral("the ops database");
    options.readOnly = true;
    options.statementTimeoutMs = 5000;
    options.firstRetryDelay = std::chrono::milliseconds(200);
    options.maxRetryDelay = std::chrono::milliseconds(5000);
    return std::make_unique<postgres::PgSession>(connection, options);
}

Result<QList<models::TraceHop>> traceReplays(postgres::PgSession &session, const QString &eventId,
                                             const PollControl &control)
{
    QList<models::TraceHop> hops;
    const Status read = session.run(control, [&](pqxx::transaction_base &tx) {
        const pqxx::result r = tx.exec_params(
            "SELECT r.id, r.flow, r.reason, r.requested_by, (extract(epoch FROM r.requested_at) * 1000)::bigint, r.status,"
            " r.approved_by, (extract(epoch FROM r.approved_at) * 1000)::bigint, i.item, i.dlq_topic, i.dlq_partition, i.dlq_offset,"
            " i.target_topic, i.state, i.produced_partition, i.produced_offset, i.dry_run, i.dry_run_reason,"
            " (extract(epoch FROM coalesce(r.finished_at, r.claimed_at)) * 1000)::bigint"
            " FROM idem.replay_item i JOIN idem.replay_request r ON r.id = i.request"
            " WHERE i.event_id = $1 ORDER BY r.id, i.item LIMIT 100",
            eventId.toStdString());
        for (const auto &row : r) {
            const qint64 id = row[0].as<qint64>();
            const QString deadLetter = QStringLiteral("%1:%2:%3").arg(textOf(row[9])).arg(row[10].as<int>()).arg(row[11].as<qint64>());
            models::TraceHop requested;
            requested.kind = models::HopKind::ReplayRequested;
            requested.system = QStringLiteral("replay %1").arg(id);
            requested.time = msTimeOf(row[4]);
            requested.status = textOf(row[5]);
            requested.detail = QStringLiteral("replay %1 of %2 requested by %3 (%4): \"%5\"; now %6")
                                   .arg(QString::number(id), deadLetter, textOf(row[3]), textOf(row[1]), models::capUntrusted(textOf(row[2])),
                                        textOf(row[5]));
            hops << requested;
            if (!row[6].is_null()) {
                models::TraceHop approved;
                approved.kind = models::HopKind::ReplayApproved;
                approved.system = requested.system;
                approved.time = msTimeOf(row[7]);
                approved.detail = QStringLiteral("replay %1 approved by %2").arg(QString::number(id), textOf(row[6]));
                hops << approved;
            }
            const QString state = textOf(row[13]);
            if (!row[15].is_null() || state == QLatin1String("skipped")) {
                models::TraceHop executed;
                executed.kind = models::HopKind::ReplayExecuted;
                executed.system = requested.system;
                executed.time = msTimeOf(row[18]);
                executed.status = state;
                if (!row[15].is_null()) {
                    executed.topic = textOf(row[12]);
                    executed.partition = row[14].as<int>();
                    executed.offset = row[15].as<qint64>();
                    executed.detail = QStringLiteral("replayed by request %1 to %2 %3@%4 (%5)")
                                          .arg(QString::number(id), executed.topic, QString::number(executed.partition),
                                               QString::number(executed.offset), state);
                } else {
                    executed.detail = QStringLiteral("not replayed by request %1: skipped (%2)")
                                          .arg(QString::number(id), models::capUntrusted(textOf(row[17])));
                }
                hops << executed;
            }
        }
    });
    if (!read)
        return makeError(read.error());
    return hops;
}

} // namespace idem::connectors::trace
