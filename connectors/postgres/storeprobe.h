#pragma once

// Connection strings and health checks for the PostgreSQL databases Idem
// reads: consumer stores (read-only, with a statement timeout on every
// query) and the ops database.

#include "models/config/config.h"
#include "models/core/result.h"
#include "models/health/connectionhealth.h"

namespace idem::connectors::postgres {

// The libpq connection string to use for `connection` (keyword/value, URI or
// service=): ${NAME} references expanded, and read-only transactions, a
// statement timeout and a connect timeout added. Values are quoted for libpq.
Result<QString> sessionConnectionString(const QString &connection, bool readOnly, int statementTimeoutMs,
                                        int connectTimeoutSeconds = 5);

// Connects to a store and checks that its registry and attempt tables are there.
models::ConnectionHealth probeStore(const models::StoreConfig &store);

// Connects to the ops database and checks that it answers.
models::ConnectionHealth probeOpsDatabase(const models::OpsDatabaseConfig &ops);

} // namespace idem::connectors::postgres
