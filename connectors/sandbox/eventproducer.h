#pragma once

// The sandbox's business event producers: orders (created, confirmed, paid,
// shipped, cancelled) with their identity in headers and the payload, and
// payments (succeeded, refunded), an "older" producer that carries identity
// only in the payload. Orders are keyed by order_id and payments by
// payment_id, so each entity's events stay in one partition.
//
// The event sequence and the per-event faults (duplicate sends, poison
// messages, schema bumps) come from one generator seeded with --seed: the same
// seed gives the same events. Event times are real time.

#include "connectors/sandbox/worldstate.h"

#include <QString>

#include <atomic>
#include <thread>

namespace idem::connectors::sandbox {

class EventProducer final
{
public:
    EventProducer(const SandboxOptions &options, QString bootstrapServers, WorldCounters &counters,
                  const FaultSchedule &faults);
    ~EventProducer();

    void start();
    // Stops producing and waits for the messages in flight to be delivered.
    void stop();

private:
    void run();

    SandboxOptions m_options;
    QString m_bootstrap;
    WorldCounters &m_counters;
    const FaultSchedule &m_faults;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace idem::connectors::sandbox
