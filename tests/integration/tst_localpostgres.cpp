// Proves LocalPostgres runs a real server that libpqxx can use, leaves
// nothing behind when stopped, when its owner is killed, or on SIGTERM, and
// fails with a precise message on bad input. Its orphan registry is this
// user's own: planted entries (foreign owners, directories outside the base,
// an unrelated live process, symbolic links, corrupt JSON) and a registry
// directory that is a link or not private leave everything untouched, while
// a real orphan is still cleaned.

#include "connectors/common/process.h"
#include "connectors/postgres/localpostgres.h"

#include <pqxx/pqxx>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using idem::connectors::LocalPostgres;
using idem::connectors::LocalPostgresOptions;
using idem::connectors::processAlive;
using idem::connectors::processStartTime;

class TestLocalPostgres : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_registry;
    QString m_victims; // the base planted instance directories are made in

    static pid_t deadPid()
    {
        QProcess p;
        p.start(QStringLiteral("/bin/true"), {});
        if (!p.waitForStarted(5000))
            return -1;
        const pid_t pid = pid_t(p.processId());
        p.waitForFinished(5000);
        return pid;
    }

    static bool writeFile(const QString &path, const QByteArray &bytes)
    {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
    }

    static QByteArray readFile(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
    }

    static uid_t nobody()
    {
        const passwd *pw = getpwnam("nobody");
        return pw ? pw->pw_uid : 65534;
    }

    // A directory that looks like an instance of ours (marker, data), and
    // the entry a sweep would act on, owner gone.
    QJsonObject plant(const QString &dir, const QString &base, const QString &token)
    {
        QDir().mkpath(dir + QStringLiteral("/data"));
        writeFile(dir + QStringLiteral("/idem-localpg.marker"), token.toUtf8());
        writeFile(dir + QStringLiteral("/data/PG_VERSION"), "15\n");
        writeFile(dir + QStringLiteral("/data/precious"), "keep me");
        return QJsonObject{
            {QStringLiteral("version"), 2},
            {QStringLiteral("owner"), qint64(deadPid())},
            {QStringLiteral("ownerStart"), 1},
            {QStringLiteral("server"), -1},
            {QStringLiteral("serverStart"), -1},
            {QStringLiteral("binDir"), LocalPostgres::findBinDirectory().value()},
            {QStringLiteral("base"), base},
            {QStringLiteral("directory"), dir},
            {QStringLiteral("directoryOwner"), qint64(geteuid())},
            {QStringLiteral("marker"), token},
            {QStringLiteral("removeDirectory"), true},
        };
    }

    void writeEntry(const QString &name, const QJsonObject &entry)
    {
        QVERIFY(writeFile(m_registry + QLatin1Char('/') + name, QJsonDocument(entry).toJson()));
    }

    static bool intact(const QString &dir)
    {
        return readFile(dir + QStringLiteral("/data/precious")) == "keep me";
    }

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
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        // This test's own registry, inherited by the holder processes it starts.
        m_registry = m_tmp.filePath(QStringLiteral("registry"));
        qputenv("IDEM_LOCALPG_REGISTRY", QFile::encodeName(m_registry));
        m_victims = QDir::cleanPath(m_tmp.filePath(QStringLiteral("victims")));
        QVERIFY(QDir().mkpath(m_victims));
        QVERIFY(LocalPostgres::findBinDirectory().ok());
        // A sweep creates the registry, private.
        QCOMPARE(LocalPostgres::sweepOrphans(), 0);
        QVERIFY(QFileInfo(m_registry).isDir());
    }

    void plantedOrphanOfOursIsCleaned()
    {
        // The control for the refusals below: an entry that passes every check is acted on.
        const QString dir = m_victims + QStringLiteral("/idem-pg-Good01");
        writeEntry(QStringLiteral("idem-pg-Good01.json"), plant(dir, m_victims, QStringLiteral("token-good")));
        // A link inside it is removed, not followed.
        const QString outside = m_tmp.filePath(QStringLiteral("outside-of-good"));
        QVERIFY(QDir().mkpath(outside));
        QVERIFY(writeFile(outside + QStringLiteral("/keep"), "keep me"));
        QVERIFY(QFile::link(outside, dir + QStringLiteral("/data/link")));
        QStringList report;
        QCOMPARE(LocalPostgres::sweepOrphans(&report), 1);
        QVERIFY2(report.contains(QStringLiteral("removed ") + dir), qPrintable(report.join(u'\n')));
        QVERIFY(!QFileInfo::exists(dir));
        QVERIFY(!QFileInfo::exists(m_registry + QStringLiteral("/idem-pg-Good01.json")));
        QCOMPARE(readFile(outside + QStringLiteral("/keep")), QByteArray("keep me"));
        struct stat st{};
        QCOMPARE(::lstat(QFile::encodeName(m_registry).constData(), &st), 0);
        QCOMPARE(st.st_mode & 07777, 0700u);
        QCOMPARE(st.st_uid, geteuid());
    }

    void plantedEntriesLeaveEverythingUntouched()
    {
        const bool root = geteuid() == 0;
        QStringList dirs;
        auto planted = [&](const QString &name, const QString &dir, const QJsonObject &entry) {
            writeEntry(name, entry);
            dirs << dir;
        };

        // A directory of another user (the entry claims it is ours; and one
        // naming that user), and an entry file of another user naming a
        // directory that would pass. Giving files away needs root.
        if (root) {
            const QString foreign = m_victims + QStringLiteral("/idem-pg-Forgn1");
            const QString foreign2 = m_victims + QStringLiteral("/idem-pg-Forgn2");
            planted(QStringLiteral("foreign.json"), foreign, plant(foreign, m_victims, QStringLiteral("t1")));
            QJsonObject e2 = plant(foreign2, m_victims, QStringLiteral("t2"));
            e2[QStringLiteral("directoryOwner")] = qint64(nobody());
            planted(QStringLiteral("foreign2.json"), foreign2, e2);
            QCOMPARE(::chown(QFile::encodeName(foreign).constData(), nobody(), nobody()), 0);
            QCOMPARE(::chown(QFile::encodeName(foreign2).constData(), nobody(), nobody()), 0);
            const QString byNobody = m_victims + QStringLiteral("/idem-pg-ByNob1");
            planted(QStringLiteral("bynobody.json"), byNobody, plant(byNobody, m_victims, QStringLiteral("t3")));
            QCOMPARE(::chown(QFile::encodeName(m_registry + QStringLiteral("/bynobody.json")).constData(), nobody(), nobody()), 0);
        }

        // Outside the base: another parent, and a name that is no instance's.
        const QString elsewhere = m_tmp.filePath(QStringLiteral("elsewhere/idem-pg-Outsd1"));
        planted(QStringLiteral("outside.json"), elsewhere, plant(elsewhere, m_victims, QStringLiteral("t4")));
        const QString precious = m_victims + QStringLiteral("/precious");
        planted(QStringLiteral("badname.json"), precious, plant(precious, m_victims, QStringLiteral("t5")));
        // A base that is not where the directory is, nor a clean path.
        const QString relative = m_victims + QStringLiteral("/idem-pg-Relat1");
        planted(QStringLiteral("relative.json"), relative,
                plant(relative, m_victims + QStringLiteral("/../victims"), QStringLiteral("t6")));

        // No marker of ours, or another one.
        const QString unmarked = m_victims + QStringLiteral("/idem-pg-Nomrk1");
        QJsonObject e7 = plant(unmarked, m_victims, QStringLiteral("t7"));
        QVERIFY(QFile::remove(unmarked + QStringLiteral("/idem-localpg.marker")));
        planted(QStringLiteral("unmarked.json"), unmarked, e7);

        // An unrelated live process whose command line holds the data directory,
        // recorded with its true start time: it does not run postgres.
        const QString withSleeper = m_victims + QStringLiteral("/idem-pg-Sleep1");
        QJsonObject e8 = plant(withSleeper, m_victims, QStringLiteral("t8"));
        e8[QStringLiteral("marker")] = QStringLiteral("another token"); // and keep its directory
        QProcess sleeper;
        // One process (perl-base is in every Debian), so killing it leaves nothing behind.
        sleeper.start(QStringLiteral("/usr/bin/perl"), {QStringLiteral("-e"), QStringLiteral("sleep 60"), QStringLiteral("--"),
                                                        QStringLiteral("-D"), withSleeper + QStringLiteral("/data")});
        QVERIFY(sleeper.waitForStarted(5000));
        const pid_t sleeperPid = pid_t(sleeper.processId());
        QTRY_VERIFY(idem::connectors::processCommandLine(sleeperPid).contains(withSleeper + QStringLiteral("/data")));
        e8[QStringLiteral("server")] = qint64(sleeperPid);
        e8[QStringLiteral("serverStart")] = processStartTime(sleeperPid);
        planted(QStringLiteral("sleeper.json"), withSleeper, e8);

        // A symbolic link as the entry, to a file naming a directory that would pass.
        const QString viaLink = m_victims + QStringLiteral("/idem-pg-Link01");
        const QString linkTarget = m_tmp.filePath(QStringLiteral("target.json"));
        QVERIFY(writeFile(linkTarget, QJsonDocument(plant(viaLink, m_victims, QStringLiteral("t9"))).toJson()));
        const QByteArray targetBefore = readFile(linkTarget);
        QVERIFY(QFile::link(linkTarget, m_registry + QStringLiteral("/link.json")));
        dirs << viaLink;

        // A symbolic link as the instance directory, to a directory with our marker.
        const QString realDir = m_tmp.filePath(QStringLiteral("real"));
        const QString linkedDir = m_victims + QStringLiteral("/idem-pg-Link02");
        QJsonObject e10 = plant(realDir, m_victims, QStringLiteral("t10"));
        QVERIFY(QFile::link(realDir, linkedDir));
        e10[QStringLiteral("directory")] = linkedDir;
        planted(QStringLiteral("linkeddir.json"), realDir, e10);

        // Corrupt, half-written and oversized entries.
        QVERIFY(writeFile(m_registry + QStringLiteral("/corrupt.json"), "{\"version\": 2, \"directory\": \"/"));
        QVERIFY(writeFile(m_registry + QStringLiteral("/wrongtypes.json"),
                          "{\"version\":2,\"owner\":\"1\",\"directory\":[\"/\"],\"removeDirectory\":\"yes\"}"));
        QVERIFY(writeFile(m_registry + QStringLiteral("/huge.json"), QByteArray(100 * 1024, ' ')));

        const QStringList before = QDir(m_registry).entryList(QDir::Files | QDir::System);
        QStringList report;
        QCOMPARE(LocalPostgres::sweepOrphans(&report), 0);

        for (const QString &dir : std::as_const(dirs))
            QVERIFY2(intact(dir), qPrintable(dir + QStringLiteral("\n") + report.join(u'\n')));
        QVERIFY(QFileInfo(linkedDir).isSymLink());
        QCOMPARE(readFile(linkTarget), targetBefore);
        QVERIFY(QFileInfo(m_registry + QStringLiteral("/link.json")).isSymLink());
        QVERIFY2(processAlive(sleeperPid), qPrintable(report.join(u'\n')));
        QCOMPARE(readFile(m_registry + QStringLiteral("/corrupt.json")), QByteArray("{\"version\": 2, \"directory\": \"/"));
        // Every entry refused stays, for a person to look at; each says why.
        QCOMPARE(QDir(m_registry).entryList(QDir::Files | QDir::System), before);
        const QString all = report.join(u'\n');
        QVERIFY2(all.contains(QStringLiteral("not signalling process %1").arg(sleeperPid)), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("it is a symbolic link")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("it is not a JSON object")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("is not an idem-pg-XXXXXX directory directly in")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("marker file")), qPrintable(all));
        if (root) {
            QVERIFY2(all.contains(QStringLiteral("belongs to uid %1").arg(nobody())), qPrintable(all));
            QVERIFY2(all.contains(QStringLiteral("recorded owner uid %1").arg(nobody())), qPrintable(all));
            QVERIFY2(all.contains(QStringLiteral("bynobody.json alone: it belongs to uid %1").arg(nobody())), qPrintable(all));
        }

        ::kill(sleeperPid, SIGKILL);
        sleeper.waitForFinished(5000);
        for (const QString &name : QDir(m_registry).entryList(QDir::Files | QDir::System))
            QFile::remove(m_registry + QLatin1Char('/') + name);
    }

    void registryMustBePrivate_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("problem");
        QTest::newRow("symbolic link") << QStringLiteral("link") << QStringLiteral("it is a symbolic link");
        QTest::newRow("world-writable") << QStringLiteral("mode") << QStringLiteral("its mode is 1777");
        QTest::newRow("a file") << QStringLiteral("file") << QStringLiteral("it is not a directory");
        QTest::newRow("another user's") << QStringLiteral("owner") << QStringLiteral("it belongs to uid");
    }

    void registryMustBePrivate()
    {
        QFETCH(QString, kind);
        QFETCH(QString, problem);
        if (kind == u"owner" && geteuid() != 0)
            QSKIP("needs root to give a directory to another user");
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        // Someone prepared a registry full of entries that would pass.
        const QString prepared = tmp.filePath(QStringLiteral("prepared"));
        QVERIFY(QDir().mkpath(prepared));
        QVERIFY(::chmod(QFile::encodeName(prepared).constData(), 0700) == 0);
        const QString victims = QDir::cleanPath(tmp.filePath(QStringLiteral("victims")));
        const QString victim = victims + QStringLiteral("/idem-pg-Victm1");
        QVERIFY(writeFile(prepared + QStringLiteral("/victim.json"), QJsonDocument(plant(victim, victims, QStringLiteral("tv"))).toJson()));

        QString registry = tmp.filePath(QStringLiteral("registry"));
        if (kind == u"link") {
            QVERIFY(QFile::link(prepared, registry));
        } else if (kind == u"mode") {
            registry = prepared;
            QVERIFY(::chmod(QFile::encodeName(prepared).constData(), 01777) == 0);
        } else if (kind == u"file") {
            QVERIFY(writeFile(registry, "not a directory"));
        } else {
            registry = prepared;
            QVERIFY(::chown(QFile::encodeName(prepared).constData(), nobody(), nobody()) == 0);
        }
        const QByteArray saved = qgetenv("IDEM_LOCALPG_REGISTRY");
        qputenv("IDEM_LOCALPG_REGISTRY", QFile::encodeName(registry));
        const int cleaned = LocalPostgres::sweepOrphans();
        auto started = LocalPostgres::start();
        qputenv("IDEM_LOCALPG_REGISTRY", saved);
        QCOMPARE(cleaned, 0);
        QVERIFY(intact(victim));
        QVERIFY(!started.ok());
        QVERIFY2(started.error().startsWith(QStringLiteral("refusing the PostgreSQL instance registry %1: %2").arg(registry, problem)),
                 qPrintable(started.error()));
        QVERIFY2(started.error().contains(QStringLiteral("with mode 0700")), qPrintable(started.error()));
    }

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
