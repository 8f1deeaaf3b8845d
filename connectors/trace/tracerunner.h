#pragma once

// Runs one trace: the stores of the traced flows and the Kafka side of each
// cluster at the same time, each on its own thread with its own timeout and
// a visible state; a store or cluster that cannot be read shows as "could
// not check …" while the rest completes. Keeps one read-only session per
// store across traces, so a repeated trace does not connect again.
//
// Blocking: run() on a worker thread (TraceService), one run at a time.

#include "connectors/common/pollcontrol.h"
#include "connectors/trace/topictrace.h"
#include "models/config/config.h"
#include "models/trace/trace.h"

#include <chrono>
#include <functional>
#include <memory>

namespace idem::connectors::trace {

struct TraceRunnerOptions
{
    TopicTraceOptions topics;
    std::chrono::milliseconds storeTimeout{8000}; // each store, every query of it included
    std::chrono::milliseconds topicTimeout{120000}; // each cluster: lag poll, window, scans
};

class TraceRunner final
{
public:
    explicit TraceRunner(models::EnvironmentConfig environment, TraceRunnerOptions options = {});
    ~TraceRunner();
    TraceRunner(const TraceRunner &) = delete;
    TraceRunner &operator=(const TraceRunner &) = delete;

    // Called from the runner's threads (never at once) with every step as it
    // stands and the messages scanned so far.
    using Progress = std::function<void(const QList<models::TraceStep> &steps, qint64 scanned)>;

    models::TraceResult run(const models::TraceQuery &query, const PollControl &control, const Progress &progress = {});

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace idem::connectors::trace
