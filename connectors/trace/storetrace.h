#pragma once

// What one consumer store recorded about an event_id, read through the
// store's mapping in one read-only transaction: the registry row, the
// attempts log (as hops), and then, in a second bounded step, rows with the
// same entity key and event type under other event_ids (logical duplicates).
// Values are bound as parameters; table and column names come from the
// configuration, quoted. Rows are read as to_jsonb(row), so a mapped column
// the table lacks is simply absent instead of failing the query.
//
// Known limit: the logical-duplicate query needs an index on the registry's
// entity key to be fast on a large store; without one it is bounded by
// `duplicatesBudget` and reported as not checked.

#include "connectors/common/pollcontrol.h"
#include "models/config/config.h"
#include "models/trace/trace.h"

#include <chrono>

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::trace {

struct StoreTrace
{
    models::StoreRecord record;
    QList<models::TraceHop> hops; // processed / skipped / failed per attempt; logical duplicates
    QString duplicatesNote; // why logical duplicates were not checked; empty when they were
};

StoreTrace traceStore(postgres::PgSession &session, const models::StoreConfig &store, const QString &group,
                      const QString &eventId, const PollControl &control,
                      std::chrono::milliseconds duplicatesBudget = std::chrono::milliseconds(1500));

// A store's session as trace uses it: read-only, labelled "store NAME", the
// store's statement timeout.
std::unique_ptr<postgres::PgSession> openStoreSession(const models::StoreConfig &store);

} // namespace idem::connectors::trace
