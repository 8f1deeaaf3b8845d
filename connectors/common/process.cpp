#include "connectors/common/process.h"

#include <QFile>
#include <QThread>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace idem::connectors {

using namespace std::chrono_literals;

Result<pid_t> spawnProcess(const QStringList &argv, const SpawnOptions &options)
{
    if (argv.isEmpty())
        return makeError(QStringLiteral("no program given"));

    // Everything the child needs is prepared before fork().
    std::vector<QByteArray> storage;
    storage.reserve(argv.size());
    for (const auto &arg : argv)
        storage.push_back(arg.toLocal8Bit());
    std::vector<char *> args;
    for (auto &arg : storage)
        args.push_back(arg.data());
    args.push_back(nullptr);
    const QByteArray output = options.outputFile.isEmpty() ? QByteArray("/dev/null")
                                                           : options.outputFile.toLocal8Bit();
    const bool switchUser = options.runAs.has_value();
    const uid_t uid = switchUser ? options.runAs->uid : 0;
    const gid_t gid = switchUser ? options.runAs->gid : 0;
    const pid_t parent = getpid();

    int errorPipe[2];
    if (pipe2(errorPipe, O_CLOEXEC) != 0)
        return makeError(QStringLiteral("cannot create a pipe: %1").arg(QString::fromLocal8Bit(strerror(errno))));

    const pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        close(errorPipe[0]);
        close(errorPipe[1]);
        return makeError(QStringLiteral("cannot fork: %1").arg(QString::fromLocal8Bit(strerror(err))));
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls from here on.
        auto fail = [&](int stage) {
            int payload[2] = {stage, errno};
            [[maybe_unused]] auto n = write(errorPipe[1], payload, sizeof payload);
            _exit(127);
        };
        close(errorPipe[0]);
        if (options.ownProcessGroup)
            setpgid(0, 0);
        if (switchUser) {
            if (setgroups(0, nullptr) != 0 || setgid(gid) != 0)
                fail(1);
            if (setuid(uid) != 0)
                fail(2);
        }
        if (options.dieWithOwner) {
            // Set after setuid(): a credential change clears it.
            if (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0)
                fail(3);
            if (getppid() != parent)
                _exit(1);
        }
        const int fd = open(output.constData(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0)
            fail(4);
        const int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        // Signals blocked or ignored by the parent stay so in the child; undo that.
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, nullptr);
        for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD})
            signal(sig, SIG_DFL);
        execv(args[0], args.data());
        fail(5);
    }

    close(errorPipe[1]);
    int payload[2] = {0, 0};
    ssize_t n;
    do {
        n = read(errorPipe[0], payload, sizeof payload);
    } while (n < 0 && errno == EINTR);
    close(errorPipe[0]);
    if (n == static_cast<ssize_t>(sizeof payload)) {
        waitpid(pid, nullptr, 0);
        static const char *stages[] = {"", "cannot switch group", "cannot switch user",
                                       "cannot tie the child's life to its owner",
                                       "cannot open the output file", "cannot execute"};
        QString what = QString::fromLatin1(stages[payload[0]]);
        if (payload[0] == 1 || payload[0] == 2)
            what += QStringLiteral(" to %1").arg(options.runAs->name);
        if (payload[0] == 4)
            what += QLatin1Char(' ') + options.outputFile;
        if (payload[0] == 5)
            what += QLatin1Char(' ') + argv.first();
        return makeError(QStringLiteral("%1: %2").arg(what, QString::fromLocal8Bit(strerror(payload[1]))));
    }
    return pid;
}

bool waitForChild(pid_t pid, std::chrono::milliseconds timeout, int *status)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int st = 0;
        const pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            if (status)
                *status = st;
            return true;
        }
        if (r < 0 && errno == ECHILD)
            return !processAlive(pid);
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
}

Status runProcess(const QStringList &argv, const SpawnOptions &options,
                  std::chrono::milliseconds timeout)
{
    auto pid = spawnProcess(argv, options);
    if (!pid)
        return makeError(pid.error());
    int status = 0;
    if (!waitForChild(*pid, timeout, &status)) {
        kill(*pid, SIGKILL);
        waitpid(*pid, nullptr, 0);
        return makeError(QStringLiteral("%1 did not finish within %2 s")
                             .arg(argv.first())
                             .arg(timeout.count() / 1000.0));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {};
    const QString how = WIFEXITED(status)
        ? QStringLiteral("exited with status %1").arg(WEXITSTATUS(status))
        : QStringLiteral("was killed by signal %1").arg(WTERMSIG(status));
    QString message = QStringLiteral("%1 %2").arg(argv.first(), how);
    if (!options.outputFile.isEmpty())
        message += QStringLiteral(":\n") + fileTail(options.outputFile);
    return makeError(message);
}

bool processAlive(pid_t pid)
{
    if (pid <= 0)
        return false;
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid)
        return false;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const int close = line.lastIndexOf(')');
    if (close < 0 || close + 2 >= line.size())
        return false;
    const char state = line.at(close + 2);
    return state != 'Z' && state != 'X';
}

qint64 processStartTime(pid_t pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    const int close = line.lastIndexOf(')');
    if (close < 0)
        return -1;
    // Fields after the command name start at field 3 (state); starttime is field 22.
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    if (fields.size() < 20)
        return -1;
    bool ok = false;
    const qint64 start = fields.at(19).toLongLong(&ok);
    return ok ? start : -1;
}

QString processCommandLine(pid_t pid)
{
    return processArguments(pid).join(QLatin1Char(' ')).trimmed();
}

QStringList processArguments(pid_t pid)
{
    QFile file(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (pid <= 0 || !file.open(QIODevice::ReadOnly))
        return {};
    QByteArray raw = file.read(64 * 1024);
    if (raw.endsWith('\0'))
        raw.chop(1);
    QStringList args;
    for (const QByteArray &arg : raw.split('\0'))
        args << QString::fromLocal8Bit(arg);
    return raw.isEmpty() ? QStringList() : args;
}

QString processExecutable(pid_t pid)
{
    if (pid <= 0)
        return {};
    char target[4096];
    const QByteArray link = QStringLiteral("/proc/%1/exe").arg(pid).toLatin1();
    const ssize_t n = readlink(link.constData(), target, sizeof target - 1);
    if (n <= 0)
        return {};
    return QString::fromLocal8Bit(target, int(n));
}

void terminateProcess(pid_t pid, int firstSignal, std::chrono::milliseconds grace)
{
    if (!processAlive(pid))
        return;
    kill(pid, firstSignal);
    if (waitForChild(pid, grace))
        return;
    kill(pid, SIGKILL);
    waitForChild(pid, 5s);
}

QString fileTail(const QString &path, qint64 maxBytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    if (file.size() > maxBytes)
        file.seek(file.size() - maxBytes);
    return QString::fromUtf8(file.readAll()).trimmed();
}

} // namespace idem::connectors
