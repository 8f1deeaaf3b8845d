#pragma once

// Logging for every Idem executable: one spdlog logger per module ("kafka",
// "postgres", "sandbox", "config", "replay", "ui", "app"), all writing to the
// same sinks: standard error and a rotating file under the user's state
// directory ($XDG_STATE_HOME/idem/log, default ~/.local/state/idem/log). Qt messages are routed into the logger named after their
// category ("idem.ui" -> "ui"; anything else -> "qt").
//
// Every sink passes each message through scrubSecrets() (connectors/common/
// secrets.h) before it formats the line, and the log file is created, or
// made, readable by its owner only (0600), rotated files included.

#include <spdlog/logger.h>

#include <QString>

#include <cstddef>
#include <memory>
#include <string>

namespace idem::connectors {

struct LoggingOptions
{
    QString appName;     // file name stem, e.g. "idem" -> idem.log
    QString level;       // trace|debug|info|warn|error|critical|off; empty = IDEM_LOG or info
    bool toFile = true;  // rotating file under $XDG_STATE_HOME/idem/log
    bool toStderr = true;
    // When set, standard error shows only this level and above (idemctl:
    // warn), while the file keeps `level`.
    QString stderrLevel;
};

// The log file rotates at this size (default 5 MiB, at least 1 KiB),
// keeping three older files (idem.1.log … idem.3.log). Applies to the next
// setupLogging().
void setLogFileLimit(std::size_t bytes);

// Sets up the sinks and the level. Returns an error text when the level is
// unknown (the caller decides whether that is fatal); logging still works.
QString setupLogging(const LoggingOptions &options);

// The named module logger, created on first use with the shared sinks.
std::shared_ptr<spdlog::logger> logger(const std::string &module);

// Where the rotating log file lives (empty when file logging is off).
QString logFilePath();

// Adds `sink` (wrapped so that it scrubs secrets like the others) to every
// logger, present and future. For tests that capture log lines.
void addLogSink(spdlog::sink_ptr sink);

// Whether `level` is a level name spdlog understands.
bool isValidLogLevel(const QString &level);

} // namespace idem::connectors
