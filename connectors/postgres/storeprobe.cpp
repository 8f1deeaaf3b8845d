#include "connectors/postgres/storeprobe.h"

#include "connectors/postgres/storewatcher.h"

namespace idem::connectors::postgres {

namespace {

// Room to connect (connect_timeout) and run the probe and figures queries
// (each bounded by the statement timeout).
PollControl oneShot(int statementTimeoutMs)
{
    return PollControl::within(std::chrono::milliseconds(6000 + 2 * std::max(statementTimeoutMs, 1000)));
}

} // namespace

models::ConnectionHealth probeStore(const models::StoreConfig &store)
{
    StoreWatcher watcher(store);
    return watcher.poll(oneShot(store.statementTimeoutMs)).health;
}

models::ConnectionHealth probeOpsDatabase(const models::OpsDatabaseConfig &ops)
{
    StoreWatcher watcher(ops);
    return watcher.poll(oneShot(5000)).health;
}

} // namespace idem::connectors::postgres
