#pragma once

// idemctl's commands, one file each. Each reads its options from the parsed
// command line, builds its report (models/reports/), prints it as JSON or
// text, and returns the exit status: 0 done, 1 a system could not be read,
// 2 bad usage or configuration.

#include "app/idemctl/environment.h"

class QCommandLineParser;
class QString;

namespace idem::ctl {

int lagCommand(const QCommandLineParser &parser);
int healthCommand(const QCommandLineParser &parser);
int deadLettersCommand(const QCommandLineParser &parser);
int traceCommand(const QCommandLineParser &parser, const QString &eventId);
int envelopeDetectCommand(const QCommandLineParser &parser, const QString &topic);
int dlqListCommand(const QCommandLineParser &parser);
// reconcile: 0 every group reconciled, 4 differences found, 1 a system could not be read.
int reconcileCommand(const QCommandLineParser &parser);
int dlqShowCommand(const QCommandLineParser &parser, const QString &position);

// The ops database as the person --user names: the environment and the
// connection string with that login.
struct OpsContext
{
    LoadedEnvironment loaded;
    QString connection;
};
Result<OpsContext> opsContext(const QCommandLineParser &parser);
// replay request|list|show|approve|reject|cancel|run: 0 done, 2 refused by
// the rules (the database's reason on standard error), 3 no such request,
// 1 a system could not be read, 4 a run that did not reach done.
int replayCommand(const QCommandLineParser &parser, const QString &action, const QStringList &arguments);
// ops migrate | ops verify-audit (4: the chain is broken).
int opsCommand(const QCommandLineParser &parser, const QString &action);
// index run (until SIGTERM/SIGINT, 0) | index status (0; 1 the ops database
// or a cluster could not be read).
int indexCommand(const QCommandLineParser &parser, const QString &action);
// alerts [--open] [--json]: 0 none open, 4 some open, 1 the ops database could not be read.
int alertsCommand(const QCommandLineParser &parser);
// watch: the headless recorder, until SIGTERM.
int watchCommand(const QCommandLineParser &parser);

} // namespace idem::ctl
