#include "connectors/postgres/pgsession.h"

#include "connectors/common/logging.h"
#include "connectors/common/secrets.h"
#include "connectors/postgres/pgconninfo.h"

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <QDeadlineTimer>

#include <array>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/socket.h>

namespace idem::connectors::postgres {

namespace {

using namespace std::chrono_literals;

// What the connecting thread hands to SessionConnect: libpqxx builds the
// policy itself and passes it nothing but the connection string.
struct ConnectContext
{
    const PollControl *control = nullptr;
    QDeadlineTimer limit;                  // connect_timeout, enforced here: PQconnectPoll does not
    std::function<bool()> sessionCancelled; // cancel() called while connecting
    PGconn **slot = nullptr;               // where the live handle is kept; cleared when libpqxx closes it
    QString stopped; // why connecting was abandoned, when it was
};
thread_local ConnectContext *t_connect = nullptr;

QString oneLine(const QString &text)
{
    QString out = text.trimmed();
    out.replace(QLatin1Char('\n'), QLatin1Char(' '));
    out.replace(QLatin1Char('\t'), QLatin1Char(' '));
    return out.simplified();
}

// Connects without blocking beyond the caller's PollControl, and refuses
// libpqxx's silent reactivation after a lost connection: the session opens
// a new connection itself, with its retry delays.
class SessionConnect final : public pqxx::connectionpolicy
{
public:
    explicit SessionConnect(const std::string &options) : pqxx::connectionpolicy(options) {}

    handle do_startconnect(handle orig) override
    {
        if (orig)
            return orig;
        ConnectContext *ctx = t_connect;
        if (!ctx)
            throw pqxx::broken_connection("the connection was lost");
        PGconn *conn = PQconnectStart(options().c_str());
        if (!conn)
            throw pqxx::broken_connection("out of memory");
        auto fail = [&](const std::string &why) {
            PQfinish(conn);
            throw pqxx::broken_connection(why);
        };
        if (PQstatus(conn) == CONNECTION_BAD)
            fail(PQerrorMessage(conn));
        PostgresPollingStatusType status = PGRES_POLLING_WRITING;
        while (status != PGRES_POLLING_OK) {
            if (status == PGRES_POLLING_FAILED)
                fail(PQerrorMessage(conn));
            if (ctx->control->isCancelled() || ctx->sessionCancelled()) {
                ctx->stopped = QStringLiteral("cancelled");
                fail("connecting was cancelled");
            }
            if (ctx->control->expired()) {
                ctx->stopped = QStringLiteral("deadline");
                fail("no connection within the time this poll had left");
            }
            if (ctx->limit.hasExpired())
                fail("no connection within connect_timeout");
            const auto slice = std::min<qint64>(ctx->control->slice(100ms).count(),
                                                std::max<qint64>(0, ctx->limit.remainingTime()));
            pollfd pfd{PQsocket(conn), short(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
            const int ready = ::poll(&pfd, 1, int(slice));
            if (ready == 0)
                continue;
            status = PQconnectPoll(conn);
        }
        m_slot = ctx->slot;
        *m_slot = conn;
        return conn;
    }

    handle do_disconnect(handle orig) noexcept override
    {
        if (m_slot)
            *m_slot = nullptr;
        return pqxx::connectionpolicy::do_disconnect(orig);
    }

private:
    PGconn **m_slot = nullptr;
};

using Connection = pqxx::basic_connection_base<SessionConnect>;

} // namespace

struct PgSession::Impl
{
    class Receiver final : public pqxx::notification_receiver
    {
    public:
        Receiver(Impl &impl, pqxx::connection_base &conn, const std::string &channel)
            : pqxx::notification_receiver(conn, channel), m_impl(impl)
        {
        }
        void operator()(const std::string &payload, int backendPid) override
        {
            m_impl.pending.append(
                {QString::fromStdString(channel()), QString::fromStdString(payload), backendPid});
        }

    private:
        Impl &m_impl;
    };

    struct CancelDeleter
    {
        void operator()(PGcancel *cancel) const { PQfreeCancel(cancel); }
    };

    QString connection;
    PgSessionOptions options;

    // Worker thread only.
    std::unique_ptr<Connection> conn;
    PGconn *handle = nullptr;
    std::unique_ptr<PGcancel, CancelDeleter> cancelKey;
    std::vector<std::unique_ptr<Receiver>> receivers;
    QStringList channels;
    QList<PgNotification> pending;
    int failures = 0;

