#include "app/common/cli.h"

#include "connectors/common/logging.h"
#include "models/core/version.h"
#include "models/core/untrustedtext.h"

#include <QCoreApplication>

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace idem::app {

void addCommonOptions(QCommandLineParser &parser, const QString &description)
{
    QCoreApplication::setOrganizationName(QStringLiteral("idem"));
    QCoreApplication::setApplicationVersion(models::versionString());
    parser.setApplicationDescription(description);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("log-level"),
                      QStringLiteral("Log level: trace, debug, info, warn, error, critical, off "
                                     "(default: $IDEM_LOG or info)."),
                      QStringLiteral("level")});
}

void processCommandLine(QCommandLineParser &parser, const QStringList &arguments, bool logToFile)
{
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n",
                     qPrintable(QCoreApplication::applicationName()),
                     qPrintable(parser.errorText()),
                     qPrintable(QCoreApplication::applicationName()));
        std::exit(2);
    }
    if (parser.isSet(QStringLiteral("version"))) {
        std::printf("%s %s\n", qPrintable(QCoreApplication::applicationName()),
                    qPrintable(models::versionString()));
        std::exit(0);
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);

    const QString level = parser.value(QStringLiteral("log-level"));
    if (!level.isEmpty() && !connectors::isValidLogLevel(level)) {
        std::fprintf(stderr, "%s: unknown log level \"%s\"; expected one of trace, debug, info, "
                             "warn, error, critical, off\n",
                     qPrintable(QCoreApplication::applicationName()), qPrintable(level));
        std::exit(2);
    }
    const QString problem = connectors::setupLogging(
        {QCoreApplication::applicationName(), level, logToFile, true, {}});
    if (!problem.isEmpty())
        connectors::logger("app")->warn("{}", problem.toStdString());
}

int fail(const QString &message, int code)
{
    // Messages quote text from outside Idem (broker errors, topic names,
    // file contents): one line at a time, with control characters escaped.
    QStringList lines = message.split(QLatin1Char('\n'));
    for (QString &line : lines)
        line = models::escapeForTerminal(line);
    std::fprintf(stderr, "%s: %s\n", qPrintable(QCoreApplication::applicationName()),
                 lines.join(QLatin1Char('\n')).toLocal8Bit().constData());
    return code;
}

namespace {

// The write end of the self-pipe: the handler only writes the signal's
// number, the event loop does the rest.
int s_signalPipe[2] = {-1, -1};

extern "C" void onStopSignal(int sig)
{
    const int saved = errno;
    const char byte = char(sig);
    [[maybe_unused]] const auto n = ::write(s_signalPipe[1], &byte, 1);
    errno = saved;
}

} // namespace

// Makes SIGTERM, SIGINT and SIGHUP quit `app`'s event loop. Returns the
// notifier (owned by the caller) or null when the pipe cannot be made.
std::unique_ptr<QSocketNotifier> quitOnStopSignals(QCoreApplication &app)
{
    if (::pipe2(s_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        connectors::logger("app")->warn("cannot watch for SIGTERM/SIGINT/SIGHUP: {}", std::strerror(errno));
        return {};
    }
    auto notifier = std::make_unique<QSocketNotifier>(s_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(notifier.get(), &QSocketNotifier::activated, &app, [&app] {
        char byte = 0;
        while (::read(s_signalPipe[0], &byte, 1) == 1)
            connectors::logger("app")->info("signal {} received: quitting", int(byte));
        app.quit();
    });
    struct sigaction action = {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int sig : {SIGTERM, SIGINT, SIGHUP})
        ::sigaction(sig, &action, nullptr);
    return notifier;
}


} // namespace idem::app
