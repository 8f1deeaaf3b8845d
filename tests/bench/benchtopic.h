#pragma once

// Benchmarks' shared topic: `messages` small JSON messages, each with an
// event_id header ("ID-<n>") and the same id in its payload, key "<n>",
// spread round-robin over the partitions of `topic` (created here) on a
// fresh mock cluster. Errors are printed; returns nullptr then.

#include "connectors/kafka/mockkafka.h"

#include <QString>

#include <memory>

namespace idem::bench {

std::unique_ptr<connectors::kafka::MockKafka> startBenchTopic(const QString &topic, qint64 messages, int partitions);

// Runs `kcat ARGS -C -b BOOTSTRAP -t TOPIC -e -o beginning -f '%h %k\n' -q | FILTER`
// through the shell and returns how long it took in ms, its output in
// *output; -1 when kcat is not installed or did not finish in 10 minutes
// (said on standard output).
qint64 timeKcat(const QString &bootstrap, const QString &topic, const QString &kcatArgs, const QString &filter,
                QByteArray *output);

} // namespace idem::bench
