// Proves, against a real throwaway PostgreSQL, that a store session is
// read-only and bounded by its statement timeout inside each transaction,
// that a stalled query ends promptly on cancel() from another thread and on
// the poll's deadline, that schema-qualified and mixed-case table mappings
// probe and read, that a lost connection is opened again (with growing
// delays while it cannot be), that LISTEN/NOTIFY round-trips, and that no
// secret reaches an error text, a log line or idemctl's output, nor changes
// another connection keyword.

#include "connectors/common/logging.h"
#include "connectors/common/secrets.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/storeprobe.h"
#include "connectors/postgres/storewatcher.h"

#include <pqxx/pqxx>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <thread>

#include <signal.h>

using namespace idem;
using namespace idem::connectors;
using namespace idem::connectors::postgres;
using namespace std::chrono_literals;

namespace {

// Secrets holding each character that once let a value add or override a keyword.
QStringList hostileSecrets()
{
    return {QStringLiteral("pass word"), QStringLiteral("it's"), QStringLiteral("100%sure"),
            QStringLiteral("a/b"), QStringLiteral("[x]"), QStringLiteral("x sslmode=disable")};
}

} // namespace

class TestPgSession : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LocalPostgres> m_pg;
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> m_log;

    QString conn() const { return m_pg->connectionString(QStringLiteral("store")); }

    void admin(const std::string &sql)
    {
        pqxx::connection c(m_pg->connectionString(QStringLiteral("store")).toStdString());
        pqxx::nontransaction tx(c);
        tx.exec(sql);
    }

    bool backendGone(int pid)
    {
        pqxx::connection c(conn().toStdString());
        pqxx::nontransaction tx(c);
        return tx.exec("SELECT 1 FROM pg_stat_activity WHERE pid = " + std::to_string(pid)).empty();
    }

    QStringList logLines() const
    {
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) { l->flush(); });
        QStringList out;
        for (const auto &line : m_log->last_formatted())
            out << QString::fromStdString(line);
        return out;
    }

    models::StoreConfig store(const QString &registry, const QString &attempts) const
    {
        models::StoreConfig s;
        s.name = QStringLiteral("billing");
        s.connection = conn();
        s.registry.table = registry;
        s.attempts.table = attempts;
        return s;
    }

