#pragma once

// One-shot health checks of the PostgreSQL databases Idem reads (consumer
// stores, read-only, and the ops database), for idemctl. Each opens a
// StoreWatcher for the call, so they take the same path as the console's
// live monitor.

#include "models/config/config.h"
#include "models/health/connectionhealth.h"

namespace idem::connectors::postgres {

// Connects to a store and checks that its registry and attempt tables are there.
models::ConnectionHealth probeStore(const models::StoreConfig &store);

// Connects to the ops database and checks that it answers.
models::ConnectionHealth probeOpsDatabase(const models::OpsDatabaseConfig &ops);

} // namespace idem::connectors::postgres
