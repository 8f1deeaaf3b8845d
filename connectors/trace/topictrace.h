#pragma once

// The Kafka side of a trace, for the flows of one cluster: where the event's
// copies are on the source, retry and dead-letter topics, and which of the
// flow's groups have committed past each copy. Fastest first:
// 1. the retry and dead-letter topics are scanned (small), and each copy
//    found there names its original topic, partition and offset, which is
//    read directly (a known location: found even outside the window or the
//    budget);
// 2. the event index (where there is an ops database and the runner passed
//    its answer): every location it holds for the event is read directly
//    and checked, and the ranges it covers are not scanned (reported as
//    "indexed"); what it does not cover yet is scanned;
// 3. the source topics are scanned over the window (the window turned into
//    offsets per partition: the cluster's time lookup, else a binary search
//    on record timestamps), all partitions at once, in chunks, newest
//    records first when the budget is smaller than the window: only a scan
//    finds a second copy.
// The result states exactly which ranges were read and which were not, and
// why (retention, budget, cancel, deadline, error, location known).
//
// Blocking; call it from a worker thread. One KafkaReader for the scan and,
// for the time lookups, a few more on helper threads.

#include "connectors/common/pollcontrol.h"
#include "connectors/trace/topicwindow.h"
#include "models/config/config.h"
#include "models/trace/trace.h"


namespace idem::connectors::ops {
struct IndexLookup;
}

namespace idem::connectors::trace {

struct TopicTraceOptions
{
    qint64 messageBudget = 5'000'000; // in all, over every partition read
    qint64 chunk = 250'000; // messages held at once while scanning
    int lookupThreads = 4; // time lookups in parallel
};

struct TopicTrace
{
    QList<models::TraceHop> hops; // produced, retried, dead-lettered, consumed
    QList<models::ScannedRange> scanned;
    QList<models::NotScannedRange> notScanned;
    qint64 messagesScanned = 0;
    QString error; // the cluster could not be read at all
    QString groupsNote; // committed offsets not read: why
};

TopicTrace traceTopics(const models::KafkaClusterConfig &cluster, const QList<models::FlowConfig> &flows,
                       const models::TraceQuery &query, const TopicTraceOptions &options, const PollControl &control,
                       const StepReport &report, const ops::IndexLookup *index = nullptr);

} // namespace idem::connectors::trace
