// idem-sandbox: a small event-driven world on loopback for demos and tests.

#include "app/common/cli.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("idem-sandbox"));
    QCommandLineParser parser;
    idem::app::addCommonOptions(parser, QStringLiteral("A small event-driven world on loopback."));
    idem::app::processCommandLine(parser, app.arguments());
    return 0;
}
