#include "connectors/postgres/storemetrics.h"

#include "connectors/postgres/storewatcher.h"

namespace idem::connectors::postgres {

Result<models::StoreFigures> readStoreFigures(const models::StoreConfig &store, std::chrono::seconds window)
{
    StoreWatcher watcher(store);
    const auto control = PollControl::within(std::chrono::milliseconds(6000 + 2 * std::max(store.statementTimeoutMs, 1000)));
    StoreWatcher::Reading reading = watcher.poll(control, window);
    if (reading.figures)
        return *reading.figures;
    return makeError(QStringLiteral("store %1: cannot read its figures: %2").arg(store.name, reading.health.detail));
}

} // namespace idem::connectors::postgres