    // Any thread, under stateMutex.
    mutable std::mutex stateMutex;
    bool connected = false;
    int version = 0;
    QDeadlineTimer retryAt{0};
    QString lastError;

    // cancel(), under guardMutex.
    std::mutex guardMutex;
    std::condition_variable guardCv;
    bool cancelRequested = false;

    bool takeCancel()
    {
        std::lock_guard lock(guardMutex);
        return std::exchange(cancelRequested, false);
    }

    QString error(const QString &text) const { return scrubSecrets(options.label + QStringLiteral(": ") + text); }

    void drop()
    {
        if (conn) {
            conn->disconnect(); // no UNLISTEN on the way out: the receivers see a closed connection
            receivers.clear();
            conn.reset();
        }
        handle = nullptr;
        cancelKey.reset();
        std::lock_guard lock(stateMutex);
        connected = false;
        version = 0;
    }

    Status connectFailed(const QString &reason, bool countsAsFailure)
    {
        if (!countsAsFailure)
            return makeError(error(reason));
        ++failures;
        const double factor = std::pow(2.0, std::min(failures - 1, 20));
        const auto delay = std::min<qint64>(qint64(double(options.firstRetryDelay.count()) * factor),
                                            options.maxRetryDelay.count());
        const QString scrubbed = scrubSecrets(reason);
        {
            std::lock_guard lock(stateMutex);
            retryAt = QDeadlineTimer(std::chrono::milliseconds(delay));
            lastError = scrubbed;
        }
        logger("postgres")->warn("{}: cannot connect: {}", options.label.toStdString(), scrubbed.toStdString());
        // When the next attempt is due is in state(), and in the error of a call made before then.
        return makeError(error(QStringLiteral("cannot connect: %1").arg(scrubbed)));
    }

    Status ensureConnected(const PollControl &control)
    {
        if (conn && handle && PQstatus(handle) == CONNECTION_OK)
            return Status::success();
        drop();
        {
            std::lock_guard lock(stateMutex);
            if (!retryAt.hasExpired())
                return makeError(error(QStringLiteral("retrying in %1 s: %2")
                                           .arg((retryAt.remainingTime() + 999) / 1000)
                                           .arg(lastError)));
        }
        ConnectionDefaults defaults;
        defaults.connectTimeoutSeconds = options.connectTimeoutSeconds;
        auto conninfo = buildConnectionString(connection, defaults);
        if (!conninfo)
            return connectFailed(conninfo.error(), true);
        ConnectContext ctx;
        ctx.control = &control;
        ctx.limit = QDeadlineTimer(std::chrono::seconds(std::max(1, options.connectTimeoutSeconds)));
        ctx.sessionCancelled = [this] { return takeCancel(); };
        ctx.slot = &handle;
        t_connect = &ctx;
        try {
            conn = std::make_unique<Connection>(conninfo->toStdString());
        } catch (const std::exception &e) {
            t_connect = nullptr;
            conn.reset();
            handle = nullptr;
            return connectFailed(oneLine(QString::fromUtf8(e.what())), ctx.stopped != QLatin1String("cancelled"));
        }
        t_connect = nullptr;
        cancelKey.reset(PQgetCancel(handle));
        failures = 0;
        {
            std::lock_guard lock(stateMutex);
            connected = true;
            version = PQserverVersion(handle);
            retryAt = QDeadlineTimer(0);
            lastError.clear();
        }
        for (const QString &channel : channels) {
            try {
                receivers.push_back(std::make_unique<Receiver>(*this, *conn, channel.toStdString()));
            } catch (const std::exception &e) {
                const QString why = oneLine(QString::fromUtf8(e.what()));
                drop();
                return makeError(error(QStringLiteral("cannot listen on %1 again: %2").arg(channel, why)));
            }
        }
        return Status::success();
    }

    // Watches one call on the worker thread from a second thread: when the
    // call is cancelled or its deadline passes, asks the server to cancel
    // it; when the server does not answer within a second, shuts the socket
    // so the blocked call returns.
    class Guard
    {
    public:
        Guard(Impl &impl, const PollControl &control)
            : m_impl(impl), m_control(control), m_socket(impl.handle ? PQsocket(impl.handle) : -1)
        {
            m_thread = std::thread([this] { watch(); });
        }
        ~Guard() { stop(); }

