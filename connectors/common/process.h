#pragma once

// Small POSIX process helpers for the fixtures that run servers as child
// processes (LocalPostgres). Everything the child does between fork() and
// exec() is async-signal-safe, so they may be used from threaded programs.

#include "models/core/result.h"

#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

#include <sys/types.h>

namespace idem::connectors {

// The account a child runs as; empty means "as this process".
struct RunAs
{
    uid_t uid = 0;
    gid_t gid = 0;
    QString name;
};

struct SpawnOptions
{
    std::optional<RunAs> runAs;
    QString outputFile;           // stdout and stderr appended here; empty = /dev/null
    bool dieWithOwner = false;    // PR_SET_PDEATHSIG: SIGQUIT when the spawning thread dies
    bool ownProcessGroup = true;  // keep the terminal's Ctrl-C away from the child
};

// Starts argv[0] (an absolute path) with the given arguments.
Result<pid_t> spawnProcess(const QStringList &argv, const SpawnOptions &options);

// Runs a program to completion; fails with its exit status and the tail of
// its output when it exits non-zero or outlives the timeout (it is killed).
Status runProcess(const QStringList &argv, const SpawnOptions &options,
                  std::chrono::milliseconds timeout);

// Waits for a child of this process to exit. Returns false on timeout.
bool waitForChild(pid_t pid, std::chrono::milliseconds timeout, int *status = nullptr);

// True when the process exists and is not a zombie (reaps it when it is our
// own exited child).
bool processAlive(pid_t pid);

// Start time of a process in clock ticks since boot (field 22 of
// /proc/PID/stat), or -1. Together with the pid it names a process uniquely.
qint64 processStartTime(pid_t pid);

// The command line of a process, arguments separated by spaces, or empty.
QString processCommandLine(pid_t pid);

// The arguments of a process, argv[0] first, or empty (at most 64 KiB read).
QStringList processArguments(pid_t pid);

// The executable a process runs (/proc/PID/exe), or empty when unknown.
QString processExecutable(pid_t pid);

// Stops a process: `first` signal, then SIGKILL after `grace`.
void terminateProcess(pid_t pid, int firstSignal, std::chrono::milliseconds grace);

// The last `maxBytes` of a text file, for error messages.
QString fileTail(const QString &path, qint64 maxBytes = 2000);

} // namespace idem::connectors
