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
#include <QRegularExpression>
#include <QVersionNumber>

#include <libpq-fe.h>

#include <array>
#include <atomic>
#include <climits>
#include <limits>
#include <optional>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
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

constexpr qint64 kMaxRegistryEntrySize = 64 * 1024;
const char kMarkerName[] = "idem-localpg.marker";

// Where this user's instances are recorded: $IDEM_LOCALPG_REGISTRY (tests),
// else $XDG_RUNTIME_DIR/idem-localpg when that directory is ours, else
// <temp>/idem-localpg-<uid>. Never shared between users.
QString registryPath()
{
    const QString fromEnv = qEnvironmentVariable("IDEM_LOCALPG_REGISTRY");
    if (!fromEnv.isEmpty())
        return QDir::cleanPath(QDir(fromEnv).absolutePath());
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    struct stat st{};
    if (!runtime.isEmpty() && QDir::isAbsolutePath(runtime)
        && ::lstat(QFile::encodeName(runtime).constData(), &st) == 0 && S_ISDIR(st.st_mode)
        && st.st_uid == ::geteuid())
        return QDir::cleanPath(runtime) + QStringLiteral("/idem-localpg");
    return QDir::tempPath() + QStringLiteral("/idem-localpg-%1").arg(::geteuid());
}

// The registry directory, created 0700 when missing, and refused unless it
// is a real directory (not a symbolic link) of this user with mode 0700:
// whoever can write in it decides which directories are removed.
Result<QString> registryDirectory()
{
    const QString path = registryPath();
    const QByteArray native = QFile::encodeName(path);
    if (::mkdir(native.constData(), 0700) != 0 && errno != EEXIST)
        return makeError(QStringLiteral("cannot create the PostgreSQL instance registry %1: %2")
                             .arg(path, errnoText()));
    struct stat st{};
    if (::lstat(native.constData(), &st) != 0)
        return makeError(QStringLiteral("cannot look at the PostgreSQL instance registry %1: %2")
                             .arg(path, errnoText()));
    const QString refuse = QStringLiteral(
        "refusing the PostgreSQL instance registry %1: %2; it must be a directory of your own "
        "(uid %3) with mode 0700. Remove it, and Idem creates it afresh");
    if (S_ISLNK(st.st_mode))
        return makeError(refuse.arg(path, QStringLiteral("it is a symbolic link")).arg(::geteuid()));
    if (!S_ISDIR(st.st_mode))
        return makeError(refuse.arg(path, QStringLiteral("it is not a directory")).arg(::geteuid()));
    if (st.st_uid != ::geteuid())
        return makeError(refuse.arg(path, QStringLiteral("it belongs to uid %1").arg(st.st_uid)).arg(::geteuid()));
    if ((st.st_mode & 07777) != 0700)
        return makeError(refuse
                             .arg(path, QStringLiteral("its mode is %1")
                                            .arg(uint(st.st_mode & 07777), 4, 8, QLatin1Char('0')))
                             .arg(::geteuid()));
    return path;
}

// Writes `bytes` to a new file `path` (never through a symbolic link, never
// over an existing file), mode 0600.
Status writeNewFile(const QString &path, const QByteArray &bytes)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return makeError(QStringLiteral("cannot create %1: %2").arg(path, errnoText()));
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const QString err = errnoText();
            ::close(fd);
            ::unlink(native.constData());
            return makeError(QStringLiteral("cannot write %1: %2").arg(path, err));
        }
        done += n;
    }
    ::close(fd);
    return {};
}

