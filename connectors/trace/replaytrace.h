#pragma once

// What the ops database knows of an event_id's replays: for every replay
// request holding it, a hop when it was requested (by whom, why), when it was
// approved (by whom) and, once sent, where the replayed copy was produced.
// One read-only query, the event_id bound; the tables are readable by every
// Idem role.

#include "connectors/common/pollcontrol.h"
#include "models/core/result.h"
#include "models/trace/trace.h"

#include <memory>

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::trace {

Result<QList<models::TraceHop>> traceReplays(postgres::PgSession &session, const QString &eventId,
                                             const PollControl &control);

// The ops database's session as trace uses it: read-only, labelled "the ops database".
std::unique_ptr<postgres::PgSession> openOpsSession(const QString &connection);

} // namespace idem::connectors::trace