        // Ends the watch; afterwards reason() and forced() are final.
        void stop()
        {
            if (!m_thread.joinable())
                return;
            {
                std::lock_guard lock(m_impl.guardMutex);
                m_finished = true;
            }
            m_impl.guardCv.notify_all();
            m_thread.join();
        }
        QString reason() const { return m_reason; }
        bool forced() const { return m_forced; }

    private:
        void watch()
        {
            std::unique_lock lock(m_impl.guardMutex);
            while (!m_finished) {
                if (std::exchange(m_impl.cancelRequested, false)) {
                    m_reason = QStringLiteral("it was cancelled");
                    break;
                }
                if (m_control.isCancelled()) {
                    m_reason = QStringLiteral("the poll was cancelled");
                    break;
                }
                if (m_control.expired()) {
                    m_reason = QStringLiteral("the poll's time ran out");
                    break;
                }
                m_impl.guardCv.wait_for(lock, std::max(m_control.slice(50ms), std::chrono::milliseconds(1)));
            }
            if (m_finished)
                return;
            lock.unlock();
            std::array<char, 256> buffer{};
            if (m_impl.cancelKey)
                PQcancel(m_impl.cancelKey.get(), buffer.data(), int(buffer.size()));
            lock.lock();
            if (!m_impl.guardCv.wait_for(lock, 1s, [this] { return m_finished; })) {
                m_forced = true;
                if (m_socket >= 0)
                    ::shutdown(m_socket, SHUT_RDWR);
            }
        }

        Impl &m_impl;
        const PollControl &m_control;
        const int m_socket;
        std::thread m_thread;
        bool m_finished = false;
        QString m_reason;
        bool m_forced = false;
    };

    // Runs `call` under a Guard and turns what it threw into an error.
    // The statement timeout of the running transaction (capped by the poll's deadline).
    int effectiveTimeoutMs = 0;
    // Why the last guarded call was stopped; empty when nothing stopped it.
    QString lastStopReason;

