#pragma once

// Reconciles one flow over a window [from, to): reads every message of the
// flow's source topics in the window (the window turned into offsets as
// trace does: topicwindow.h) in one streamed pass, each message's event_id
// read at scan speed on librdkafka's buffers (fieldreader.h) into a compact
// set (models/reconcile/eventidset.h), then the dead-letter topic from the
// window's start, and the groups' committed offsets. Meanwhile each group's
// store, all stores at once on their own threads and read-only sessions, is
// asked for exactly the window's event_ids as they are read, in batches of
// bound text arrays made once for every store (joined by position:
// `unnest($1) WITH ORDINALITY`, so a row says which id it answers; index
// probes, never a scan of the store; a batch that fills most of its range of
// the index, as ids that grow with time do, is read as that range joined by
// a hash), each row saying which slice of the window its first-seen time is
// in. Then the store's rows first seen in the window are counted by slice
// from its first-seen index, and only slices holding more rows than were
// found for the window's event_ids are read for extra rows (their event_id
// none of the window's). Store rows first seen in the window whose event was
// produced shortly before it (the look-back, read while the stores answer)
// are not extra. models/reconcile/ classifies.
//
// A store that cannot be read gives "could not check <store>: <reason>" for
// its groups while the others are reconciled; a cluster that cannot be read
// fails the whole reconcile (there is no source to compare with).
//
// Blocking: run() on a worker thread (ReconcileService), one run at a time.
//
// Known limits: the extra rows are found through the store's first-seen
// column (first_seen_at in the mapping): without an index on it, PostgreSQL
// reads the whole table to count its slices; a registry without that column
// is searched as a whole window (which then says why it cannot be read);
// store columns other than event_id, status, entity_key, event_type,
// first_seen_at are not read; id ranges are used only where the event_id
// column compares byte for byte (the C collation).

#include "connectors/common/pollcontrol.h"
#include "models/config/config.h"
#include "models/reconcile/reconcilesource.h"

#include <chrono>
#include <functional>
#include <memory>

namespace idem::connectors::reconcile {

struct ReconcileOptions
{
    int lookupThreads = 4; // time lookups in parallel
    qint64 chunk = 100'000; // messages held at once while reading (the stores are asked after each)
    int batch = 20'000; // event_ids a store query
    std::chrono::milliseconds lookback{5 * 60 * 1000}; // produced this long before the window: not extra
    std::chrono::milliseconds storeTimeout{120'000}; // each store, all of its queries
    std::chrono::milliseconds topicTimeout{300'000}; // the cluster: lag poll, window, reads
    int idCap = 10'000; // event_ids kept a class and group
    // The window's first-seen slices: only slices where a store has more rows
    // than were found for the window's event_ids are searched for extra rows.
    // 0: the whole window is searched at once, against every event_id.
    int slices = 4096;
    // Batches whose event_ids fill most of their range of a store's index
    // (where ids compare byte for byte) are read as that range; false: every
    // id is looked up on its own.
    bool idRanges = true;
    // What the reader prefetches (librdkafka's queued.max.messages.kbytes, of
    // payload: small records cost librdkafka several times that): records
    // wait there for the reconcile, not in it.
    int prefetchKiB = 4096;
};

class ReconcileRunner final
{
public:
    explicit ReconcileRunner(models::EnvironmentConfig environment, ReconcileOptions options = {});
    ~ReconcileRunner();
    ReconcileRunner(const ReconcileRunner &) = delete;
    ReconcileRunner &operator=(const ReconcileRunner &) = delete;

    // Called from the runner's threads (never at once): what runs now and how far.
    using Progress = std::function<void(const QString &step, int percent)>;

    models::ReconcileReport run(const models::ReconcileQuery &query, const PollControl &control,
                                const Progress &progress = {});

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace idem::connectors::reconcile
