#include "app/common/cli.h"

#include "connectors/common/logging.h"
#include "models/core/version.h"
#include "models/reports/reporttext.h"

#include <QCoreApplication>

#include <cstdio>

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
        line = models::forTerminal(line);
    std::fprintf(stderr, "%s: %s\n", qPrintable(QCoreApplication::applicationName()),
                 lines.join(QLatin1Char('\n')).toLocal8Bit().constData());
    return code;
}

} // namespace idem::app
