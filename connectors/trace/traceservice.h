#pragma once

// Traces on a worker thread (RequestWorker): one trace at a time, progress
// forwarded to the thread the service lives in, stop() ends the running
// trace early with the ranges it read. The runner (and its store sessions)
// lives on the worker thread and is reused by every trace.
//
// With `feedIndex` and an ops database, the service also contends for the
// event index's lease on a thread of its own and tails the flows' topics
// while it holds it (connectors/ops/eventindex.h); the index's summary line
// is emitted as indexSummaryChanged every few seconds when it changes.

#include "connectors/common/requestworker.h"
#include "connectors/trace/tracerunner.h"
#include "models/config/config.h"
#include "models/trace/tracesource.h"

#include <atomic>
#include <memory>

namespace idem::connectors::trace {

class TraceService final : public models::TraceSource
{
    Q_OBJECT

public:
    explicit TraceService(models::EnvironmentConfig environment, TraceRunnerOptions options = {},
                          QObject *parent = nullptr, bool feedIndex = false);
    ~TraceService() override;

    quint64 trace(const models::TraceQuery &query) override;
    void stop() override;
    QStringList flows() const override;

private:
    models::EnvironmentConfig m_environment;
    std::shared_ptr<TraceRunner> m_runner; // used on the worker thread only
    RequestWorker m_worker;
    std::shared_ptr<std::atomic_bool> m_stop; // the running trace's
    quint64 m_current = 0;
    struct IndexFeeder;
    std::unique_ptr<IndexFeeder> m_feeder;
};

} // namespace idem::connectors::trace
