#pragma once

// Keeps a failure that repeats (a broker down, reconnect attempts) from
// filling the log: the first occurrence of a message is logged, the same
// message again within the window is only counted, and when the window has
// passed the count is logged once as "… N more times in the last minute".
// Messages are the same when they differ only in numbers (ports, timings,
// counters). Thread-safe.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace idem::connectors {

class RepeatSummary
{
public:
    using Clock = std::chrono::steady_clock;
    // Receives what to log: the line itself, or a summary.
    using Sink = std::function<void(int level, const std::string &line)>;

    explicit RepeatSummary(Sink sink, std::chrono::milliseconds window = std::chrono::minutes(1));

    // Logs `line` (at `level`, the sink's own scale) unless the same message
    // was logged within the window. Also emits the summaries that are due.
    void add(int level, const std::string &line, Clock::time_point now = Clock::now());

    // Emits the summaries that are due at `now`; call it now and then.
    void flush(Clock::time_point now = Clock::now());
    // Emits every pending summary, due or not (at exit).
    void flushAll(Clock::time_point now = Clock::now());

    // The key two lines share when they are "the same message".
    static std::string keyOf(const std::string &line);

private:
    struct Seen
    {
        Clock::time_point windowStart;
        long suppressed = 0;
        int level = 0;
        std::string last;
    };
    void emitDue(Clock::time_point now, bool all);

    Sink m_sink;
    std::chrono::milliseconds m_window;
    std::mutex m_mutex;
    std::map<std::string, Seen> m_seen;
};

} // namespace idem::connectors