// Reads a small regular file of this user without following a symbolic link.
Result<QByteArray> readOwnFile(const QString &path, qint64 maxBytes)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return makeError(errno == ELOOP ? QStringLiteral("it is a symbolic link") : errnoText());
    struct stat st{};
    QString problem;
    if (::fstat(fd, &st) != 0)
        problem = errnoText();
    else if (!S_ISREG(st.st_mode))
        problem = QStringLiteral("it is not a regular file");
    else if (st.st_uid != ::geteuid())
        problem = QStringLiteral("it belongs to uid %1, not to this user").arg(st.st_uid);
    else if (st.st_size > maxBytes)
        problem = QStringLiteral("it is larger than %1 bytes").arg(maxBytes);
    QByteArray bytes;
    if (problem.isEmpty()) {
        bytes.resize(maxBytes + 1);
        qsizetype got = 0;
        while (got <= maxBytes) {
            const ssize_t n = ::read(fd, bytes.data() + got, size_t(maxBytes + 1 - got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                problem = errnoText();
                break;
            }
            if (n == 0)
                break;
            got += n;
        }
        if (got > maxBytes)
            problem = QStringLiteral("it is larger than %1 bytes").arg(maxBytes);
        bytes.truncate(got);
    }
    ::close(fd);
    if (!problem.isEmpty())
        return makeError(problem);
    return bytes;
}

bool isInstanceName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^idem-pg-[A-Za-z0-9]{6}$"));
    return pattern.match(name).hasMatch();
}

// The accounts an instance directory may belong to: this user, and as root
// the `postgres` account it hands the directory to.
bool isAcceptableDirectoryOwner(uid_t uid)
{
    if (uid == ::geteuid())
        return true;
    if (::geteuid() != 0)
        return false;
    const passwd *pw = ::getpwnam("postgres");
    return pw && pw->pw_uid == uid;
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

// What the registry knows of one instance.
struct RegistryEntry
{
    pid_t owner = -1;
    qint64 ownerStart = -1;
    pid_t server = -1;
    qint64 serverStart = -1;
    QString binDir;
    QString base;      // the directory the instance directory was made in
    QString directory; // base/idem-pg-XXXXXX
    uid_t directoryOwner = 0;
    QString marker;    // the token in directory/idem-localpg.marker
    bool removeDirectory = false;
};

QJsonObject toJson(const RegistryEntry &e)
{
    return QJsonObject{
        {QStringLiteral("version"), 2},
        {QStringLiteral("owner"), qint64(e.owner)},
        {QStringLiteral("ownerStart"), e.ownerStart},
        {QStringLiteral("server"), qint64(e.server)},
        {QStringLiteral("serverStart"), e.serverStart},
        {QStringLiteral("binDir"), e.binDir},
        {QStringLiteral("base"), e.base},
        {QStringLiteral("directory"), e.directory},
        {QStringLiteral("directoryOwner"), qint64(e.directoryOwner)},
        {QStringLiteral("marker"), e.marker},
        {QStringLiteral("removeDirectory"), e.removeDirectory},
    };
}

Result<RegistryEntry> parseEntry(const QByteArray &bytes)
{
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(QStringLiteral("it is not a JSON object (%1)").arg(parseError.errorString()));
    const QJsonObject o = doc.object();
    if (o.value(QStringLiteral("version")).toInt() != 2)
        return makeError(QStringLiteral("it is not a version 2 entry"));
    const auto integer = [&](const char *key, qint64 min, qint64 max) -> std::optional<qint64> {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isDouble())
            return std::nullopt;
        const qint64 n = v.toInteger(min - 1);
        if (n < min || n > max || double(n) != v.toDouble())
            return std::nullopt;
        return n;
    };
    const auto text = [&](const char *key) -> std::optional<QString> {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isString() || v.toString().size() > 1000)
            return std::nullopt;
        return v.toString();
    };
    RegistryEntry e;
    const auto owner = integer("owner", 1, INT_MAX);
    const auto ownerStart = integer("ownerStart", -1, std::numeric_limits<qint64>::max());
    const auto server = integer("server", -1, INT_MAX);
    const auto serverStart = integer("serverStart", -1, std::numeric_limits<qint64>::max());
    const auto directoryOwner = integer("directoryOwner", 0, std::numeric_limits<uid_t>::max());
    const auto binDir = text("binDir");
    const auto base = text("base");
    const auto directory = text("directory");
    const auto marker = text("marker");
    const QJsonValue remove = o.value(QStringLiteral("removeDirectory"));
    if (!owner || !ownerStart || !server || !serverStart || !directoryOwner || !binDir || !base
        || !directory || !marker || !remove.isBool())
        return makeError(QStringLiteral("a field is missing or of the wrong type"));
    e.owner = pid_t(*owner);
    e.ownerStart = *ownerStart;
    e.server = pid_t(*server);
    e.serverStart = *serverStart;
    e.directoryOwner = uid_t(*directoryOwner);
    e.binDir = *binDir;
    e.base = *base;
    e.directory = *directory;
    e.marker = *marker;
    e.removeDirectory = remove.toBool();
    return e;
}

