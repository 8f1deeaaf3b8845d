#pragma once

// Runs a librdkafka call that blocks for its own timeout (metadata, offsets
// for times) on a short-lived helper thread and waits for it in slices, so
// the caller notices a cancel within about 100 ms and never waits past its
// deadline. The call gets the time left as its timeout; what it captures
// (shared handles, lists) stays alive until it returns, even when the caller
// has stopped waiting and gone.

#include "connectors/common/pollcontrol.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace idem::connectors::kafka {

// nullopt: cancelled, out of time, or `giveUp` (asked every slice) said so
// before the call answered.
// How much earlier than the deadline a call's own timeout ends (at most): a
// call that timed out with less than this left ran into the deadline.
inline constexpr std::chrono::milliseconds kCallMargin{200};

template <typename T, typename Call, typename GiveUp>
std::optional<T> callWithin(const PollControl &control, Call call, GiveUp giveUp)
{
    struct Pending
    {
        std::mutex mutex;
        std::condition_variable answered;
        std::optional<T> value;
    };
    if (control.shouldStop())
        return std::nullopt;
    auto pending = std::make_shared<Pending>();
    // The call's own timeout ends a little before the deadline, so that its
    // answer (with librdkafka's reason: "Local: Broker transport failure")
    // arrives before the caller stops waiting and can only say "no answer".
    const qint64 left = control.remaining().count();
    const int timeoutMs = int(std::max<qint64>(1, left - std::min<qint64>(kCallMargin.count(), left / 10)));
    std::thread([pending, call = std::move(call), timeoutMs]() mutable {
        T value = call(timeoutMs);
        std::lock_guard lock(pending->mutex);
        pending->value = std::move(value);
        pending->answered.notify_all();
    }).detach();
    std::unique_lock lock(pending->mutex);
    while (!pending->value) {
        if (control.shouldStop() || giveUp())
            return std::nullopt;
        pending->answered.wait_for(lock, std::max(control.slice(), std::chrono::milliseconds(1)));
    }
    return std::move(pending->value);
}

template <typename T, typename Call>
std::optional<T> callWithin(const PollControl &control, Call call)
{
    return callWithin<T>(control, std::move(call), [] { return false; });
}

} // namespace idem::connectors::kafka
