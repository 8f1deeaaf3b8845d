#pragma once

// Reads a store's figures (processed, duplicates skipped, retried, failed,
// dead-lettered) from its attempt log over a window, in a read-only
// transaction with the store's statement timeout, through its mapping:
// identifiers quoted, values bound. A one-shot StoreWatcher poll, for
// idemctl; the console keeps one StoreWatcher per store.

#include "models/config/config.h"
#include "models/core/result.h"
#include "models/metrics/storefigures.h"

#include <chrono>

namespace idem::connectors::postgres {

Result<models::StoreFigures> readStoreFigures(const models::StoreConfig &store, std::chrono::seconds window);

} // namespace idem::connectors::postgres
