#pragma once

// Command-line conventions shared by idem, idemctl and idem-sandbox:
// --help, --version (the CMake project version) and --log-level, and the
// logging set-up that follows from them.

#include <QCommandLineParser>
#include <QString>

#include <memory>

class QCoreApplication;
class QSocketNotifier;

namespace idem::app {

// Sets the application name and version, adds --help, --version, --log-level.
void addCommonOptions(QCommandLineParser &parser, const QString &description);

// Processes the command line: prints help/version and exits for those, prints
// a precise message and exits with status 2 for bad options, then sets up
// logging. Returns normally only when the program should go on.
void processCommandLine(QCommandLineParser &parser, const QStringList &arguments,
                        bool logToFile = true);

// Makes SIGTERM, SIGINT and SIGHUP quit `app`'s event loop (a self-pipe
// read by a QSocketNotifier, so the handler does nothing but write). Returns
// the notifier (owned by the caller) or null when the pipe cannot be made.
std::unique_ptr<QSocketNotifier> quitOnStopSignals(QCoreApplication &app);

// Writes a message for the user to standard error and returns `code`.
int fail(const QString &message, int code = 1);

} // namespace idem::app
