// Proves `idem --demo` leaves nothing running behind it: once its sandbox
// world and the world's PostgreSQL run, killing the console with SIGKILL
// stops the idem-sandbox child and its PostgreSQL within seconds (and the
// sandbox removes its directory); SIGTERM does the same and the console
// exits with code 0.

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <optional>

namespace {

struct ProcessInfo
{
    pid_t pid = 0;
    pid_t ppid = 0;
    char state = '?';
    QByteArray comm;
    QByteArray cmdline; // arguments joined by spaces
};

std::optional<ProcessInfo> readProcess(pid_t pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray line = stat.readAll();
    const qsizetype open = line.indexOf('(');
    const qsizetype close = line.lastIndexOf(')');
    if (open < 0 || close < open)
        return std::nullopt;
    ProcessInfo info;
    info.pid = pid;
    info.comm = line.mid(open + 1, close - open - 1);
    const QList<QByteArray> rest = line.mid(close + 2).split(' ');
    if (rest.size() < 2)
        return std::nullopt;
    info.state = rest[0].isEmpty() ? '?' : rest[0][0];
    info.ppid = pid_t(rest[1].toInt());
    QFile cmd(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (cmd.open(QIODevice::ReadOnly))
        info.cmdline = cmd.readAll().replace('\0', ' ');
    return info;
}

QList<ProcessInfo> processes()
{
    QList<ProcessInfo> all;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const int pid = entry.toInt(&ok);
        if (!ok)
            continue;
        if (auto info = readProcess(pid_t(pid)))
            all << *info;
    }
    return all;
}

// Gone, or a zombie nobody reaped yet (it runs nothing any more).
bool running(pid_t pid)
{
    const auto info = readProcess(pid);
    return info && info->state != 'Z' && info->state != 'X';
}

} // namespace

class TestDemoShutdown : public QObject
{
    Q_OBJECT

private:
    struct World
    {
        pid_t sandbox = 0;
        pid_t postmaster = 0;
        QString directory;
    };

    // The sandbox started by `console` and the PostgreSQL server under
    // `tmp` (the console's TMPDIR), once both run and the world is up.
    static std::optional<World> findWorld(pid_t console, const QString &tmp)
    {
        World world;
        const QList<ProcessInfo> all = processes();
        for (const ProcessInfo &p : all) {
            if (p.ppid == console && p.comm == "idem-sandbox" && p.state != 'Z')
                world.sandbox = p.pid;
            if (p.comm == "postgres" && p.cmdline.contains(tmp.toLocal8Bit()) && p.state != 'Z')
                world.postmaster = p.pid;
        }
        const QStringList dirs = QDir(tmp).entryList({QStringLiteral("idem-sandbox-*")}, QDir::Dirs);
        if (dirs.size() == 1)
            world.directory = QDir(tmp).filePath(dirs.first());
        if (!world.sandbox || !world.postmaster || world.directory.isEmpty()
            || !QFile::exists(world.directory + QStringLiteral("/idem.yaml")))
            return std::nullopt;
        return world;
    }

    static bool anyProcessUnder(const QString &tmp)
    {
        const QList<ProcessInfo> all = processes();
        for (const ProcessInfo &p : all) {
            if (p.cmdline.contains(tmp.toLocal8Bit()) && p.state != 'Z')
                return true;
        }
        return false;
    }

private slots:
    void sandboxStopsWithTheConsole_data()
    {
        QTest::addColumn<int>("sig");
        QTest::newRow("SIGKILL") << int(SIGKILL);
        QTest::newRow("SIGTERM") << int(SIGTERM);
    }
    void sandboxStopsWithTheConsole()
    {
        QFETCH(int, sig);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        // The world's PostgreSQL runs as `postgres` when tests run as root:
        // it must reach its directory under this one.
        QVERIFY(QFile::setPermissions(tmp.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                      | QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther
                                                      | QFile::ExeOther));
        QProcess console;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("TMPDIR"), tmp.path());
        env.insert(QStringLiteral("XDG_STATE_HOME"), tmp.filePath(QStringLiteral("state")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), tmp.filePath(QStringLiteral("config")));
        console.setProcessEnvironment(env);
        console.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        console.start(QStringLiteral(IDEM_CONSOLE), {QStringLiteral("--demo"), QStringLiteral("--log-level"),
                                                     QStringLiteral("warn")});
        QVERIFY(console.waitForStarted());
        const pid_t consolePid = pid_t(console.processId());
        std::optional<World> world;
        // Bringing the world up (initdb, the mock cluster) takes a while on a busy machine.
        QTRY_VERIFY_WITH_TIMEOUT((world = findWorld(consolePid, tmp.path())).has_value(), 240000);
        QCOMPARE(console.state(), QProcess::Running);

        QElapsedTimer clock;
        clock.start();
        ::kill(consolePid, sig);
        QVERIFY(console.waitForFinished(60000));
        const qint64 consoleTook = clock.elapsed();
        if (sig == SIGTERM) {
            QCOMPARE(console.exitStatus(), QProcess::NormalExit);
            QCOMPARE(console.exitCode(), 0);
        } else {
            QCOMPARE(console.exitStatus(), QProcess::CrashExit);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!running(world->sandbox), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!running(world->postmaster), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!anyProcessUnder(tmp.path()), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(world->directory), 30000);
        qInfo("signal %d: console ended after %lld ms; sandbox, its PostgreSQL and its directory gone after %lld ms",
              sig, consoleTook, clock.elapsed());
        QVERIFY2(clock.elapsed() < 40000, qPrintable(QString::number(clock.elapsed())));
    }
};

QTEST_GUILESS_MAIN(TestDemoShutdown)
#include "tst_demoshutdown.moc"
