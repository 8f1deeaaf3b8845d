#pragma once

// idemctl's commands, one file each. Each reads its options from the parsed
// command line, builds its report (models/reports/), prints it as JSON or
// text, and returns the exit status: 0 done, 1 a system could not be read,
// 2 bad usage or configuration.

class QCommandLineParser;
class QString;

namespace idem::ctl {

int lagCommand(const QCommandLineParser &parser);
int healthCommand(const QCommandLineParser &parser);
int deadLettersCommand(const QCommandLineParser &parser);
int envelopeDetectCommand(const QCommandLineParser &parser, const QString &topic);
int dlqListCommand(const QCommandLineParser &parser);
int dlqShowCommand(const QCommandLineParser &parser, const QString &position);

} // namespace idem::ctl
