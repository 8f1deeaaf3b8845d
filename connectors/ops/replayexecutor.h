#pragma once

// Executes an approved replay exactly once: claims it in the ops database
// (one executor per request; the claim is the executor's session lock),
// sends each item to its target topic with the dead letter's key, value and
// identity headers plus provenance headers (idem-replay-request,
// idem-replay-item, idem-approved-by, idem-original-dlq), through the
// idempotent producer, in item order (so per-partition order holds), at most
// `rateLimit` messages a second, and records each produced offset. A resumed
// claim (the previous executor died) first looks for the provenance headers
// of the items left pending on the target partitions, from the high
// watermarks recorded at the first claim, and sends only those not found.
// Then it waits until each sent event is processed in the stores of its
// target topic (confirmed) or the verification time runs out, and finishes
// the request: done when every item is confirmed or skipped, failed
// otherwise, naming the unconfirmed items.
//
// Known limits: a record the dead executor handed to the kernel but the
// broker appends only after the resumed scan read the partition would be
// sent twice; on loopback and in practice the scan runs long after it.
//
// Blocking; use it from a worker thread.

#include "connectors/common/pollcontrol.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/core/result.h"

#include <QDateTime>

#include <chrono>
#include <functional>

namespace idem::connectors::ops {

class ReplayStore;

struct ExecutorOptions
{
    double rateLimit = 100; // messages a second; <= 0: as fast as the cluster takes them
    std::chrono::milliseconds verifyTimeout{60000};
    std::chrono::milliseconds verifyInterval{500};
    int recordBatch = 500; // item results written to the ops database at once
    kafka::KafkaProperties producerOverrides;
};

struct ExecutionProgress
{
    qint64 request = 0;
    int items = 0;
    int sent = 0; // produced and acknowledged by this run or found from an earlier one
    int skipped = 0;
    int failed = 0;
    int confirmed = 0;
};

struct ExecutionReport
{
    ExecutionProgress counts;
    qint64 request = 0;
    int attempt = 0;
    bool resumed = false;
    int foundFromEarlierRun = 0; // provenance headers found by a resumed run
    int producedNow = 0;
    QString status; // done, failed
    QString detail;
    QDateTime approvedAt;
    QDateTime claimedAt;
    QDateTime firstProducedAt; // invalid when nothing was produced
    double sendSeconds = 0; // from claim to the last acknowledgement
};

class ReplayExecutor final
{
public:
    ReplayExecutor(models::EnvironmentConfig env, ReplayStore &store, ExecutorOptions options = {});

    using ProgressFn = std::function<void(const ExecutionProgress &)>;
    Result<ExecutionReport> run(qint64 request, const PollControl &control, const ProgressFn &progress = {});

private:
    models::EnvironmentConfig m_env;
    ReplayStore &m_store;
    ExecutorOptions m_options;
};

// Headers of a dead letter that say why and where it failed, left out of its replay.
bool isDeadLetterHeader(const QByteArray &name);

} // namespace idem::connectors::ops
