#pragma once

// A throwaway PostgreSQL server for tests, benchmarks and the sandbox.
//
// start() runs initdb and the server from the Debian binaries in a fresh
// directory, on a free loopback port, with scram-sha-256 password
// authentication. As root it runs them as the `postgres` account (initdb
// refuses root); otherwise as the current user. The server is stopped and the
// directory removed when the object is destroyed.
//
// No server outlives its owner for long:
// - with `stopWithOwner` the kernel sends the server SIGQUIT when the thread
//   that started it dies (PR_SET_PDEATHSIG), so start it from a long-lived
//   thread;
// - every instance is recorded in this user's registry (owner pid and start
//   time, server pid, start time and binary, directory); each start() first
//   stops and removes instances whose owner is gone (e.g. killed with -9).
//   The registry is $IDEM_LOCALPG_REGISTRY, else $XDG_RUNTIME_DIR/idem-localpg
//   when that is ours, else <temp>/idem-localpg-<uid>: a directory of this
//   user with mode 0700 (anything else, a symbolic link included, is refused).
//   Entries are written with O_EXCL|O_NOFOLLOW and renamed into place. A sweep
//   reads only regular files of this user, signals only a process that runs
//   <bindir>/postgres on the recorded data directory and started when the
//   recorded server did, and removes only an idem-pg-XXXXXX directory directly
//   in its recorded base, owned by the recorded account (this user, or
//   `postgres` as root) and holding the marker file written at its creation;
//   entries it refuses to act on stay and are logged;
// - installSignalCleanup() makes SIGINT/SIGTERM stop every live instance and
//   remove its directory before the process dies.

#include "models/core/result.h"

#include <QString>

#include <chrono>
#include <memory>

#include <sys/types.h>

namespace idem::connectors {

struct LocalPostgresOptions
{
    QString baseDir;              // parent of the instance directory; empty = temp dir
    quint16 port = 0;             // 0 = any free loopback port
    bool stopWithOwner = true;    // see the file comment
    bool keepDirectory = false;   // leave the data on disk after stopping
    QString superuser = QStringLiteral("idem");
    std::chrono::seconds startTimeout{60};
};

class LocalPostgres final
{
public:
    static Result<std::unique_ptr<LocalPostgres>> start(const LocalPostgresOptions &options = {});

    ~LocalPostgres();
    LocalPostgres(const LocalPostgres &) = delete;
    LocalPostgres &operator=(const LocalPostgres &) = delete;

    // A libpq keyword/value connection string for the superuser, password included.
    QString connectionString(const QString &database = QStringLiteral("postgres")) const;
    QString host() const { return QStringLiteral("127.0.0.1"); }
    quint16 port() const { return m_port; }
    QString superuser() const { return m_superuser; }
    QString password() const { return m_password; }
    QString instanceDirectory() const { return m_instanceDir; }
    QString dataDirectory() const;
    QString binDirectory() const { return m_binDir; }
    QString logFile() const;
    pid_t serverPid() const { return m_serverPid; }

    // Stops the server (fast shutdown) and removes the directory unless kept.
    Status stop();

    // Stops and removes instances whose owner process is gone. Returns how
    // many were cleaned; `report` receives one line per instance.
    static int sweepOrphans(QStringList *report = nullptr);

    // Where the PostgreSQL server binaries are: $IDEM_PG_BINDIR, then
    // `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin.
    static Result<QString> findBinDirectory();

    // SIGINT/SIGTERM: stop every live instance, remove its directory, then die
    // of the signal as usual. For programs without their own graceful handler.
    static void installSignalCleanup();

private:
    LocalPostgres() = default;

    QString m_binDir;
    QString m_instanceDir;
    QString m_superuser;
    QString m_password;
    QString m_registryEntry;
    quint16 m_port = 0;
    pid_t m_serverPid = -1;
    bool m_keepDirectory = false;
    int m_slot = -1;
};

} // namespace idem::connectors
