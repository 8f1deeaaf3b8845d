// Proves LocalPostgres runs a real server that libpqxx can use, leaves
// nothing behind when stopped, when its owner is killed, or on SIGTERM, and
// fails with a precise message on bad input.

#include "connectors/common/process.h"
#include "connectors/postgres/localpostgres.h"

#include <pqxx/pqxx>

#include <QProcess>
#include <QTcpServer>
#include <QtTest>

#include <csignal>

using idem::connectors::LocalPostgres;
using idem::connectors::LocalPostgresOptions;
using idem::connectors::processAlive;

class TestLocalPostgres : public QObject
{
    Q_OBJECT

private:
    struct Held
    {
        std::unique_ptr<QProcess> process;
        QString directory;
        pid_t server = -1;
    };

    static Held hold(const QStringList &args)
    {
        Held held;
        held.process = std::make_unique<QProcess>();
        held.process->start(QStringLiteral(IDEM_PGHOLDER), args);
        if (!held.process->waitForStarted(10000))
            return held;
        while (held.process->state() == QProcess::Running && !held.process->canReadLine())
            held.process->waitForReadyRead(500);
        const QStringList words = QString::fromUtf8(held.process->readLine()).trimmed().split(QLatin1Char(' '));
        if (words.size() == 3 && words[0] == QLatin1String("READY")) {
            held.directory = words[1];
            held.server = words[2].toInt();
        }
        return held;
    }

private slots:
    void writeReadAndStop()
    {
        auto started = LocalPostgres::start();
        QVERIFY2(started.ok(), qPrintable(started.error()));
        auto pg = std::move(started.value());
        const pid_t server = pg->serverPid();
        const QString dir = pg->instanceDirectory();
        QVERIFY(processAlive(server));
        QVERIFY(QFileInfo::exists(pg->dataDirectory() + QStringLiteral("/PG_VERSION")));

        {
            pqxx::connection conn(pg->connectionString().toStdString());
            pqxx::work tx(conn);
            tx.exec0("CREATE TABLE processed_events (event_id text PRIMARY KEY, attempts int)");
            for (int i = 0; i < 3; ++i)
                tx.exec_params0("INSERT INTO processed_events VALUES ($1, $2)",
                                "evt-" + std::to_string(i), i + 1);
            tx.commit();
            pqxx::read_transaction rd(conn);
            const auto rows = rd.exec("SELECT event_id, attempts FROM processed_events ORDER BY event_id");
            QCOMPARE(rows.size(), 3u);
            QCOMPARE(rows[2][0].as<std::string>(), std::string("evt-2"));
            QCOMPARE(rows[2][1].as<int>(), 3);
        }

        // A wrong password is refused: authentication is really on.
        const std::string wrong = pg->connectionString().replace(pg->password(), QStringLiteral("nope")).toStdString();
        QVERIFY_THROWS_EXCEPTION(pqxx::broken_connection, pqxx::connection{wrong});

        const auto stopped = pg->stop();
        QVERIFY2(stopped.ok(), qPrintable(stopped.error()));
        QVERIFY(!processAlive(server));
        QVERIFY(!QFileInfo::exists(dir));
    }

    void missingBinaries()
    {
        qputenv("IDEM_PG_BINDIR", "/nonexistent/postgresql/bin");
        auto started = LocalPostgres::start();
        qunsetenv("IDEM_PG_BINDIR");
        QVERIFY(!started.ok());
        QVERIFY2(started.error().contains(QStringLiteral("IDEM_PG_BINDIR is /nonexistent/postgresql/bin")),
                 qPrintable(started.error()));
    }

    void dataDirectoryCannotBeCreated()
    {
        LocalPostgresOptions options;
        options.baseDir = QStringLiteral("/proc/idem-cannot-be-here");
        auto started = LocalPostgres::start(options);
        QVERIFY(!started.ok());
        QVERIFY2(started.error().contains(QStringLiteral("cannot create the directory /proc/idem-cannot-be-here")),
                 qPrintable(started.error()));
    }

    void portTaken()
    {
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost));
        LocalPostgresOptions options;
        options.port = occupier.serverPort();
        auto started = LocalPostgres::start(options);
        QVERIFY(!started.ok());
        QVERIFY2(started.error().contains(QStringLiteral("port %1 on 127.0.0.1 is not free").arg(options.port)),
                 qPrintable(started.error()));
    }

    void orphanOfKilledOwnerIsCleanedByNextStart()
    {
        Held held = hold({QStringLiteral("--no-stop-with-owner")});
        QVERIFY2(held.server > 0, qPrintable(held.process->readAllStandardError()));
        ::kill(pid_t(held.process->processId()), SIGKILL);
        QVERIFY(held.process->waitForFinished(5000));
        // Nobody stopped the server: it is an orphan now.
        QVERIFY(processAlive(held.server));
        QVERIFY(QFileInfo::exists(held.directory));

        auto next = LocalPostgres::start();
        QVERIFY2(next.ok(), qPrintable(next.error()));
        QVERIFY(!processAlive(held.server));
        QVERIFY(!QFileInfo::exists(held.directory));
    }

    void serverDiesWithKilledOwner()
    {
        Held held = hold({});
        QVERIFY2(held.server > 0, qPrintable(held.process->readAllStandardError()));
        ::kill(pid_t(held.process->processId()), SIGKILL);
        QVERIFY(held.process->waitForFinished(5000));
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(held.server), 10000);
        QStringList report;
        QVERIFY(LocalPostgres::sweepOrphans(&report) >= 1);
        QVERIFY(!QFileInfo::exists(held.directory));
    }

    void sigtermStopsServerAndRemovesDirectory()
    {
        Held held = hold({QStringLiteral("--signal-cleanup"), QStringLiteral("--no-stop-with-owner")});
        QVERIFY2(held.server > 0, qPrintable(held.process->readAllStandardError()));
        held.process->terminate();
        QVERIFY(held.process->waitForFinished(15000));
        QCOMPARE(held.process->exitStatus(), QProcess::CrashExit); // died of SIGTERM, as asked
        QVERIFY(!processAlive(held.server));
        QVERIFY(!QFileInfo::exists(held.directory));
    }
};

QTEST_GUILESS_MAIN(TestLocalPostgres)
#include "tst_localpostgres.moc"
