#pragma once

// Preparing and checking a replay: the dead letters a request names, read
// from the dead-letter topic and decoded through the flow's dead-letter
// envelope (event_id, original topic, key, payload hash), and the dry run:
// each item's event_id looked up, read-only and batched, in the store of
// every group of the flow that consumes its target topic.
//
// Blocking; use it from a worker thread.

#include "connectors/common/pollcontrol.h"
#include "models/config/config.h"
#include "models/core/result.h"
#include "models/replay/replay.h"

#include <QHash>
#include <QStringList>

#include <memory>

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::ops {

class ReplayStore;

// A dead letter by address, "topic:partition:offset".
struct DeadLetterAddress
{
    QString topic;
    int partition = 0;
    qint64 offset = 0;
};
Result<QList<DeadLetterAddress>> parseDeadLetterAddresses(const QString &text);

// The stores of the flow's groups that consume `topic` (its source topics);
// the names of the groups without a store in `unwatched`.
QList<models::StoreConfig> storesOnTopic(const models::EnvironmentConfig &env, const models::FlowConfig &flow,
                                         const QString &topic, QStringList *unwatched = nullptr);

// Looks event_ids up in stores' processed-events registries: read-only
// transactions, the statement timeout of each store, `= ANY($1)` in batches.
class ProcessedLookup final
{
public:
    explicit ProcessedLookup(QList<models::StoreConfig> stores);
    ~ProcessedLookup();
    ProcessedLookup(const ProcessedLookup &) = delete;
    ProcessedLookup &operator=(const ProcessedLookup &) = delete;

    QStringList storeNames() const;
    // event_id -> the stores where it is recorded as processed.
    Result<QHash<QString, QStringList>> processedIn(const QStringList &eventIds, const PollControl &control);

private:
    struct Store;
    std::vector<std::unique_ptr<Store>> m_stores;
};

// The dry run of `items` against the stores of their target topics: an item
// processed in every one of them is skipped (with the reason); an item whose
// topic has no watched store is sent (and says so).
Status dryRun(const models::EnvironmentConfig &env, const models::FlowConfig &flow,
              QList<models::ReplayItemSpec> &items, const PollControl &control);

// The items of a request: the dead letters at `addresses` (or, when
// `failure` is set, the newest `newest` dead letters of the flow whose
// failure group key or label equals it or whose error contains it), decoded
// through the flow's dead-letter envelope, one item per event (the copies of
// an event that several groups dead-lettered are one item). `targetTopic`
// overrides each item's original topic.
Result<QList<models::ReplayItemSpec>> collectItems(const models::EnvironmentConfig &env, const models::FlowConfig &flow,
                                                   const QList<DeadLetterAddress> &addresses, const QString &failure,
                                                   qint64 newest, const QString &targetTopic,
                                                   const PollControl &control);

// A request as idemctl and the console make it: the items collected, the
// dry run, then the request recorded as the store's signed-in person.
struct PreparedRequest
{
    qint64 id = 0;
    int items = 0;
    int skip = 0; // the dry run found them processed
};
Result<PreparedRequest> requestReplay(const models::EnvironmentConfig &env, ReplayStore &store, const QString &flow,
                                      const QList<DeadLetterAddress> &addresses, const QString &failure, qint64 newest,
                                      const QString &reason, const QString &targetTopic, const PollControl &control);

// A decision as idemctl and the console make it: for approval, the
// approver's own dry run of the items as they are now; the decision names
// `itemsHash` (what the person reviewed; empty: the items as read now).
struct Decided
{
    QString status; // approved, rejected
    int items = 0;
    int skip = 0;
};
Result<Decided> decideReplay(const models::EnvironmentConfig &env, ReplayStore &store, qint64 id, bool approve,
                             const QString &itemsHash, const QString &comment, bool overrideProcessed,
                             const PollControl &control);

// sha256 hex of a dead letter's value; empty for a tombstone.
QString payloadHash(const std::optional<QByteArray> &value);

} // namespace idem::connectors::ops
