#include "connectors/common/repeatsummary.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace idem::connectors {

RepeatSummary::RepeatSummary(Sink sink, std::chrono::milliseconds window)
    : m_sink(std::move(sink))
    , m_window(window)
{}

std::string RepeatSummary::keyOf(const std::string &line)
{
    // Numbers and parenthesised remarks ("(after 0ms in state CONNECT, 1
    // identical error(s) suppressed)") do not make a message different.
    std::string key;
    key.reserve(line.size());
    bool inNumber = false;
    int depth = 0;
    for (const char c : line) {
        if (c == '(') {
            if (depth++ == 0)
                key += "(…)";
            continue;
        }
        if (c == ')' && depth > 0) {
            --depth;
            continue;
        }
        if (depth > 0)
            continue;
        const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
        if (digit && !inNumber)
            key += '#';
        else if (!digit)
            key += c;
        inNumber = digit;
    }
    return key;
}

void RepeatSummary::emitDue(Clock::time_point now, bool all)
{
    std::vector<std::pair<int, std::string>> due;
    for (auto it = m_seen.begin(); it != m_seen.end();) {
        const auto age = now - it->second.windowStart;
        if (age < m_window && !all) {
            ++it;
            continue;
        }
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::min<Clock::duration>(age, m_window)).count();
        const std::string span = seconds >= 60 && seconds % 60 == 0
            ? (seconds == 60 ? std::string("minute") : std::to_string(seconds / 60) + " minutes")
            : std::to_string(std::max<long long>(1, seconds)) + " s";
        if (it->second.suppressed > 0)
            due.emplace_back(it->second.level,
                             it->second.last + " (and " + std::to_string(it->second.suppressed)
                                 + " more times in the last " + span + ")");
        it = m_seen.erase(it);
    }
    for (const auto &[level, line] : due)
        m_sink(level, line);
}

void RepeatSummary::add(int level, const std::string &line, Clock::time_point now)
{
    bool first = false;
    {
        std::lock_guard lock(m_mutex);
        emitDue(now, false);
        const std::string key = keyOf(line);
        auto it = m_seen.find(key);
        if (it == m_seen.end()) {
            m_seen.emplace(key, Seen{now, 0, level, line});
            first = true;
        } else {
            ++it->second.suppressed;
            it->second.last = line;
        }
    }
    if (first)
        m_sink(level, line);
}

void RepeatSummary::flush(Clock::time_point now)
{
    std::lock_guard lock(m_mutex);
    emitDue(now, false);
}

void RepeatSummary::flushAll(Clock::time_point now)
{
    std::lock_guard lock(m_mutex);
    emitDue(now, true);
}

} // namespace idem::connectors
