#pragma once

// Benchmark support: a process's resident memory, and timed lag polls.

#include "connectors/kafka/lagpoller.h"

#include <QElapsedTimer>
#include <QFile>
#include <QList>

#include <cstdio>

namespace idem::bench {

// The registry table of the benchmarks' stores (the default mapping's names),
// without its primary key: bulk loads add it afterwards, faster.
constexpr const char *kRegistryTableSql
    = "CREATE TABLE processed_events (event_id text, entity_key text, event_type text, event_version int, "
      "status text NOT NULL, attempts int NOT NULL, first_seen_at timestamptz NOT NULL DEFAULT now(), "
      "processed_at timestamptz, result text)";

// VmRSS of /proc/PID/status in MiB (this process by default); -1 when unknown.
inline double residentMiB(qint64 pid = -1)
{
    QFile status(pid < 0 ? QStringLiteral("/proc/self/status") : QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return -1;
}

// Times `runs` lag polls of one reader, as the console polls, and keeps
// what the last one saw. A poll that was not wholly healthy is named on
// stdout with its detail.
struct LagPollTimes
{
    QList<qint64> ms; // each poll's time, in order
    qint64 rows = 0;  // group partitions of the last poll
    qint64 lag = 0;   // their total lag
};

inline LagPollTimes timeLagPolls(connectors::kafka::LagReader &reader, int runs)
{
    LagPollTimes out;
    for (int run = 0; run < runs; ++run) {
        QElapsedTimer timer;
        timer.start();
        const models::LagSnapshot s = reader.poll();
        out.ms << timer.elapsed();
        out.rows = s.partitions.size();
        out.lag = 0;
        for (const auto &p : s.partitions)
            out.lag += p.lag();
        if (s.health.state != models::HealthState::Ok)
            std::printf("  poll %d: %s\n", run, qPrintable(s.health.detail));
    }
    return out;
}

} // namespace idem::bench