private slots:
    void initTestCase()
    {
        m_log = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
        addLogSink(m_log);
        auto started = LocalPostgres::start();
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_pg = std::move(started.value());
        {
            pqxx::connection c(m_pg->connectionString().toStdString());
            pqxx::nontransaction tx(c);
            tx.exec("CREATE DATABASE store");
        }
        const std::string attempts = " (event_id text, attempt int, outcome text, error text, at timestamptz default now())";
        const std::string registry = " (event_id text primary key, processed_at timestamptz default now())";
        admin("CREATE TABLE processed_events" + registry + "; CREATE TABLE processing_attempts" + attempts
              + "; CREATE SCHEMA audit; CREATE TABLE audit.processed_events" + registry
              + "; CREATE TABLE audit.processing_attempts" + attempts + "; CREATE TABLE \"Processed\"" + registry
              + "; CREATE TABLE \"Attempts\"" + attempts
              + "; INSERT INTO audit.processing_attempts (event_id, attempt, outcome) VALUES ('a', 1, 'processed'), "
                "('b', 1, 'processed'), ('b', 2, 'duplicate_skipped')"
              + "; INSERT INTO \"Attempts\" (event_id, attempt, outcome) VALUES ('c', 1, 'processed'), ('d', 1, "
                "'dead_lettered')");
    }

    void insertFailsInReadOnlySession()
    {
        PgSession session(conn(), {QStringLiteral("store billing"), true, 5000});
        const Status s = session.run(PollControl::within(10s), [](pqxx::transaction_base &tx) {
            tx.exec0("INSERT INTO processed_events (event_id) VALUES ('x')");
        });
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("read-only")), qPrintable(s.error()));
        QVERIFY(session.isConnected());
        // The same session still reads.
        QVERIFY(session.run(PollControl::within(10s), [](pqxx::transaction_base &tx) { tx.exec1("SELECT 1"); }).ok());
        // A writable session writes: the refusal came from the transaction, not the role.
        PgSession writable(conn(), {QStringLiteral("store billing"), false, 5000});
        QVERIFY(writable.run(PollControl::within(10s), [](pqxx::transaction_base &tx) {
                            tx.exec0("INSERT INTO processed_events (event_id) VALUES ('w')");
                        }).ok());
    }

    void statementTimeoutEndsQuery()
    {
        PgSession session(conn(), {QStringLiteral("store billing"), true, 300});
        QElapsedTimer timer;
        timer.start();
        const Status s = session.run(PollControl::within(20s), [](pqxx::transaction_base &tx) {
            tx.exec("SELECT pg_sleep(5)");
        });
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("statement timeout of 300 ms")), qPrintable(s.error()));
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        // Set inside the transaction only: the session's own setting is untouched.
        QString setting;
        QVERIFY(session.run(PollControl::within(10s), [&](pqxx::transaction_base &tx) {
                           setting = QString::fromStdString(tx.exec1("SHOW statement_timeout")[0].as<std::string>());
                       }).ok());
        QCOMPARE(setting, QStringLiteral("300ms"));
        pqxx::connection probe(conn().toStdString());
        pqxx::nontransaction tx(probe);
        QCOMPARE(tx.exec1("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")[0].as<std::string>(),
                 std::string("0"));
    }

    // Returns once a backend runs `query` (seen in pg_stat_activity from a
    // connection of its own), or after 10 s.
    void waitUntilRunning(const char *query)
    {
        pqxx::connection watcher(conn().toStdString());
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < until) {
            pqxx::nontransaction tx(watcher);
            if (tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = $1",
                                std::string(query))[0]
                    .as<int>()
                > 0)
                return;
        }
    }

    void cancelFromAnotherThread()
    {
        PgSession session(conn(), {QStringLiteral("store billing"), true, 0});
        QVERIFY(session.connect(PollControl::within(10s)).ok());
        QElapsedTimer sinceCancel;
        std::atomic_bool started{false};
        std::thread canceller([&] {
            while (!started.load())
                std::this_thread::yield();
            waitUntilRunning("SELECT pg_sleep(30)"); // the query is on the server
            sinceCancel.start();
            session.cancel();
        });
        const Status s = session.run(PollControl{}, [&](pqxx::transaction_base &tx) {
            started = true;
            tx.exec("SELECT pg_sleep(30)");
        });
        const qint64 elapsed = sinceCancel.elapsed();
        canceller.join();
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("it was cancelled")), qPrintable(s.error()));
        QVERIFY2(elapsed < 1000, qPrintable(QString::number(elapsed)));
        QVERIFY(session.isConnected());
        QVERIFY(session.run(PollControl::within(10s), [](pqxx::transaction_base &tx) { tx.exec1("SELECT 1"); }).ok());
    }

    void deadlineAndCancelFlagEndQuery()
    {
        PgSession session(conn(), {QStringLiteral("store billing"), true, 0});
        QVERIFY(session.connect(PollControl::within(10s)).ok());
        QElapsedTimer timer;
        timer.start();
        Status s = session.run(PollControl::within(500ms),
                               [](pqxx::transaction_base &tx) { tx.exec("SELECT pg_sleep(30)"); });
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("poll")), qPrintable(s.error()));
        QVERIFY2(timer.elapsed() < 1500, qPrintable(QString::number(timer.elapsed())));

        std::atomic_bool cancelled{false};
        PollControl control{QDeadlineTimer::Forever, &cancelled};
        QElapsedTimer sinceCancel;
        std::thread flag([&] {
            waitUntilRunning("SELECT pg_sleep(30)");
            sinceCancel.start();
            cancelled = true;
        });
        s = session.run(control, [](pqxx::transaction_base &tx) { tx.exec("SELECT pg_sleep(30)"); });
        const qint64 elapsed = sinceCancel.elapsed();
        flag.join();
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("the poll was cancelled")), qPrintable(s.error()));
        QVERIFY2(elapsed < 1000, qPrintable(QString::number(elapsed)));
    }

    void silentServerEndsAtDeadlineOrCancel()
    {
        // Accepts connections (the kernel does) and never answers: connect_timeout alone would not help.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        PgSessionOptions options{QStringLiteral("store billing"), true, 5000};
        options.connectTimeoutSeconds = 30;
        PgSession session(QStringLiteral("host=127.0.0.1 port=%1 dbname=store user=idem").arg(silent.serverPort()),
                          options);
        QElapsedTimer timer;
        timer.start();
        Status s = session.run(PollControl::within(500ms), [](pqxx::transaction_base &) {});
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("no connection within the time this poll had left")),
                 qPrintable(s.error()));
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));

        PgSession other(QStringLiteral("host=127.0.0.1 port=%1 dbname=store user=idem").arg(silent.serverPort()),
                        options);
        QElapsedTimer sinceCancel;
        std::thread canceller([&] {
            std::this_thread::sleep_for(300ms);
            sinceCancel.start();
            other.cancel();
        });
        s = other.connect(PollControl{});
        const qint64 elapsed = sinceCancel.elapsed();
        canceller.join();
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("connecting was cancelled")), qPrintable(s.error()));
        QVERIFY2(elapsed < 1000, qPrintable(QString::number(elapsed)));
        // A cancelled attempt is not the server's fault: no retry delay.
        QVERIFY2(!other.state().startsWith(QStringLiteral("retrying")), qPrintable(other.state()));
    }

    void backendThatIgnoresCancelLosesItsConnection()
    {
        PgSession session(conn(), {QStringLiteral("store billing"), true, 0});
        int pid = 0;
        QVERIFY(session.run(PollControl::within(10s), [&](pqxx::transaction_base &tx) {
                           pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
                       }).ok());
        // A stopped backend answers neither the query nor the cancel request.
        QCOMPARE(::kill(pid, SIGSTOP), 0);
        QElapsedTimer timer;
        timer.start();
        const Status s = session.run(PollControl::within(500ms), [](pqxx::transaction_base &tx) { tx.exec1("SELECT 1"); });
        const qint64 elapsed = timer.elapsed();
        ::kill(pid, SIGCONT);
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("no answer within a second after the query was cancelled")),
                 qPrintable(s.error()));
        QVERIFY2(elapsed < 2000, qPrintable(QString::number(elapsed)));
        QVERIFY(!session.isConnected());
        // The next call opens a new connection at once.
        QVERIFY(session.run(PollControl::within(10s), [](pqxx::transaction_base &tx) { tx.exec1("SELECT 1"); }).ok());
    }

    void mappingsProbeAndRead_data()
    {
        QTest::addColumn<QString>("registry");
        QTest::addColumn<QString>("attempts");
        QTest::addColumn<qint64>("processed");
        QTest::newRow("schema-qualified") << QStringLiteral("audit.processed_events")
                                          << QStringLiteral("audit.processing_attempts") << qint64(2);
        QTest::newRow("mixed case") << QStringLiteral("\"Processed\"") << QStringLiteral("\"Attempts\"") << qint64(1);
        QTest::newRow("public") << QStringLiteral("processed_events") << QStringLiteral("processing_attempts")
                                << qint64(0);
    }
    void mappingsProbeAndRead()
    {
        QFETCH(QString, registry);
        QFETCH(QString, attempts);
        QFETCH(qint64, processed);
        StoreWatcher watcher(store(registry, attempts));
        for (int poll = 0; poll < 2; ++poll) { // the second poll reuses the session
            const StoreWatcher::Reading r = watcher.poll(PollControl::within(10s));
            QCOMPARE(r.health.kind, models::ConnectionHealth::Kind::Store);
            QVERIFY2(r.health.state == models::HealthState::Ok, qPrintable(r.health.detail));
            QVERIFY(r.figures.has_value());
            QCOMPARE(r.figures->processed, processed);
        }
        // The one-shot functions idemctl uses take the same path.
        QCOMPARE(probeStore(store(registry, attempts)).state, models::HealthState::Ok);
    }

    void unquotedCapitalsFoldLikePostgres()
    {
        // Processed (unquoted) means processed, as in SQL: not there.
        StoreWatcher watcher(store(QStringLiteral("Processed"), QStringLiteral("\"Attempts\"")));
        const StoreWatcher::Reading r = watcher.poll(PollControl::within(10s));
        QCOMPARE(r.health.state, models::HealthState::Degraded);
        QVERIFY2(r.health.detail.contains(QStringLiteral("the table \"processed\" does not exist")),
                 qPrintable(r.health.detail));
        QVERIFY(!r.figures);
    }

    void unreadableFiguresAreNotOk()
    {
        // The tables are there but a mapped column is not: the store is not shown as healthy.
        models::StoreConfig s = store(QStringLiteral("processed_events"), QStringLiteral("processing_attempts"));
        s.attempts.columns.insert(QStringLiteral("at"), QStringLiteral("happened_at"));
        StoreWatcher watcher(s);
        const StoreWatcher::Reading r = watcher.poll(PollControl::within(10s));
        QCOMPARE(r.health.state, models::HealthState::Degraded);
        QVERIFY2(r.health.detail.contains(QStringLiteral("the figures cannot be read"))
                     && r.health.detail.contains(QStringLiteral("happened_at")),
                 qPrintable(r.health.detail));
        QVERIFY(!r.figures);
    }

    void opsWatcherReportsHealth()
    {
        OpsWatcher ops(models::OpsDatabaseConfig{conn()});
        const auto r = ops.poll(PollControl::within(10s));
        QCOMPARE(r.health.kind, models::ConnectionHealth::Kind::OpsDatabase);
        QVERIFY2(r.health.state == models::HealthState::Ok, qPrintable(r.health.detail));
        QVERIFY(!r.figures);
    }

    void reconnectsAfterBackendTerminated()
    {
        PgSession session(conn(), {QStringLiteral("store billing"), true, 5000});
        int pid = 0;
        auto backendPid = [&](pqxx::transaction_base &tx) { pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); };
        QVERIFY(session.run(PollControl::within(10s), backendPid).ok());
        const int first = pid;
        admin("SELECT pg_terminate_backend(" + std::to_string(first) + ")");
        QTRY_VERIFY_WITH_TIMEOUT(backendGone(first), 10000);
        // The closed connection is found when used, before the work runs: a new one is opened at once.
        const Status s = session.run(PollControl::within(10s), backendPid);
        QVERIFY2(s.ok(), qPrintable(s.error()));
        QVERIFY(pid != first);
        QCOMPARE(session.state(), QStringLiteral("connected"));
    }

    void retriesWithGrowingDelay()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();
        PgSessionOptions options{QStringLiteral("store billing"), true, 5000};
        PgSession session(QStringLiteral("host=127.0.0.1 port=%1 dbname=store user=idem").arg(port), options);
        auto attempt = [&] { return session.run(PollControl::within(10s), [](pqxx::transaction_base &) {}); };
        Status s = attempt();
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("cannot connect")), qPrintable(s.error()));
        QVERIFY2(session.state().startsWith(QStringLiteral("retrying in 1 s: ")), qPrintable(session.state()));
        // While the delay runs, nothing is tried.
        QElapsedTimer timer;
        timer.start();
        s = attempt();
        QVERIFY2(s.error().contains(QStringLiteral("retrying in 1 s: ")), qPrintable(s.error()));
        QVERIFY(timer.elapsed() < 100);
        QTRY_VERIFY_WITH_TIMEOUT(!session.state().startsWith(QStringLiteral("retrying")), 3000);
        QVERIFY(!attempt().ok());
        QVERIFY2(session.state().startsWith(QStringLiteral("retrying in 2 s: ")), qPrintable(session.state()));
        QTRY_VERIFY_WITH_TIMEOUT(!session.state().startsWith(QStringLiteral("retrying")), 4000);
        QVERIFY(!attempt().ok());
        QVERIFY2(session.state().startsWith(QStringLiteral("retrying in 4 s: ")), qPrintable(session.state()));
    }

    void listenNotifyRoundTrip()
    {
        PgSession session(conn(), {QStringLiteral("ops"), false, 5000});
        QVERIFY(session.listen(QStringLiteral("idem_replay"), PollControl::within(10s)).ok());
        // Nothing yet: the wait ends at its deadline, empty.
        auto none = session.waitForNotifications(PollControl::within(200ms));
        QVERIFY(none.ok());
        QVERIFY(none->isEmpty());
        admin("SELECT pg_notify('idem_replay', 'request 42')");
        auto got = session.waitForNotifications(PollControl::within(10s));
        QVERIFY2(got.ok(), qPrintable(got.error()));
        QCOMPARE(got->size(), 1);
        QCOMPARE(got->first().channel, QStringLiteral("idem_replay"));
        QCOMPARE(got->first().payload, QStringLiteral("request 42"));
        // Still listening after the connection is lost and opened again.
        int pid = 0;
        QVERIFY(session.run(PollControl::within(10s), [&](pqxx::transaction_base &tx) {
                           pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
                       }).ok());
        admin("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
        (void)session.waitForNotifications(PollControl::within(200ms)); // notices the loss
        QVERIFY(session.connect(PollControl::within(10s)).ok());
        admin("SELECT pg_notify('idem_replay', 'request 43')");
        got = session.waitForNotifications(PollControl::within(10s));
        QVERIFY2(got.ok(), qPrintable(got.error()));
        QCOMPARE(got->size(), 1);
        QCOMPARE(got->first().payload, QStringLiteral("request 43"));
    }

    void secretsNeverLeakNorChangeKeywords_data()
    {
        QTest::addColumn<QString>("secret");
        for (const QString &s : hostileSecrets())
            QTest::newRow(qPrintable(s)) << s;
    }
    void secretsNeverLeakNorChangeKeywords()
    {
        QFETCH(QString, secret);
        const QByteArray var = "IDEM_TST_PGSECRET";
        qputenv(var.constData(), secret.toUtf8());
        // A role whose password is the secret.
        {
            pqxx::connection c(conn().toStdString());
            pqxx::nontransaction tx(c);
            if (tx.exec("SELECT 1 FROM pg_roles WHERE rolname = 'tester'").empty())
                tx.exec("CREATE ROLE tester LOGIN");
            tx.exec("ALTER ROLE tester PASSWORD " + tx.quote(secret.toStdString()));
        }
        const QString base = QStringLiteral("host=127.0.0.1 port=%1 dbname=store ").arg(m_pg->port());
        // The right password, intact: the connection succeeds.
        {
            PgSession ok(base + QStringLiteral("user=tester sslmode=disable password=${IDEM_TST_PGSECRET}"));
            const Status s = ok.connect(PollControl::within(10s));
            QVERIFY2(s.ok(), qPrintable(s.error()));
        }
        // sslmode stays as configured: the server has no SSL, so "require" fails, whatever the secret says.
        QStringList errors;
        {
            PgSession session(base + QStringLiteral("user=tester sslmode=require password=${IDEM_TST_PGSECRET}"));
            const Status s = session.connect(PollControl::within(10s));
            QVERIFY(!s.ok());
            QVERIFY2(s.error().contains(QStringLiteral("SSL")), qPrintable(s.error()));
            errors << s.error() << session.state();
        }
        // A wrong password, and the secret as the user name, which libpq quotes in its error.
        {
            PgSession session(base + QStringLiteral("user=${IDEM_TST_PGSECRET} sslmode=disable password=wrong"));
            const Status s = session.connect(PollControl::within(10s));
            QVERIFY(!s.ok());
            QVERIFY2(s.error().contains(QStringLiteral("password authentication failed for user \"***\"")),
                     qPrintable(s.error()));
            errors << s.error() << session.state();
        }
        {
            models::StoreConfig wrong = store(QStringLiteral("processed_events"), QStringLiteral("processing_attempts"));
            wrong.connection = base + QStringLiteral("user=${IDEM_TST_PGSECRET} password=${IDEM_TST_PGSECRET}");
            const auto health = probeStore(wrong);
            QCOMPARE(health.state, models::HealthState::Down);
            errors << health.detail;
        }
        const QStringList lines = logLines();
        QVERIFY2(lines.join(QLatin1Char('\n')).contains(QStringLiteral("cannot connect")),
                 qPrintable(lines.join(QLatin1Char('\n'))));
        const QString encoded = QString::fromLatin1(QUrl::toPercentEncoding(secret));
        for (const QString &text : QStringList(errors + lines)) {
            QVERIFY2(!text.contains(secret), qPrintable(text));
            QVERIFY2(!text.contains(encoded), qPrintable(text));
        }
        qunsetenv(var.constData());
    }

    void idemctlHealthKeepsSecrets()
    {
        const QString secret = QStringLiteral("x sslmode=disable '%/[ hunter2");
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("version: 1\nenvironments:\n  test:\n    stores:\n      billing:\n"
                                  "        connection: \"host=127.0.0.1 port=%1 dbname=store user=${IDEM_TST_CTLSECRET} "
                                  "password=${IDEM_TST_CTLSECRET}\"\n"
                                  "    ops:\n      connection: \"host=127.0.0.1 port=%1 dbname=store user=idem "
                                  "password=${IDEM_TST_CTLSECRET}\"\n")
                       .arg(m_pg->port())
                       .toUtf8());
        file.close();
        QTemporaryDir state;
        for (const bool json : {false, true}) {
            QProcess ctl;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("IDEM_TST_CTLSECRET"), secret);
            env.insert(QStringLiteral("XDG_STATE_HOME"), state.path());
            env.insert(QStringLiteral("IDEM_LOG"), QStringLiteral("debug"));
            ctl.setProcessEnvironment(env);
            QStringList args = {QStringLiteral("--config"), path, QStringLiteral("health")};
            if (json)
                args << QStringLiteral("--json");
            ctl.start(QStringLiteral(IDEMCTL), args);
            QVERIFY(ctl.waitForFinished(60000));
            const QString out = QString::fromUtf8(ctl.readAllStandardOutput());
            const QString err = QString::fromUtf8(ctl.readAllStandardError());
            QVERIFY2(ctl.exitCode() != 0, qPrintable(out + err));
            QVERIFY2(QString(out + err).contains(QStringLiteral("password authentication failed")), qPrintable(out + err));
            QVERIFY2(!out.contains(secret) && !err.contains(secret), qPrintable(out + err));
            QVERIFY2(!out.contains(QStringLiteral("hunter2")) && !err.contains(QStringLiteral("hunter2")),
                     qPrintable(out + err));
        }
        // Nor in the log file idemctl wrote, which only its owner may read.
        QDirIterator it(state.path(), {QStringLiteral("*.log")}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString log = it.next();
            QFile f(log);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(!QString::fromUtf8(f.readAll()).contains(QStringLiteral("hunter2")));
            QCOMPARE(int(QFileInfo(log).permissions() & (QFile::ReadGroup | QFile::ReadOther)), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestPgSession)
#include "tst_pgsession.moc"
