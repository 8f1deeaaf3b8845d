// idem-sandbox: a small event-driven world on loopback for demos and tests.
// Prints "READY <config>" once the world is up; on SIGINT/SIGTERM/SIGHUP it
// stops everything and prints one JSON line of what it observed. With
// --stop-with-parent (how `idem --demo` starts it) it also stops, the same
// way, when the process that started it dies, even by SIGKILL: the kernel
// sends it SIGTERM (PR_SET_PDEATHSIG), and it watches its parent pid and
// its standard input (a pipe from the parent) for end of file.

#include "app/common/cli.h"
#include "connectors/common/logging.h"
#include "connectors/sandbox/sandboxworld.h"

#include <QCoreApplication>
#include <QJsonDocument>

#include <csignal>
#include <cstdio>
#include <ctime>

#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace idem::connectors::sandbox;

namespace {

// Whether the process that started the sandbox is gone: the parent pid
// changed (re-parented to init or a subreaper), or standard input reached
// end of file (the parent held the pipe's other end). Data on standard
// input is read and ignored.
bool parentGone(pid_t parent)
{
    if (::getppid() != parent)
        return true;
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (::poll(&in, 1, 0) <= 0)
        return false;
    if (in.revents & (POLLERR | POLLNVAL))
        return false; // not a pipe we can watch
    char buffer[256];
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    return n == 0;
}

} // namespace

int main(int argc, char *argv[])
{
    // Signals are taken synchronously by the main thread (sigtimedwait below);
    // every thread started from here on inherits the blocked mask.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("idem-sandbox"));
    QCommandLineParser parser;
    idem::app::addCommonOptions(
        parser, QStringLiteral("A small event-driven world on loopback: a mock Kafka cluster, a "
                               "throwaway PostgreSQL, producers, idempotent consumers, retries, "
                               "dead letters and faults. Prints READY <config> when up."));
    QStringList faultNames;
    for (Fault f : allFaults())
        faultNames << faultName(f);
    parser.addOptions({
        {QStringLiteral("dir"), QStringLiteral("Directory for the world's data (default: a fresh temporary "
                                               "directory, removed at exit unless --keep)."),
         QStringLiteral("DIR")},
        {QStringLiteral("keep"), QStringLiteral("Keep the directory and its data at exit.")},
        {QStringLiteral("duration"), QStringLiteral("Run the services this many seconds, then stop producing, "
                                                    "let the consumers finish and hold still until interrupted."),
         QStringLiteral("SECONDS")},
        {QStringLiteral("rate"), QStringLiteral("Events per second, both flows together (0.1 to 5000; default 50)."),
         QStringLiteral("N"), QStringLiteral("50")},
        {QStringLiteral("seed"), QStringLiteral("Seed of the event sequence and the fault schedule (default 1)."),
         QStringLiteral("N"), QStringLiteral("1")},
        {QStringLiteral("faults"), QStringLiteral("Faults to inject: all (default: every fault but lose), none, or a list of: %1. "
                                                      "lose (a consumer commits past an event without recording it) "
                                                      "is on only when named, e.g. all,lose.")
                                       .arg(faultNames.join(QStringLiteral(", "))),
         QStringLiteral("LIST"), QStringLiteral("all")},
        {QStringLiteral("retry-delays"), QStringLiteral("Delays of the three retry topics in seconds (default 2,10,30)."),
         QStringLiteral("LIST"), QStringLiteral("2,10,30")},
        {QStringLiteral("stop-with-parent"), QStringLiteral("Stop when the process that started this one dies, "
                                                            "or closes this one's standard input.")},
    });
    idem::app::processCommandLine(parser, app.arguments());
    const bool stopWithParent = parser.isSet(QStringLiteral("stop-with-parent"));
    const pid_t parent = ::getppid();
    if (stopWithParent) {
        // Its standard output is a pipe to the parent: once the parent is
        // gone, writing the summary must fail quietly, not kill the sandbox
        // before it has stopped its PostgreSQL and removed its directory.
        std::signal(SIGPIPE, SIG_IGN);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM); // taken by sigtimedwait below, like a kill
        if (parentGone(parent))
            return idem::app::fail(QStringLiteral("--stop-with-parent: the process that started the sandbox is "
                                                  "already gone"),
                                   1);
    }

    SandboxOptions options;
    options.directory = parser.value(QStringLiteral("dir"));
    options.keep = parser.isSet(QStringLiteral("keep"));
    bool ok = false;
    if (parser.isSet(QStringLiteral("duration"))) {
        const double seconds = parser.value(QStringLiteral("duration")).toDouble(&ok);
        if (!ok || seconds <= 0 || seconds > 7 * 24 * 3600)
            return idem::app::fail(QStringLiteral("--duration must be a number of seconds between 0 and 604800, "
                                                  "not \"%1\"")
                                       .arg(parser.value(QStringLiteral("duration"))),
                                   2);
        options.duration = std::chrono::milliseconds(qRound64(seconds * 1000));
    }
    options.rate = parser.value(QStringLiteral("rate")).toDouble(&ok);
    if (!ok || options.rate < 0.1 || options.rate > 5000)
        return idem::app::fail(QStringLiteral("--rate must be between 0.1 and 5000 events per second, not \"%1\"")
                                   .arg(parser.value(QStringLiteral("rate"))),
                               2);
    options.seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok)
        return idem::app::fail(QStringLiteral("--seed must be a whole number from 0 to 18446744073709551615, "
                                              "not \"%1\"")
                                   .arg(parser.value(QStringLiteral("seed"))),
                               2);
    auto faults = parseFaults(parser.value(QStringLiteral("faults")));
    if (!faults)
        return idem::app::fail(faults.error(), 2);
    options.faults = *faults;
    auto delays = parseRetryDelays(parser.value(QStringLiteral("retry-delays")));
    if (!delays)
        return idem::app::fail(delays.error(), 2);
    options.retryDelays = *delays;

    SandboxWorld world(options);
    if (auto started = world.start(); !started)
        return idem::app::fail(started.error(), 1);
    std::printf("READY %s\n", qPrintable(world.configPath()));
    std::fflush(stdout);

    const timespec tick{0, 200'000'000};
    QString reason;
    for (;;) {
        const int sig = sigtimedwait(&stopSignals, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            reason = QStringLiteral("signal %1").arg(sig);
            break;
        }
        if (stopWithParent && parentGone(parent)) {
            reason = QStringLiteral("the process that started it is gone");
            break;
        }
        world.tick();
    }
    idem::connectors::logger("sandbox")->info("stopping: {}", reason.toStdString());
    world.stopServices();
    std::printf("%s\n", QJsonDocument(world.summary()).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    return 0;
}
