#pragma once

// State the sandbox's services share: the counters behind idem-sandbox's
// closing JSON summary (what the sandbox itself observed) and the fault
// schedule, which depends only on the options and the time since start.
// Counters are atomics; everything else is written before the services start
// and read-only afterwards.

#include "connectors/sandbox/sandboxoptions.h"

#include <QString>

#include <atomic>
#include <chrono>
#include <map>

namespace idem::connectors::sandbox {

struct WorldCounters
{
    std::atomic<qint64> produced{0};           // messages written to source topics
    std::atomic<qint64> duplicatesSkipped{0};  // deliveries a store had already handled
    std::atomic<qint64> retries{0};            // messages written to retry topics
    std::atomic<qint64> deadLettered{0};       // messages written to dead-letter topics
    std::atomic<qint64> lost{0};               // events committed past without being recorded (lose fault)
    std::map<QString, std::atomic<qint64>> processed; // per service; keys fixed at start
};

class FaultSchedule
{
public:
    using Clock = std::chrono::steady_clock;

    explicit FaultSchedule(const SandboxOptions &options);

    bool enabled(Fault fault) const { return m_options.faults.contains(fault); }
    std::chrono::milliseconds sinceStart() const;

    // billing's downstream is unavailable: long enough for the retries to run out.
    bool outageActive() const;
    // shipping processes slowly.
    bool slowConsumerActive() const;
    // The broker that is down now, or 0.
    int brokerDown() const;
    // The morning spike: the producer's rate is tripled.
    bool burstActive() const;

    std::chrono::milliseconds outageStart() const { return m_outageStart; }
    std::chrono::milliseconds outageLength() const { return m_outageLength; }

private:
    bool inWindow(std::chrono::milliseconds start, std::chrono::milliseconds length,
                  std::chrono::milliseconds period) const;

    SandboxOptions m_options;
    Clock::time_point m_start = Clock::now();
    std::chrono::milliseconds m_outageStart{0};
    std::chrono::milliseconds m_outageLength{0};
};

} // namespace idem::connectors::sandbox
