#include "connectors/sandbox/worldstate.h"

#include <algorithm>

namespace idem::connectors::sandbox {

using namespace std::chrono_literals;

FaultSchedule::FaultSchedule(const SandboxOptions &options)
    : m_options(options)
{
    std::chrono::milliseconds total{0};
    for (const auto delay : options.retryDelays)
        total += delay;
    // The first outage comes early enough to be seen in a short demo; it lasts
    // longer than all retry delays together, so the events that fail at its
    // start run out of attempts and are dead-lettered.
    m_outageStart = std::clamp<std::chrono::milliseconds>(total * 10, 5s, 60s);
    m_outageLength = total * 6 / 5 + 2s;
}

std::chrono::milliseconds FaultSchedule::sinceStart() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_start);
}

bool FaultSchedule::inWindow(std::chrono::milliseconds start, std::chrono::milliseconds length,
                             std::chrono::milliseconds period) const
{
    const auto now = sinceStart();
    if (now < start)
        return false;
    return (now - start) % period < length;
}

bool FaultSchedule::outageActive() const
{
    return enabled(Fault::Outage) && inWindow(m_outageStart, m_outageLength, 1h);
}

bool FaultSchedule::slowConsumerActive() const
{
    return enabled(Fault::SlowConsumer) && inWindow(45s, 60s, 30min);
}

int FaultSchedule::brokerDown() const
{
    return enabled(Fault::BrokerDown) && inWindow(120s, 5s, 30min) ? 2 : 0;
}

bool FaultSchedule::burstActive() const
{
    return inWindow(30s, 15s, 5min);
}

} // namespace idem::connectors::sandbox