Status writeRegistryEntry(const QString &path, const RegistryEntry &entry)
{
    // Written whole under a temporary name, then renamed: a sweep sees the
    // old entry or the new one, never half of one.
    const QString temporary = path + QStringLiteral(".tmp");
    ::unlink(QFile::encodeName(temporary).constData()); // a leftover; unlink never follows a link
    const Status written = writeNewFile(temporary, QJsonDocument(toJson(entry)).toJson(QJsonDocument::Compact));
    if (!written)
        return written;
    if (::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()) != 0) {
        const QString err = errnoText();
        ::unlink(QFile::encodeName(temporary).constData());
        return makeError(QStringLiteral("cannot write the instance registry entry %1: %2").arg(path, err));
    }
    return {};
}

// Why `pid` must not be signalled as the server of `e`; empty when it really
// is that server: the same program, started when it was, on that data.
QString notTheServer(const RegistryEntry &e)
{
    if (e.server <= 0 || !processAlive(e.server))
        return QStringLiteral("not running");
    const QString expected = QFileInfo(e.binDir + QStringLiteral("/postgres")).canonicalFilePath();
    const QString exe = processExecutable(e.server);
    if (expected.isEmpty() || exe != expected)
        return QStringLiteral("runs %1, not %2/postgres").arg(exe.isEmpty() ? QStringLiteral("an unknown program") : exe, e.binDir);
    if (e.serverStart < 0 || processStartTime(e.server) != e.serverStart)
        return QStringLiteral("started at another time than the recorded server");
    const QStringList args = processArguments(e.server);
    const qsizetype d = args.indexOf(QStringLiteral("-D"));
    if (d < 0 || args.value(d + 1) != e.directory + QStringLiteral("/data"))
        return QStringLiteral("serves another data directory");
    return {};
}

