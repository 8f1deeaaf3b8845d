#pragma once

// idemctl's command table and its command line: which words name a command,
// which options each command takes, and the help for all of them and for
// each (`idemctl --help`, `idemctl COMMAND --help`, `idemctl help COMMAND`),
// plus the bash completion script generated from the same table.

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace idem::ctl {

// Exit statuses, the same for every command.
enum ExitCode {
    ExitDone = 0,        // done, nothing to report
    ExitUnreachable = 1, // a system (cluster, store, ops database) could not be read
    ExitUsage = 2,       // bad usage or configuration
    ExitNotFound = 3,    // what was asked for is not there
    ExitFindings = 4,    // differences or open alerts found
};

// The exit statuses as `--help` and the README list them.
QString exitCodesText();

struct CommandSpec
{
    QStringList words;      // {"envelope", "detect"}
    QString arguments;      // positional arguments after the words, e.g. "TOPIC"
    QString summary;        // one line for `idemctl --help`
    QStringList options;    // names of the options it takes, beyond the common ones
    QString json;           // the JSON fields in brief
    QString exitCodes;      // what 1, 3, 4 mean for this command, where it uses them
    QString example;
    std::function<int(const QCommandLineParser &parser, const QStringList &arguments)> run;

    QString name() const { return words.join(QLatin1Char(' ')); }
};

// Every option any command takes, by name.
QList<QCommandLineOption> allCommandOptions();

// Parses `arguments` (argv, the program name first) against `commands` and
// runs the command it names; prints help, version and usage errors itself.
int runCommandLine(const QList<CommandSpec> &commands, const QStringList &arguments);

// `idemctl completion bash`: a completion script for bash.
QString bashCompletion(const QList<CommandSpec> &commands);

} // namespace idem::ctl
