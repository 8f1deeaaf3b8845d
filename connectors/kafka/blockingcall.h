#pragma once

// Runs a librdkafka call that blocks for its own timeout (metadata, offsets
// for times) on a short-lived helper thread and waits for it in slices, so
// the caller notices a cancel within about 100 ms and never waits past its
// deadline. The call gets the time left as its timeout; what it captures
// (shared handles, lists) stays alive until it returns, even when the caller
// has stopped waiting and gone.

#include "connectors/common/pollcontrol.h"

#include <QDeadlineTimer>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace idem::connectors::kafka {

// How much earlier than the deadline a call's own timeout ends (at most): a
// call that timed out with less than this left ran into the deadline.
inline constexpr std::chrono::milliseconds kCallMargin{200};

// The call's own timeout ends a little before the deadline, so that its
// answer (with librdkafka's reason: "Local: Broker transport failure")
// arrives before the caller stops waiting and can only say "no answer".
inline int callTimeoutMs(const PollControl &control)
{
    const qint64 left = control.remaining().count();
    return int(std::max<qint64>(1, left - std::min<qint64>(kCallMargin.count(), left / 10)));
}

// nullopt: cancelled, out of time, or `giveUp` (asked every slice) said so
// before the call answered.
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
    const int timeoutMs = callTimeoutMs(control);
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

// Runs `count` such calls, `call(index, timeoutMs)`, at most `parallel` at
// a time on short-lived helper threads, and waits for all of them as
// callWithin waits for one. nullopt: cancelled or out of time before every
// call answered.
template <typename T, typename Call>
std::optional<std::vector<T>> callEachWithin(const PollControl &control, int count, int parallel, Call call)
{
    struct Pending
    {
        std::mutex mutex;
        std::condition_variable answered;
        std::vector<std::optional<T>> values;
        int next = 0;      // the next call to start
        int done = 0;      // calls answered
        bool stop = false; // the caller has gone: start no more
    };
    if (control.shouldStop())
        return std::nullopt;
    if (count <= 0)
        return std::vector<T>();
    auto pending = std::make_shared<Pending>();
    pending->values.resize(size_t(count));
    const int timeoutMs = callTimeoutMs(control);
    const QDeadlineTimer deadline{std::chrono::milliseconds(timeoutMs)};
    for (int w = 0; w < std::min(count, std::max(1, parallel)); ++w) {
        std::thread([pending, call, count, deadline]() mutable {
            for (;;) {
                int index = 0;
                {
                    std::lock_guard lock(pending->mutex);
                    if (pending->stop || pending->next >= count)
                        return;
                    index = pending->next++;
                }
                T value = call(index, int(std::max<qint64>(1, deadline.remainingTime())));
                std::lock_guard lock(pending->mutex);
                pending->values[size_t(index)] = std::move(value);
                ++pending->done;
                pending->answered.notify_all();
            }
        }).detach();
    }
    std::unique_lock lock(pending->mutex);
    while (pending->done < count) {
        if (control.shouldStop()) {
            pending->stop = true;
            return std::nullopt;
        }
        pending->answered.wait_for(lock, std::max(control.slice(), std::chrono::milliseconds(1)));
    }
    std::vector<T> out;
    out.reserve(size_t(count));
    for (auto &v : pending->values)
        out.push_back(std::move(*v));
    return out;
}

} // namespace idem::connectors::kafka
