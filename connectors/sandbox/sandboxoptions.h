#pragma once

// What the sandbox world runs: rates, seed, faults and retry delays, as set
// on idem-sandbox's command line.

#include "models/core/result.h"

#include <QSet>
#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <optional>

namespace idem::connectors::sandbox {

enum class Fault {
    DuplicateSends, // the producer sends some events twice
    Redelivery,     // a consumer crashes after its transaction, before its offset commit
    Poison,         // invalid JSON that fails in every consumer
    SchemaBump,     // an event_version 2 that only shipping cannot handle
    Outage,         // billing's downstream fails long enough to exhaust the retries
    SlowConsumer,   // shipping slows down for a while: lag builds, then drains
    BrokerDown,     // one broker is down for a few seconds
    Lose,           // a consumer commits past an event without recording it (off unless named)
};

struct SandboxOptions
{
    QString directory;                      // empty: a fresh temporary directory
    bool keep = false;                      // keep the directory (and its data) at exit
    std::optional<std::chrono::milliseconds> duration; // then stop and hold still
    double rate = 50.0;                     // events per second, both flows together
    quint64 seed = 1;
    QSet<Fault> faults;                     // all by default
    QList<std::chrono::milliseconds> retryDelays{std::chrono::seconds(2), std::chrono::seconds(10),
                                                 std::chrono::seconds(30)};
    int brokers = 3;
};

// All faults, in the order of the --faults help text.
QList<Fault> allFaults();
// What "all" (the default) turns on: every fault but lose, which destroys
// data on purpose and is on only when named ("all,lose").
QList<Fault> defaultFaults();
QString faultName(Fault fault);

// Parses "none", "all" or a comma-separated list of fault names ("all" may be one of them).
Result<QSet<Fault>> parseFaults(const QString &text);

// Parses a comma-separated list of exactly three delays in seconds (decimals
// allowed), each between 0.05 and 3600.
Result<QList<std::chrono::milliseconds>> parseRetryDelays(const QString &text);

} // namespace idem::connectors::sandbox
