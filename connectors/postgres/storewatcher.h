#pragma once

// Watches one consumer store, or the ops database, over one persistent
// PgSession: each poll() reports the connection's health and, for a store
// whose tables are there, its figures over a window. One watcher per store,
// polled from its own worker thread, so a slow store delays nobody else.
//
// Table names follow one rule (pgconninfo.h parseTableName): the probe and
// the figures query use the same quoted, schema-qualified name.
//
// Threads: poll() from one thread at a time; cancel() from any thread.

#include "connectors/common/pollcontrol.h"
#include "models/config/config.h"
#include "models/health/connectionhealth.h"
#include "models/metrics/storefigures.h"

#include <chrono>
#include <memory>
#include <optional>

namespace idem::connectors::postgres {

class PgSession;

class StoreWatcher final
{
public:
    struct Reading
    {
        models::ConnectionHealth health;
        std::optional<models::StoreFigures> figures; // set when the store answered with its figures
    };

    explicit StoreWatcher(const models::StoreConfig &store);
    // The ops database: health only.
    explicit StoreWatcher(const models::OpsDatabaseConfig &ops);
    ~StoreWatcher();
    StoreWatcher(const StoreWatcher &) = delete;
    StoreWatcher &operator=(const StoreWatcher &) = delete;

    Reading poll(const PollControl &control, std::chrono::seconds window = std::chrono::minutes(5));

    // Ends the query running now (or the next one), within about 100 ms.
    void cancel();

    // The session, for tests and callers that need its state.
    PgSession &session();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// The watcher of the ops database (the same class, health only).
using OpsWatcher = StoreWatcher;

} // namespace idem::connectors::postgres
