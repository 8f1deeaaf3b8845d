// idem: the desktop console.

#include "app/common/cli.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("idem"));
    QApplication::setApplicationDisplayName(QStringLiteral("Idem"));
    QCommandLineParser parser;
    idem::app::addCommonOptions(parser, QStringLiteral("Idem console for event-driven integrations."));
    idem::app::processCommandLine(parser, app.arguments());
    return 0;
}
