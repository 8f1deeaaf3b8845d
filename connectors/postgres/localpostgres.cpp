#include "connectors/postgres/localpostgres.h"

#include "connectors/common/logging.h"
#include "connectors/common/randomsecret.h"
#include "connectors/common/process.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QVersionNumber>

#include <libpq-fe.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace idem::connectors {

using namespace std::chrono_literals;

namespace {

auto log()
{
    return logger("postgres");
}

QString errnoText(int err = errno)
{
    return QString::fromLocal8Bit(strerror(err));
}

QString registryDirectory()
{
    return QDir::tempPath() + QStringLiteral("/idem-localpg");
}

// Live instances, readable from a signal handler: fixed storage, no locks.
struct EmergencySlot
{
    std::atomic<pid_t> server{0};
    char directory[1024] = {};
    char registryEntry[1024] = {};
    bool removeDirectory = false;
};
std::array<EmergencySlot, 32> g_slots;

int claimSlot(pid_t server, const QString &directory, const QString &entry, bool remove)
{
    const QByteArray dir = directory.toLocal8Bit();
    const QByteArray reg = entry.toLocal8Bit();
    if (dir.size() >= 1024 || reg.size() >= 1024)
        return -1;
    for (int i = 0; i < int(g_slots.size()); ++i) {
        pid_t expected = 0;
        // Reserve with -1 so a handler never sees a half-written slot.
        if (g_slots[i].server.compare_exchange_strong(expected, -1)) {
            std::memcpy(g_slots[i].directory, dir.constData(), dir.size() + 1);
            std::memcpy(g_slots[i].registryEntry, reg.constData(), reg.size() + 1);
            g_slots[i].removeDirectory = remove;
            g_slots[i].server.store(server);
            return i;
        }
    }
    return -1;
}

void releaseSlot(int slot)
{
    if (slot >= 0)
        g_slots[slot].server.store(0);
}

void emergencyCleanup(int sig)
{
    for (auto &slot : g_slots) {
        const pid_t pid = slot.server.load();
        if (pid <= 0)
            continue;
        kill(pid, SIGQUIT);
        for (int i = 0; i < 300; ++i) {
            if (waitpid(pid, nullptr, WNOHANG) == pid || (kill(pid, 0) != 0 && errno == ESRCH))
                break;
            const timespec tick{0, 10'000'000};
            nanosleep(&tick, nullptr);
        }
        unlink(slot.registryEntry);
        if (slot.removeDirectory) {
            const pid_t rm = fork();
            if (rm == 0) {
                char *const args[] = {const_cast<char *>("/bin/rm"), const_cast<char *>("-rf"),
                                      slot.directory, nullptr};
                execv("/bin/rm", args);
                _exit(127);
            }
            if (rm > 0)
                waitpid(rm, nullptr, 0);
        }
        slot.server.store(0);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

Result<quint16> reservePort(quint16 wanted)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return makeError(QStringLiteral("cannot open a socket to find a free port: %1").arg(errnoText()));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(wanted);
    if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        const int err = errno;
        close(fd);
        if (wanted != 0)
            return makeError(QStringLiteral("port %1 on 127.0.0.1 is not free (%2); choose another "
                                            "port or 0 for any free one")
                                 .arg(wanted)
                                 .arg(errnoText(err)));
        return makeError(QStringLiteral("no free TCP port on 127.0.0.1: %1").arg(errnoText(err)));
    }
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    close(fd);
    return quint16(ntohs(addr.sin_port));
}

Result<std::optional<RunAs>> serverAccount()
{
    if (geteuid() != 0)
        return std::optional<RunAs>();
    const passwd *pw = getpwnam("postgres");
    if (!pw)
        return makeError(QStringLiteral(
            "running as root, but there is no `postgres` account to run the server as (initdb "
            "refuses root); install Debian's postgresql package or run as a normal user"));
    return std::optional<RunAs>(RunAs{pw->pw_uid, pw->pw_gid, QStringLiteral("postgres")});
}

pid_t pidFromPostmasterFile(const QString &dataDir)
{
    QFile file(dataDir + QStringLiteral("/postmaster.pid"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    bool ok = false;
    const pid_t pid = file.readLine().trimmed().toInt(&ok);
    return ok ? pid : -1;
}

void writeRegistryEntry(const QString &path, pid_t server, const QString &dir, bool remove)
{
    QJsonObject entry{
        {QStringLiteral("owner"), qint64(getpid())},
        {QStringLiteral("ownerStart"), processStartTime(getpid())},
        {QStringLiteral("server"), qint64(server)},
        {QStringLiteral("directory"), dir},
        {QStringLiteral("removeDirectory"), remove},
    };
    QFile file(path);
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        file.write(QJsonDocument(entry).toJson(QJsonDocument::Compact));
    else
        log()->warn("cannot write the instance registry entry {}: {}", path.toStdString(),
                    file.errorString().toStdString());
}

} // namespace

Result<QString> LocalPostgres::findBinDirectory()
{
    auto hasServer = [](const QString &dir) {
        return QFileInfo(dir + QStringLiteral("/initdb")).isExecutable()
            && QFileInfo(dir + QStringLiteral("/postgres")).isExecutable();
    };
    const QString fromEnv = qEnvironmentVariable("IDEM_PG_BINDIR");
    if (!fromEnv.isEmpty()) {
        if (hasServer(fromEnv))
            return fromEnv;
        return makeError(QStringLiteral("IDEM_PG_BINDIR is %1, but it holds no executable initdb "
                                        "and postgres; point it at PostgreSQL's bin directory or "
                                        "unset it")
                             .arg(fromEnv));
    }
    QStringList looked;
    QProcess pgConfig;
    pgConfig.start(QStringLiteral("pg_config"), {QStringLiteral("--bindir")});
    if (pgConfig.waitForFinished(5000) && pgConfig.exitCode() == 0) {
        const QString dir = QString::fromLocal8Bit(pgConfig.readAllStandardOutput()).trimmed();
        if (hasServer(dir))
            return dir;
        looked << QStringLiteral("pg_config --bindir (%1)").arg(dir);
    } else {
        looked << QStringLiteral("pg_config (not found)");
    }
    QDir root(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(), [](const QString &a, const QString &b) {
        return QVersionNumber::fromString(a) > QVersionNumber::fromString(b);
    });
    for (const auto &version : versions) {
        const QString dir = root.filePath(version + QStringLiteral("/bin"));
        if (hasServer(dir))
            return dir;
    }
    looked << QStringLiteral("/usr/lib/postgresql/*/bin");
    return makeError(QStringLiteral("PostgreSQL server binaries (initdb, postgres) not found; looked "
                                    "in %1. Install Debian's postgresql package "
                                    "(packaging/install-deps.sh) or set IDEM_PG_BINDIR")
                         .arg(looked.join(QStringLiteral(", "))));
}

int LocalPostgres::sweepOrphans(QStringList *report)
{
    QDir registry(registryDirectory());
    int cleaned = 0;
    const auto entries = registry.entryInfoList({QStringLiteral("*.json")}, QDir::Files);
    for (const auto &info : entries) {
        QFile file(info.filePath());
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QJsonObject entry = QJsonDocument::fromJson(file.readAll()).object();
        file.close();
        const pid_t owner = pid_t(entry.value(QStringLiteral("owner")).toInteger());
        const qint64 ownerStart = entry.value(QStringLiteral("ownerStart")).toInteger();
        if (processAlive(owner) && processStartTime(owner) == ownerStart)
            continue;
        const QString dir = entry.value(QStringLiteral("directory")).toString();
        const QString dataDir = dir + QStringLiteral("/data");
        QList<pid_t> candidates{pid_t(entry.value(QStringLiteral("server")).toInteger()),
                                pidFromPostmasterFile(dataDir)};
        for (const pid_t server : candidates) {
            // Only stop a process that really is this instance's server.
            if (server > 0 && processAlive(server)
                && processCommandLine(server).contains(dataDir)) {
                terminateProcess(server, SIGQUIT, 5s);
                if (report)
                    *report << QStringLiteral("stopped orphaned server %1 of %2").arg(server).arg(dir);
            }
        }
        if (entry.value(QStringLiteral("removeDirectory")).toBool() && !dir.isEmpty()) {
            QDir(dir).removeRecursively();
            if (report)
                *report << QStringLiteral("removed %1").arg(dir);
        }
        QFile::remove(info.filePath());
        log()->info("cleaned orphaned PostgreSQL instance {} (owner pid {} is gone)",
                    dir.toStdString(), owner);
        ++cleaned;
    }
    return cleaned;
}

void LocalPostgres::installSignalCleanup()
{
    struct sigaction action{};
    action.sa_handler = emergencyCleanup;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

Result<std::unique_ptr<LocalPostgres>> LocalPostgres::start(const LocalPostgresOptions &options)
{
    sweepOrphans();

    auto binDir = findBinDirectory();
    if (!binDir)
        return makeError(binDir.error());
    auto account = serverAccount();
    if (!account)
        return makeError(account.error());
    const std::optional<RunAs> runAs = *account;

    const QString base = options.baseDir.isEmpty() ? QDir::tempPath() : options.baseDir;
    if (!QDir().mkpath(base))
        return makeError(QStringLiteral("cannot create the directory %1 for the PostgreSQL data")
                             .arg(base));
    QByteArray templ = QDir(base).absoluteFilePath(QStringLiteral("idem-pg-XXXXXX")).toLocal8Bit();
    if (!mkdtemp(templ.data()))
        return makeError(QStringLiteral("cannot create a directory in %1 for the PostgreSQL data: %2")
                             .arg(base, errnoText()));

    std::unique_ptr<LocalPostgres> pg(new LocalPostgres);
    pg->m_binDir = *binDir;
    pg->m_instanceDir = QString::fromLocal8Bit(templ);
    pg->m_superuser = options.superuser;
    pg->m_password = randomSecret();
    pg->m_keepDirectory = options.keepDirectory;
    auto cleanupDir = [&] {
        if (!options.keepDirectory)
            QDir(pg->m_instanceDir).removeRecursively();
    };

    if (runAs && chown(templ.constData(), runAs->uid, runAs->gid) != 0) {
        const QString err = errnoText();
        cleanupDir();
        return makeError(QStringLiteral("cannot hand %1 to the postgres account: %2")
                             .arg(pg->m_instanceDir, err));
    }

    // initdb reads the password from a file so it never shows in a process list.
    const QString pwfile = pg->m_instanceDir + QStringLiteral("/pwfile");
    {
        QFile file(pwfile);
        if (!file.open(QIODevice::WriteOnly) || file.write(pg->m_password.toUtf8()) < 0) {
            cleanupDir();
            return makeError(QStringLiteral("cannot write %1: %2").arg(pwfile, file.errorString()));
        }
        file.close();
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        if (runAs && chown(pwfile.toLocal8Bit().constData(), runAs->uid, runAs->gid) != 0) {
            cleanupDir();
            return makeError(QStringLiteral("cannot hand %1 to the postgres account: %2").arg(pwfile, errnoText()));
        }
    }

    SpawnOptions initOptions;
    initOptions.runAs = runAs;
    initOptions.outputFile = pg->m_instanceDir + QStringLiteral("/initdb.log");
    const Status init = runProcess(
        {pg->m_binDir + QStringLiteral("/initdb"), QStringLiteral("--pgdata=") + pg->dataDirectory(),
         QStringLiteral("--username=") + pg->m_superuser, QStringLiteral("--auth=scram-sha-256"),
         QStringLiteral("--pwfile=") + pwfile, QStringLiteral("--encoding=UTF8"),
         QStringLiteral("--locale=C"), QStringLiteral("--no-sync"), QStringLiteral("--no-instructions")},
        initOptions, 120s);
    QFile::remove(pwfile);
    if (!init) {
        QString hint;
        if (runAs)
            hint = QStringLiteral("\n(as root the server runs as postgres, which must be able to "
                                  "enter every directory above %1)")
                       .arg(pg->m_instanceDir);
        cleanupDir();
        return makeError(QStringLiteral("initdb failed: %1%2").arg(init.error(), hint));
    }

    QString lastFailure;
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto port = reservePort(options.port);
        if (!port) {
            cleanupDir();
            return makeError(port.error());
        }
        pg->m_port = *port;
        SpawnOptions serverOptions;
        serverOptions.runAs = runAs;
        serverOptions.outputFile = pg->logFile();
        serverOptions.dieWithOwner = options.stopWithOwner;
        auto server = spawnProcess(
            {pg->m_binDir + QStringLiteral("/postgres"), QStringLiteral("-D"), pg->dataDirectory(),
             QStringLiteral("-p"), QString::number(pg->m_port),
             QStringLiteral("-c"), QStringLiteral("listen_addresses=127.0.0.1"),
             QStringLiteral("-c"), QStringLiteral("unix_socket_directories="),
             QStringLiteral("-c"), QStringLiteral("max_connections=200"),
             QStringLiteral("-c"), QStringLiteral("fsync=off"),
             QStringLiteral("-c"), QStringLiteral("synchronous_commit=off"),
             QStringLiteral("-c"), QStringLiteral("full_page_writes=off")},
            serverOptions);
        if (!server) {
            cleanupDir();
            return makeError(QStringLiteral("cannot start postgres: %1").arg(server.error()));
        }
        pg->m_serverPid = *server;
        QDir().mkpath(registryDirectory());
        ::chmod(registryDirectory().toLocal8Bit().constData(), 01777);
        pg->m_registryEntry = registryDirectory() + QLatin1Char('/')
            + QFileInfo(pg->m_instanceDir).fileName() + QStringLiteral(".json");
        writeRegistryEntry(pg->m_registryEntry, pg->m_serverPid, pg->m_instanceDir,
                           !options.keepDirectory);
        pg->m_slot = claimSlot(pg->m_serverPid, pg->m_instanceDir, pg->m_registryEntry,
                               !options.keepDirectory);

        const QByteArray conninfo = QStringLiteral("host=127.0.0.1 port=%1 dbname=postgres "
                                                   "user=%2 connect_timeout=2")
                                        .arg(pg->m_port)
                                        .arg(pg->m_superuser)
                                        .toUtf8();
        const auto deadline = std::chrono::steady_clock::now() + options.startTimeout;
        bool exited = false;
        while (std::chrono::steady_clock::now() < deadline) {
            if (PQping(conninfo.constData()) == PQPING_OK) {
                log()->info("PostgreSQL {} ready on 127.0.0.1:{} (pid {}, {})",
                            pg->m_binDir.toStdString(), pg->m_port, pg->m_serverPid,
                            pg->m_instanceDir.toStdString());
                return pg;
            }
            if (!processAlive(pg->m_serverPid)) {
                exited = true;
                break;
            }
            std::this_thread::sleep_for(50ms);
        }
        const QString tail = fileTail(pg->logFile());
        releaseSlot(pg->m_slot);
        pg->m_slot = -1;
        if (!exited) {
            terminateProcess(pg->m_serverPid, SIGQUIT, 5s);
            QFile::remove(pg->m_registryEntry);
            cleanupDir();
            return makeError(QStringLiteral("PostgreSQL did not accept connections within %1 s; "
                                            "its log ends with:\n%2")
                                 .arg(options.startTimeout.count())
                                 .arg(tail));
        }
        waitForChild(pg->m_serverPid, 1s);
        QFile::remove(pg->m_registryEntry);
        pg->m_serverPid = -1;
        lastFailure = tail;
        // Another process may have taken the port between our check and the bind.
        if (options.port == 0 && tail.contains(QStringLiteral("could not bind")))
            continue;
        break;
    }
    cleanupDir();
    return makeError(QStringLiteral("PostgreSQL exited during start-up; its log ends with:\n%1")
                         .arg(lastFailure));
}

LocalPostgres::~LocalPostgres()
{
    const Status stopped = stop();
    if (!stopped)
        log()->warn("{}", stopped.error().toStdString());
}

QString LocalPostgres::dataDirectory() const
{
    return m_instanceDir + QStringLiteral("/data");
}

QString LocalPostgres::logFile() const
{
    return m_instanceDir + QStringLiteral("/server.log");
}

QString LocalPostgres::connectionString(const QString &database) const
{
    return QStringLiteral("host=127.0.0.1 port=%1 user=%2 password=%3 dbname=%4 connect_timeout=5")
        .arg(m_port)
        .arg(m_superuser, m_password, database);
}

Status LocalPostgres::stop()
{
    Status result;
    if (m_serverPid > 0) {
        // SIGINT is PostgreSQL's fast shutdown: active sessions are ended.
        terminateProcess(m_serverPid, SIGINT, 30s);
        if (processAlive(m_serverPid))
            result = makeError(QStringLiteral("PostgreSQL server %1 did not stop").arg(m_serverPid));
        log()->info("PostgreSQL on port {} stopped", m_port);
        m_serverPid = -1;
    }
    releaseSlot(m_slot);
    m_slot = -1;
    if (!m_registryEntry.isEmpty()) {
        QFile::remove(m_registryEntry);
        m_registryEntry.clear();
    }
    if (!m_keepDirectory && !m_instanceDir.isEmpty() && QFileInfo::exists(m_instanceDir)) {
        if (!QDir(m_instanceDir).removeRecursively() && result.ok())
            result = makeError(QStringLiteral("cannot remove %1").arg(m_instanceDir));
    }
    return result;
}

} // namespace idem::connectors
