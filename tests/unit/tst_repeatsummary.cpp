// A failure that repeats is logged once, then summarised once its window has
// passed; different failures are logged each; numbers do not make a message
// different.

#include "connectors/common/repeatsummary.h"

#include <QtTest>

using namespace idem::connectors;
using namespace std::chrono_literals;

class TestRepeatSummary : public QObject
{
    Q_OBJECT

private slots:
    void repeatsAreSummarised()
    {
        std::vector<std::pair<int, std::string>> logged;
        RepeatSummary summary([&](int level, const std::string &line) { logged.emplace_back(level, line); }, 60s);
        const auto t0 = RepeatSummary::Clock::time_point{} + 1h;
        // A broker down: the same failure every second for 15 s, ports and timings varying.
        for (int i = 0; i < 15; ++i)
            summary.add(3, "FAIL: 127.0.0.1:" + std::to_string(40000 + i) + "/1: Connect failed (after " + std::to_string(i) + "ms)",
                        t0 + std::chrono::seconds(i));
        summary.add(4, "REQTMOUT: request timed out", t0 + 20s);
        QCOMPARE(logged.size(), size_t(2));
        QCOMPARE(logged[0].second, std::string("FAIL: 127.0.0.1:40000/1: Connect failed (after 0ms)"));
        QCOMPARE(logged[0].first, 3);
        QCOMPARE(logged[1].second, std::string("REQTMOUT: request timed out"));

        // Before the window has passed nothing more; after it, one summary.
        summary.flush(t0 + 59s);
        QCOMPARE(logged.size(), size_t(2));
        summary.flush(t0 + 61s);
        QCOMPARE(logged.size(), size_t(3));
        QCOMPARE(logged[2].second,
                 std::string("FAIL: 127.0.0.1:40014/1: Connect failed (after 14ms) (and 14 more times in the last minute)"));
        QCOMPARE(logged[2].first, 3);

        // The single timeout had no repeats: no summary for it, and the next one is logged afresh.
        summary.flush(t0 + 200s);
        QCOMPARE(logged.size(), size_t(3));
        summary.add(3, "FAIL: 127.0.0.1:1/1: Connect failed (after 3ms)", t0 + 201s);
        QCOMPARE(logged.size(), size_t(4));

        // At exit every pending repeat is summarised, over the time it spans.
        summary.add(3, "FAIL: 127.0.0.1:1/1: Connect failed (after 4ms)", t0 + 213s);
        summary.flushAll(t0 + 213s);
        QCOMPARE(logged.size(), size_t(5));
        QCOMPARE(logged[4].second, std::string("FAIL: 127.0.0.1:1/1: Connect failed (after 4ms) (and 1 more times in the last 12 s)"));
    }

    void keyIgnoresNumbersOnly()
    {
        QCOMPARE(RepeatSummary::keyOf("broker 12 down after 350ms"), std::string("broker # down after #ms"));
        QVERIFY(RepeatSummary::keyOf("broker a down") != RepeatSummary::keyOf("broker b down"));
        // librdkafka's own remarks in parentheses do not count either.
        QCOMPARE(RepeatSummary::keyOf("Connection refused (after 0ms in state CONNECT)"),
                 RepeatSummary::keyOf("Connection refused (after 2ms in state CONNECT, 1 identical error(s) suppressed)"));
    }
};

QTEST_GUILESS_MAIN(TestRepeatSummary)
#include "tst_repeatsummary.moc"
