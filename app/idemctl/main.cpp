// idemctl: Idem on the command line, for scripts and services.
//
//   idemctl [--config FILE] [--environment NAME] lag [--flow NAME] [--json]
//   idemctl [--config FILE] [--environment NAME] health [--json]
//   idemctl [--config FILE] [--environment NAME] deadletters [--flow NAME]
//           [--newest N] [--json]
//   idemctl [--config FILE] [--environment NAME] envelope detect TOPIC
//           [--cluster NAME | --bootstrap SERVERS] [--samples N] [--json]
//
// Exit status: 0 done, 1 a cluster could not be read, 2 bad usage or config.

#include "app/common/cli.h"
#include "app/idemctl/commands.h"
#include "connectors/config/configfile.h"

#include <QCoreApplication>

// Each command lives in its own file (lagcommand.cpp, healthcommand.cpp, …)
// and renders a report from models/reports/.

using namespace idem;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("idemctl"));
    QCommandLineParser parser;
    app::addCommonOptions(parser, QStringLiteral(
        "Idem on the command line.\n\nCommands:\n"
        "  lag [--flow NAME]       committed offset, watermarks, lag and status per group and partition;\n"
        "                          members per group where the cluster describes its groups\n"
        "  health                  each connection's state and the four figures of each flow\n"
        "  deadletters [--flow NAME] [--newest N]\n"
        "                          the newest dead letters of each flow grouped by failure, with decode errors\n"
        "  envelope detect TOPIC   sample TOPIC and propose its envelope preset, with evidence"));
    parser.addOptions({
        {QStringLiteral("config"), QStringLiteral("Configuration file (default: %1).").arg(connectors::defaultConfigPath()),
         QStringLiteral("FILE")},
        {QStringLiteral("environment"), QStringLiteral("Environment of the configuration (default: the first)."),
         QStringLiteral("NAME")},
        {QStringLiteral("cluster"), QStringLiteral("Kafka cluster of the environment (default: its only one)."),
         QStringLiteral("NAME")},
        {QStringLiteral("bootstrap"), QStringLiteral("Talk to this cluster instead of one from the configuration."),
         QStringLiteral("SERVERS")},
        {QStringLiteral("samples"), QStringLiteral("Messages to sample (default 50)."), QStringLiteral("N"),
         QStringLiteral("50")},
        {QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")},
        {QStringLiteral("flow"), QStringLiteral("Only this flow (lag, deadletters)."), QStringLiteral("NAME")},
        {QStringLiteral("newest"), QStringLiteral("Dead letters to read per flow, the newest (default 1000)."),
         QStringLiteral("N"), QStringLiteral("1000")},
        {QStringLiteral("polls"), QStringLiteral("Polls to take for lag and health; statuses and rates need two "
                                                 "(default 2)."),
         QStringLiteral("N"), QStringLiteral("2")},
        {QStringLiteral("interval"), QStringLiteral("Seconds between polls (default 2)."), QStringLiteral("SECONDS"),
         QStringLiteral("2")},
    });
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("What to do (see above)."));
    app::processCommandLine(parser, app.arguments(), false);
    const QStringList args = parser.positionalArguments();
    if (args.isEmpty())
        parser.showHelp(2);
    if (args == QStringList{QStringLiteral("lag")})
        return ctl::lagCommand(parser);
    if (args == QStringList{QStringLiteral("health")})
        return ctl::healthCommand(parser);
    if (args == QStringList{QStringLiteral("deadletters")})
        return ctl::deadLettersCommand(parser);
    if (args.value(0) == QLatin1String("envelope") && args.value(1) == QLatin1String("detect")) {
        if (args.size() != 3)
            return app::fail(QStringLiteral("usage: idemctl envelope detect TOPIC"), 2);
        return ctl::envelopeDetectCommand(parser, args[2]);
    }
    return app::fail(QStringLiteral("unknown command \"%1\"; try --help").arg(args.join(QLatin1Char(' '))), 2);
}
