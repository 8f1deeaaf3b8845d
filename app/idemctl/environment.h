#pragma once

// What idemctl's commands share: the environment from --config and
// --environment, a cluster's properties, and polling the flows' lag.

#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/metrics/flowmetrics.h"

#include <QDateTime>

#include <chrono>

class QCommandLineParser;

namespace idem::ctl {

struct LoadedEnvironment
{
    models::Config config;
    models::EnvironmentConfig environment;
};

// The environment the command is about, from --config and --environment.
Result<LoadedEnvironment> loadEnvironment(const QCommandLineParser &parser);

// The librdkafka properties of the cluster the command is about (--bootstrap,
// else --cluster of the environment, else its only cluster).
Result<connectors::kafka::KafkaProperties> clusterProperties(const QCommandLineParser &parser);

struct PollOptions
{
    int polls = 2;
    std::chrono::milliseconds interval{2000};
};

// What lag and health start from: the environment and how to poll it
// (--polls, --interval).
struct PollRequest
{
    LoadedEnvironment loaded;
    PollOptions options;
};
Result<PollRequest> pollRequest(const QCommandLineParser &parser);

// Polls every cluster of the environment (or one flow's) `polls` times,
// `interval` apart, into one tracker; returns the last snapshot of each.
QList<models::LagSnapshot> pollFlows(const models::EnvironmentConfig &env, const QString &onlyFlow,
                                     const PollOptions &options, models::MetricsTracker &tracker);

// --from and --to as trace, dlq list and reconcile take them (ISO 8601, UTC
// without a zone; now; or an age such as -30m), each invalid when not given;
// refused when --from is not before --to.
struct TimeWindow
{
    QDateTime from;
    QDateTime to;
};
Result<TimeWindow> timeWindow(const QCommandLineParser &parser, const QDateTime &now);

} // namespace idem::ctl
