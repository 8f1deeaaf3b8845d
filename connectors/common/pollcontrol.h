#pragma once

// How long a blocking call on a worker thread may take and whether its work
// is still wanted. Every blocking loop in connectors/ takes one: it waits at
// most the time left on `deadline` (in slices short enough to look at
// `cancelled` about every 100 ms) and stops with an error saying why when
// either runs out. One PollControl serves a whole poll, so the steps of a
// poll share one deadline instead of chaining their own timeouts.

#include <QDeadlineTimer>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace idem::connectors {

struct PollControl
{
    QDeadlineTimer deadline{QDeadlineTimer::Forever};
    const std::atomic_bool *cancelled = nullptr;

    static PollControl within(std::chrono::milliseconds budget,
                              const std::atomic_bool *cancel = nullptr)
    {
        return PollControl{QDeadlineTimer(budget), cancel};
    }

    bool isCancelled() const { return cancelled && cancelled->load(std::memory_order_relaxed); }
    bool expired() const { return deadline.hasExpired(); }
    // Cancelled or out of time: stop and report what was done.
    bool shouldStop() const { return isCancelled() || expired(); }

    // The time left, at most `cap` (so a loop can look at `cancelled` again),
    // never negative.
    std::chrono::milliseconds slice(std::chrono::milliseconds cap = std::chrono::milliseconds(100)) const
    {
        if (deadline.isForever())
            return cap;
        const auto left = std::chrono::milliseconds(std::max<qint64>(0, deadline.remainingTime()));
        return std::min(left, cap);
    }

    // The same control with at most `budget` left (a step's own limit within a longer whole).
    PollControl atMost(std::chrono::milliseconds budget) const
    {
        PollControl c = *this;
        if (c.deadline.isForever() || c.deadline.remainingTime() > budget.count())
            c.deadline = QDeadlineTimer(budget);
        return c;
    }

    // The time left, for a single call that cannot be sliced.
    std::chrono::milliseconds remaining(std::chrono::milliseconds ifForever = std::chrono::seconds(30)) const
    {
        if (deadline.isForever())
            return ifForever;
        return std::chrono::milliseconds(std::max<qint64>(0, deadline.remainingTime()));
    }
};

} // namespace idem::connectors
