#pragma once

// A time window on the flows' topics of one cluster, turned into offsets:
// one lag poll (every partition's watermarks and the groups' committed
// offsets), then the first offset at or after each end of the window per
// partition (the cluster's time lookup, else a binary search on record
// timestamps: the mock cluster answers -1), all partitions at once on a few
// reader threads. Partitions whose offsets could not be found, and those
// whose retained log starts where the window does (records before it were
// deleted), are stated in notScanned. Trace and reconcile both start here.
//
// Blocking; call it from a worker thread.

#include "connectors/common/pollcontrol.h"
#include "connectors/kafka/kafkareader.h"
#include "models/config/config.h"
#include "models/metrics/lagsnapshot.h"
#include "models/trace/trace.h"

#include <functional>

namespace idem::connectors::trace {

// Called from the calling thread while work runs: a step's state and detail.
// `percent`: how far the step is, -1 where it cannot say.
using StepReport = std::function<void(const QString &step, models::TraceStep::State state, const QString &detail,
                                     int percent)>;

struct WindowPartition
{
    const models::FlowConfig *flow = nullptr;
    models::TopicPartitionMarks::Role role = models::TopicPartitionMarks::Role::Source;
    QString topic;
    int partition = 0;
    qint64 low = -1;
    qint64 high = -1;
    qint64 from = 0; // the window [from, to); both -1 where unknown
    qint64 to = 0;
    qint64 olderFrom = -1; // trace: a second range, before the event index's coverage
    qint64 olderTo = -1;
};

struct TopicWindow
{
    models::LagSnapshot snapshot;
    QList<WindowPartition> parts; // each partition of the flows' topics once
    kafka::KnownWatermarks known;
    kafka::KafkaProperties properties;
    QList<models::NotScannedRange> notScanned; // offsets unknown, deleted by retention
    QString error; // the cluster could not be read at all
    QString groupsNote; // committed offsets not read: why
};

// `from`, `to` invalid: no bound at that end (the log's start, its end).
TopicWindow openTopicWindow(const models::KafkaClusterConfig &cluster, const QList<models::FlowConfig> &flows,
                            const QDateTime &from, const QDateTime &to, int lookupThreads, const PollControl &control,
                            const StepReport &report);

// The first offset at or after each time (ms; < 0: the high watermark) of
// each partition, `threads` readers in parallel.
QList<Result<qint64>> lookUpTimes(const kafka::KafkaProperties &properties, const QList<WindowPartition> &parts,
                                  const QList<qint64> &times, int threads, const PollControl &control);

} // namespace idem::connectors::trace