    Status guarded(const PollControl &control, const std::function<void()> &call)
    {
        std::exception_ptr failure;
        QString stopReason;
        bool forced = false;
        {
            Guard guard(*this, control);
            try {
                call();
            } catch (...) {
                failure = std::current_exception();
            }
            guard.stop();
            stopReason = guard.reason();
            forced = guard.forced();
        }
        lastStopReason = stopReason;
        if (!failure)
            return Status::success();
        const bool lost = forced || !handle || PQstatus(handle) != CONNECTION_OK;
        QString text;
        try {
            std::rethrow_exception(failure);
        } catch (const pqxx::broken_connection &e) {
            text = QStringLiteral("the connection was lost (%1); it is opened again by the next call")
                       .arg(oneLine(QString::fromUtf8(e.what())));
        } catch (const pqxx::sql_error &e) {
            const QString message = oneLine(QString::fromUtf8(e.what()));
            if (e.sqlstate() == "57014" && !stopReason.isEmpty())
                text = QStringLiteral("the query was stopped because %1").arg(stopReason);
            else if (e.sqlstate() == "57014"
                     && (options.statementTimeoutMs <= 0 || effectiveTimeoutMs < options.statementTimeoutMs))
                text = QStringLiteral("the query did not finish within the %1 ms this poll had left")
                           .arg(effectiveTimeoutMs);
            else if (e.sqlstate() == "57014")
                text = QStringLiteral("the query ran longer than the statement timeout of %1 ms and was "
                                      "stopped by the server; raise statement_timeout_ms, or look for locks "
                                      "or a missing index on the table")
                           .arg(options.statementTimeoutMs);
            else if (e.sqlstate() == "25006")
                text = QStringLiteral("refused, the session is read-only: %1").arg(message);
            else
                text = QStringLiteral("the query failed: %1 (SQLSTATE %2)")
                           .arg(message, QString::fromStdString(e.sqlstate()));
        } catch (const std::exception &e) {
            text = oneLine(QString::fromUtf8(e.what()));
        } catch (...) {
            text = QStringLiteral("unknown error");
        }
        if (forced)
            text = QStringLiteral("no answer within a second after the query was cancelled because %1; the "
                                  "connection was closed and is opened again by the next call")
                       .arg(stopReason);
        else if (!stopReason.isEmpty() && lost)
            text += QStringLiteral(" (the call was stopped because %1)").arg(stopReason);
        if (lost)
            drop();
        return makeError(error(text));
    }
};

PgSession::PgSession(QString connection, PgSessionOptions options) : d(std::make_unique<Impl>())
{
    d->connection = std::move(connection);
    d->options = std::move(options);
}

PgSession::~PgSession()
{
    d->drop();
}

Status PgSession::connect(const PollControl &control)
{
    return d->ensureConnected(control);
}

Status PgSession::run(const PollControl &control, const std::function<void(pqxx::transaction_base &)> &work)
{
    if (auto s = d->ensureConnected(control); !s)
        return s;
    int timeoutMs = d->options.statementTimeoutMs > 0 ? d->options.statementTimeoutMs : 0;
    if (!control.deadline.isForever()) {
        const qint64 left = control.deadline.remainingTime();
        if (left <= 0)
            return makeError(d->error(QStringLiteral("no time left in this poll to run the query")));
        timeoutMs = timeoutMs > 0 ? int(std::min<qint64>(timeoutMs, left)) : int(std::min<qint64>(left, INT_MAX));
    }
    d->effectiveTimeoutMs = timeoutMs;
    bool workStarted = false;
    auto transaction = [&] {
        pqxx::work tx(*d->conn);
        // Both settings in one round trip (no values from outside: a number).
        std::string settings;
        if (d->options.readOnly)
            settings += "SET TRANSACTION READ ONLY;";
        if (timeoutMs > 0)
            settings += "SET LOCAL statement_timeout = " + std::to_string(timeoutMs) + ";";
        if (!settings.empty())
            tx.exec0(settings);
        workStarted = true;
        work(tx);
        tx.commit();
    };
    Status status = d->guarded(control, transaction);
    // A connection the server closed while idle (a restart, pg_terminate_backend)
    // is found only when used: open a new one and try once more, as the work
    // itself has not run yet.
    if (!status && !workStarted && !d->conn && d->lastStopReason.isEmpty() && !control.shouldStop()) {
        if (auto s = d->ensureConnected(control); !s)
            return s;
        status = d->guarded(control, transaction);
    }
    return status;
}

Status PgSession::listen(const QString &channel, const PollControl &control)
{
    if (d->channels.contains(channel))
        return Status::success();
    if (auto s = d->ensureConnected(control); !s)
        return s;
    auto status = d->guarded(control, [&] {
        d->receivers.push_back(std::make_unique<Impl::Receiver>(*d, *d->conn, channel.toStdString()));
    });
    if (status)
        d->channels << channel;
    return status;
}

Result<QList<PgNotification>> PgSession::waitForNotifications(const PollControl &control)
{
    if (auto s = d->ensureConnected(control); !s)
        return makeError(s.error());
    while (true) {
        try {
            d->conn->get_notifs();
            if (!d->pending.isEmpty() || control.shouldStop() || d->takeCancel())
                return std::exchange(d->pending, {});
            const auto slice = std::chrono::duration_cast<std::chrono::microseconds>(control.slice(100ms));
            d->conn->await_notification(0, long(slice.count()));
        } catch (const std::exception &e) {
            const QString why = oneLine(QString::fromUtf8(e.what()));
            d->drop();
            return makeError(d->error(
                QStringLiteral("the connection was lost while waiting for notifications (%1)").arg(why)));
        }
    }
}

void PgSession::cancel()
{
    {
        std::lock_guard lock(d->guardMutex);
        d->cancelRequested = true;
    }
    d->guardCv.notify_all();
}

QString PgSession::state() const
{
    std::lock_guard lock(d->stateMutex);
    if (d->connected)
        return QStringLiteral("connected");
    if (!d->retryAt.hasExpired())
        return QStringLiteral("retrying in %1 s: %2").arg((d->retryAt.remainingTime() + 999) / 1000).arg(d->lastError);
    if (!d->lastError.isEmpty())
        return QStringLiteral("not connected: %1").arg(d->lastError);
    return QStringLiteral("not connected");
}

bool PgSession::isConnected() const
{
    std::lock_guard lock(d->stateMutex);
    return d->connected;
}

int PgSession::serverVersion() const
{
    std::lock_guard lock(d->stateMutex);
    return d->version;
}

void PgSession::disconnect()
{
    d->drop();
}

} // namespace idem::connectors::postgres
