#pragma once

// One session with a PostgreSQL database: the only way Idem's connectors
// talk to a store or the ops database (libpqxx; libpq only for parsing the
// connection string, connecting without blocking and cancelling).
//
// - Persistent: opened on demand by the first call that needs it and kept;
//   a lost connection is opened again by the next call. After a failed
//   attempt the session waits before the next one (1 s, doubling up to
//   60 s); state() says "retrying in N s: <why>" meanwhile.
// - Every transaction is read-only when the session is, with the statement
//   timeout set inside it (SET TRANSACTION READ ONLY, SET LOCAL
//   statement_timeout), not through the startup `options` packet, which
//   connection poolers such as PgBouncer refuse.
// - Every call takes a PollControl: connecting waits at most the time left,
//   and a running query is cancelled on the server (PQcancel) within about
//   100 ms of the deadline, of the control's cancel flag or of cancel().
//   A server that does not answer the cancel within a second loses its
//   connection instead, so a call never outlives its deadline by more.
// - Errors are returned, never thrown, and name what to do; no error text
//   holds a registered secret (connectors/common/secrets.h).
//
// Known limits: the host name is resolved inside PQconnectStart, which no
// deadline covers (a hanging resolver blocks the caller); re-LISTENing after
// a reconnect is not watched by the cancel guard.
//
// Threads: one thread at a time calls run(), listen() and
// waitForNotifications() (the session's worker); cancel() and state() may
// be called from any thread.

#include "connectors/common/pollcontrol.h"
#include "models/core/result.h"

#include <QList>
#include <QString>

#include <chrono>
#include <functional>
#include <memory>

namespace pqxx {
class transaction_base;
}

namespace idem::connectors::postgres {

struct PgSessionOptions
{
    QString label = QStringLiteral("the database"); // in error texts: "store billing"
    bool readOnly = false;
    int statementTimeoutMs = 5000; // <= 0: only the PollControl's deadline bounds a query
    int connectTimeoutSeconds = 5;
    std::chrono::milliseconds firstRetryDelay{1000};
    std::chrono::milliseconds maxRetryDelay{60000};
};

struct PgNotification
{
    QString channel;
    QString payload;
    int backendPid = 0;
};

class PgSession final
{
public:
    PgSession(QString connection, PgSessionOptions options = {});
    ~PgSession();
    PgSession(const PgSession &) = delete;
    PgSession &operator=(const PgSession &) = delete;

    // Opens the connection unless it is open. Refused without trying while a
    // retry delay runs.
    Status connect(const PollControl &control);

    // Runs `work` in one transaction (read-only if the session is, with the
    // statement timeout) and commits it. `work` may throw libpqxx or std
    // exceptions; they become the returned error.
    Status run(const PollControl &control, const std::function<void(pqxx::transaction_base &)> &work);

    // LISTEN on `channel` (kept across reconnects).
    Status listen(const QString &channel, const PollControl &control);

    // Notifications received so far; waits until one arrives or the control
    // stops (then returns what there is, possibly nothing).
    Result<QList<PgNotification>> waitForNotifications(const PollControl &control);

    // Ends the query running now, or the next one if none runs. Thread-safe.
    void cancel();

    // "connected", "not connected", or "retrying in N s: <why>". Thread-safe.
    QString state() const;
    bool isConnected() const;
    // The server's version (e.g. 150004), 0 when not connected.
    int serverVersion() const;
    // Closes the connection (the next call opens it again, without delay).
    void disconnect();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace idem::connectors::postgres
