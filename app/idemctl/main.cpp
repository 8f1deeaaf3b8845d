// idemctl: Idem on the command line, for scripts and services.

#include "app/common/cli.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("idemctl"));
    QCommandLineParser parser;
    idem::app::addCommonOptions(parser, QStringLiteral("Idem on the command line."));
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("What to do."));
    idem::app::processCommandLine(parser, app.arguments(), false);
    if (parser.positionalArguments().isEmpty())
        parser.showHelp(2);
    return idem::app::fail(QStringLiteral("unknown command \"%1\"").arg(parser.positionalArguments().first()), 2);
}