// Why the directory of `e` must not be removed; empty when it may be.
QString notOurDirectory(const RegistryEntry &e)
{
    const QString dir = e.directory;
    if (!QDir::isAbsolutePath(e.base) || QDir::cleanPath(e.base) != e.base)
        return QStringLiteral("its base %1 is not a clean absolute path").arg(e.base);
    if (!isInstanceName(QFileInfo(dir).fileName()) || dir != e.base + QLatin1Char('/') + QFileInfo(dir).fileName())
        return QStringLiteral("it is not an idem-pg-XXXXXX directory directly in %1").arg(e.base);
    if (!isAcceptableDirectoryOwner(e.directoryOwner))
        return QStringLiteral("its recorded owner uid %1 is neither this user nor the postgres account")
            .arg(e.directoryOwner);
    struct stat st{};
    if (::lstat(QFile::encodeName(dir).constData(), &st) != 0)
        return QStringLiteral("cannot look at it: %1").arg(errnoText());
    if (!S_ISDIR(st.st_mode))
        return QStringLiteral("it is not a directory (a symbolic link or a file)");
    if (st.st_uid != e.directoryOwner)
        return QStringLiteral("it belongs to uid %1, not to the recorded uid %2").arg(st.st_uid).arg(e.directoryOwner);
    auto marker = readOwnFile(dir + QLatin1Char('/') + QLatin1String(kMarkerName), 256);
    if (!marker)
        return QStringLiteral("its marker file cannot be read: %1").arg(marker.error());
    if (e.marker.isEmpty() || QString::fromUtf8(*marker) != e.marker)
        return QStringLiteral("its marker file does not match the entry");
    return {};
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
    auto registry = registryDirectory();
    if (!registry) {
        log()->warn("{}", registry.error().toStdString());
        return 0;
    }
    const auto note = [&](const QString &line) {
        log()->warn("{}", line.toStdString());
        if (report)
            *report << line;
    };
    int cleaned = 0;
    const QStringList names = QDir(*registry).entryList({QStringLiteral("*.json")},
                                                        QDir::Files | QDir::System | QDir::Hidden);
    for (const QString &name : names) {
        const QString path = *registry + QLatin1Char('/') + name;
        auto bytes = readOwnFile(path, kMaxRegistryEntrySize);
        if (!bytes) {
            note(QStringLiteral("leaving the registry entry %1 alone: %2").arg(path, bytes.error()));
            continue;
        }
        auto parsed = parseEntry(*bytes);
        if (!parsed) {
            note(QStringLiteral("leaving the registry entry %1 alone: %2").arg(path, parsed.error()));
            continue;
        }
        const RegistryEntry &e = *parsed;
        if (processAlive(e.owner) && processStartTime(e.owner) == e.ownerStart)
            continue;
        bool refused = false;
        if (processAlive(e.server)) {
            const QString why = notTheServer(e);
            if (why.isEmpty()) {
                terminateProcess(e.server, SIGQUIT, 5s);
                if (report)
                    *report << QStringLiteral("stopped orphaned server %1 of %2").arg(e.server).arg(e.directory);
            } else {
                refused = true;
                note(QStringLiteral("not signalling process %1 named by %2: it %3").arg(e.server).arg(path, why));
            }
        }
        struct stat st{};
        if (e.removeDirectory && ::lstat(QFile::encodeName(e.directory).constData(), &st) == 0) {
            const QString why = notOurDirectory(e);
            if (why.isEmpty()) {
                QDir(e.directory).removeRecursively();
                if (report)
                    *report << QStringLiteral("removed %1").arg(e.directory);
            } else {
                refused = true;
                note(QStringLiteral("not removing %1 named by %2: %3").arg(e.directory, path, why));
            }
        }
        // An entry something was refused for stays, for a person to look at.
        if (refused)
            continue;
        ::unlink(QFile::encodeName(path).constData());
        log()->info("cleaned orphaned PostgreSQL instance {} (owner pid {} is gone)",
                    e.directory.toStdString(), e.owner);
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
    auto registry = registryDirectory();
    if (!registry)
        return makeError(registry.error());
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
    const QString absoluteBase = QDir::cleanPath(QDir(base).absolutePath());
    QByteArray templ = QFile::encodeName(absoluteBase + QStringLiteral("/idem-pg-XXXXXX"));
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

    // The marker says "made by LocalPostgres" to a later sweep; it stays
    // this user's when the directory is handed to the postgres account.
    const QString marker = randomSecret();
    if (const Status written = writeNewFile(pg->m_instanceDir + QLatin1Char('/') + QLatin1String(kMarkerName),
                                            marker.toUtf8());
        !written) {
        cleanupDir();
        return makeError(written.error());
    }

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
        RegistryEntry entry;
        entry.owner = ::getpid();
        entry.ownerStart = processStartTime(::getpid());
        entry.server = pg->m_serverPid;
        entry.serverStart = processStartTime(pg->m_serverPid);
        entry.binDir = pg->m_binDir;
        entry.base = absoluteBase;
        entry.directory = pg->m_instanceDir;
        entry.directoryOwner = runAs ? runAs->uid : ::geteuid();
        entry.marker = marker;
        entry.removeDirectory = !options.keepDirectory;
        pg->m_registryEntry = *registry + QLatin1Char('/')
            + QFileInfo(pg->m_instanceDir).fileName() + QStringLiteral(".json");
        if (const Status written = writeRegistryEntry(pg->m_registryEntry, entry); !written)
            log()->warn("{}", written.error().toStdString());
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
