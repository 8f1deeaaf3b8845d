#include "app/idemctl/commandline.h"

#include "app/common/cli.h"
#include "connectors/common/logging.h"
#include "connectors/config/configfile.h"
#include "connectors/kafka/kafkalog.h"
#include "models/core/version.h"

#include <QCoreApplication>

#include <cstdio>

namespace idem::ctl {

namespace {

QList<QCommandLineOption> commonOptions()
{
    return {
        {QStringLiteral("config"), QStringLiteral("Configuration file (default: %1).").arg(connectors::defaultConfigPath()),
         QStringLiteral("FILE")},
        {QStringLiteral("environment"), QStringLiteral("Environment of the configuration (default: the first)."),
         QStringLiteral("NAME")},
        {QStringLiteral("log-level"),
         QStringLiteral("Log level on standard error: trace, debug, info, warn, error, critical, off "
                        "(default: $IDEM_LOG or warn)."),
         QStringLiteral("LEVEL")},
        {QStringLiteral("user"),
         QStringLiteral("Ops database login to act as (default: the ops connection's user); its password from "
                        "libpq's pgpass."),
         QStringLiteral("NAME")},
        {{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("This help; with a command, the command's.")},
        {QStringLiteral("version"), QStringLiteral("The version of idemctl.")},
    };
}

const QCommandLineOption *findOption(const QList<QCommandLineOption> &options, const QString &name)
{
    for (const QCommandLineOption &o : options) {
        if (o.names().contains(name))
            return &o;
    }
    return nullptr;
}

// The words before, between and after the options: the command and its
// arguments. Knows which options take a value, so a value is not taken for
// a command word.
QStringList positionals(const QStringList &args, const QList<QCommandLineOption> &options)
{
    QStringList words;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--")) {
            words += args.mid(i + 1);
            break;
        }
        if (a.startsWith(QLatin1Char('-')) && a.size() > 1) {
            const QString name = a.mid(a.startsWith(QLatin1String("--")) ? 2 : 1).section(QLatin1Char('='), 0, 0);
            const QCommandLineOption *o = findOption(options, name);
            if (o && !o->valueName().isEmpty() && !a.contains(QLatin1Char('=')))
                ++i;
            continue;
        }
        words << a;
    }
    return words;
}

// The command whose words start `words`, the longest match.
const CommandSpec *findCommand(const QList<CommandSpec> &commands, const QStringList &words)
{
    const CommandSpec *best = nullptr;
    for (const CommandSpec &c : commands) {
        if (c.words.size() <= words.size() && words.mid(0, c.words.size()) == c.words
            && (!best || c.words.size() > best->words.size()))
            best = &c;
    }
    return best;
}

QString optionSynopsis(const QCommandLineOption &o)
{
    QString text = QStringLiteral("--") + o.names().constLast();
    if (!o.valueName().isEmpty())
        text += QLatin1Char(' ') + o.valueName();
    return text;
}

QString optionLines(const QList<QCommandLineOption> &options)
{
    QString out;
    for (const QCommandLineOption &o : options) {
        QString left = QStringLiteral("  ");
        if (o.names().size() > 1)
            left += QStringLiteral("-") + o.names().constFirst() + QStringLiteral(", ");
        left += optionSynopsis(o);
        out += left.leftJustified(26) + QLatin1Char(' ') + o.description() + QLatin1Char('\n');
    }
    return out;
}

QString indented(const QString &text)
{
    QString out;
    for (const QString &line : text.split(QLatin1Char('\n')))
        out += (line.isEmpty() ? QString() : QStringLiteral("  ") + line) + QLatin1Char('\n');
    return out;
}

QList<QCommandLineOption> optionsOf(const CommandSpec &command)
{
    QList<QCommandLineOption> options;
    const QList<QCommandLineOption> all = allCommandOptions();
    for (const QString &name : command.options) {
        if (const QCommandLineOption *o = findOption(all, name))
            options << *o;
    }
    return options;
}

QString usageLine(const CommandSpec &command)
{
    QString line = QStringLiteral("idemctl [--config FILE] [--environment NAME] ") + command.name();
    if (!command.arguments.isEmpty())
        line += QLatin1Char(' ') + command.arguments;
    for (const QCommandLineOption &o : optionsOf(command))
        line += QStringLiteral(" [") + optionSynopsis(o) + QLatin1Char(']');
    return line;
}

QString commandHelp(const CommandSpec &command)
{
    QString out = QStringLiteral("Usage: ") + usageLine(command) + QStringLiteral("\n\n") + command.summary
        + QStringLiteral("\n");
    const QList<QCommandLineOption> own = optionsOf(command);
    // (--user is common: every command that reaches the ops database takes it.)
    if (!own.isEmpty())
        out += QStringLiteral("\nOptions:\n") + optionLines(own);
    out += QStringLiteral("\nCommon options:\n") + optionLines(commonOptions());
    if (!command.json.isEmpty())
        out += QStringLiteral("\nJSON (--json):\n") + indented(command.json);
    out += QStringLiteral("\nExit status:\n") + indented(command.exitCodes.isEmpty() ? exitCodesText() : command.exitCodes);
    if (!command.example.isEmpty())
        out += QStringLiteral("\nExample:\n") + indented(command.example);
    return out;
}

QString generalHelp(const QList<CommandSpec> &commands)
{
    QString out = QStringLiteral("Usage: idemctl [--config FILE] [--environment NAME] COMMAND [OPTIONS]\n\n"
                                 "Idem on the command line, for scripts and services.\n\nCommands:\n");
    for (const CommandSpec &c : commands) {
        QString left = QStringLiteral("  ") + c.name();
        if (!c.arguments.isEmpty())
            left += QLatin1Char(' ') + c.arguments;
        if (left.size() > 26)
            out += left + QStringLiteral("\n") + QString(27, QLatin1Char(' ')) + c.summary + QLatin1Char('\n');
        else
            out += left.leftJustified(26) + QLatin1Char(' ') + c.summary + QLatin1Char('\n');
    }
    out += QStringLiteral("\nCommon options:\n") + optionLines(commonOptions());
    out += QStringLiteral("\nExit status:\n") + indented(exitCodesText());
    out += QStringLiteral("\n'idemctl COMMAND --help' or 'idemctl help COMMAND' shows a command's options, "
                          "JSON fields and an example.\n");
    return out;
}

int usageError(const QString &message, const QString &helpFor)
{
    app::fail(message + QStringLiteral("\nTry 'idemctl %1--help'.").arg(helpFor.isEmpty() ? QString() : helpFor + QLatin1Char(' ')),
              ExitUsage);
    return ExitUsage;
}

void print(const QString &text)
{
    std::fputs(text.toLocal8Bit().constData(), stdout);
}

} // namespace

QString exitCodesText()
{
    return QStringLiteral("0  done\n"
                          "1  a system (Kafka cluster, store, ops database) could not be read\n"
                          "2  bad usage or configuration\n"
                          "3  not found\n"
                          "4  differences or open alerts found");
}

QList<QCommandLineOption> allCommandOptions()
{
    return {
        {QStringLiteral("cluster"), QStringLiteral("Kafka cluster of the environment (default: its only one)."),
         QStringLiteral("NAME")},
        {QStringLiteral("bootstrap"), QStringLiteral("Talk to this cluster instead of one from the configuration."),
         QStringLiteral("SERVERS")},
        {QStringLiteral("samples"), QStringLiteral("Messages to sample (default 50)."), QStringLiteral("N"),
         QStringLiteral("50")},
        {QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")},
        {QStringLiteral("flow"), QStringLiteral("Only this flow."), QStringLiteral("NAME")},
        {QStringLiteral("newest"), QStringLiteral("Dead letters to read per flow, the newest (default 1000)."),
         QStringLiteral("N"), QStringLiteral("1000")},
        {QStringLiteral("offsets"), QStringLiteral("Dead letters to replay, TOPIC:PARTITION:OFFSET,…"),
         QStringLiteral("LIST")},
        {QStringLiteral("failure"),
         QStringLiteral("A failure group: its key, or text in its label or error (replay request: the newest dead "
                        "letters of it, see --newest; dlq list: only its dead letters)."),
         QStringLiteral("TEXT")},
        {QStringLiteral("reason"), QStringLiteral("Why the events are replayed (shown to the approver, audited)."),
         QStringLiteral("TEXT")},
        {QStringLiteral("target-topic"), QStringLiteral("Send every item here instead of its original topic."),
         QStringLiteral("TOPIC")},
        {QStringLiteral("status"), QStringLiteral("Only requests in this status (pending, approved, executing, done, …)."),
         QStringLiteral("STATUS")},
        {QStringLiteral("comment"), QStringLiteral("The decision's comment (required to reject)."), QStringLiteral("TEXT")},
        {QStringLiteral("override-processed"),
         QStringLiteral("Approve sending the items the dry run found processed too (audited).")},
        {QStringLiteral("rate"), QStringLiteral("Messages a second (default 100; 0: no limit)."), QStringLiteral("N")},
        {QStringLiteral("verify-timeout"),
         QStringLiteral("Seconds to wait for the stores to process the replayed events (default 60)."),
         QStringLiteral("SECONDS")},
        {QStringLiteral("offset-from"), QStringLiteral("Only partition P, from offset O back (newest first)."),
         QStringLiteral("P:O")},
        {QStringLiteral("limit"), QStringLiteral("Rows to print at most (default 100)."), QStringLiteral("N"),
         QStringLiteral("100")},
        {QStringLiteral("polls"), QStringLiteral("Polls to take; statuses and rates need two (default 2)."),
         QStringLiteral("N"), QStringLiteral("2")},
        {QStringLiteral("interval"),
         QStringLiteral("Seconds from the start of one poll to the start of the next: the window statuses and rates "
                        "are judged over (default 1; a poll that takes longer is followed at once)."),
         QStringLiteral("SECONDS"), QStringLiteral("1")},
        {QStringLiteral("from"),
         QStringLiteral("Start of the time window, included (ISO 8601, UTC unless a zone is given; now; or an age: "
                        "-30m, -2h, -1d)."),
         QStringLiteral("TIME")},
        {QStringLiteral("to"), QStringLiteral("End of the time window, excluded (as --from; default now)."),
         QStringLiteral("TIME")},
        {QStringLiteral("open"), QStringLiteral("Only the open alerts.")},
        {QStringLiteral("window"), QStringLiteral("Seconds of polls the figures span, as the console's (default 300)."),
         QStringLiteral("SECONDS"), QStringLiteral("300")},
        {QStringLiteral("budget"), QStringLiteral("Messages the scan reads at most, newest first (default 5000000)."),
         QStringLiteral("N"), QStringLiteral("5000000")},
    };
}

int runCommandLine(const QList<CommandSpec> &commands, const QStringList &arguments)
{
    const QStringList args = arguments.mid(1);
    const QList<QCommandLineOption> common = commonOptions();
    QStringList words = positionals(args, common + allCommandOptions());

    bool helpCommand = false;
    if (words.value(0) == QLatin1String("help")) {
        helpCommand = true;
        words.removeFirst();
    }
    const CommandSpec *command = findCommand(commands, words);
    if (!command) {
        if (words.isEmpty()) {
            QCommandLineParser parser;
            parser.addOptions(common);
            if (!parser.parse(arguments))
                return usageError(parser.errorText(), {});
            if (parser.isSet(QStringLiteral("version"))) {
                print(QStringLiteral("idemctl %1\n").arg(models::versionString()));
                return ExitDone;
            }
            if (parser.isSet(QStringLiteral("help"))) {
                print(generalHelp(commands));
                return ExitDone;
            }
            const QString level = parser.value(QStringLiteral("log-level"));
            if (!level.isEmpty() && !connectors::isValidLogLevel(level))
                return usageError(QStringLiteral("unknown log level \"%1\"; expected one of trace, debug, info, warn, "
                                                 "error, critical, off")
                                      .arg(level),
                                  {});
            std::fputs(generalHelp(commands).toLocal8Bit().constData(), stderr);
            return ExitUsage;
        }
        QStringList names;
        for (const CommandSpec &c : commands)
            names << c.name();
        return usageError(QStringLiteral("unknown command \"%1\"; the commands are: %2")
                              .arg(words.join(QLatin1Char(' ')), names.join(QStringLiteral(", "))),
                          {});
    }
    if (helpCommand) {
        print(commandHelp(*command));
        return ExitDone;
    }

    QCommandLineParser parser;
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    parser.addOptions(common);
    parser.addOptions(optionsOf(*command));
    if (!parser.parse(arguments))
        return usageError(QStringLiteral("%1: %2").arg(command->name(), parser.errorText()), command->name());
    if (parser.isSet(QStringLiteral("help"))) {
        print(commandHelp(*command));
        return ExitDone;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        print(QStringLiteral("idemctl %1\n").arg(models::versionString()));
        return ExitDone;
    }
    QString level = parser.value(QStringLiteral("log-level"));
    if (level.isEmpty())
        level = qEnvironmentVariable("IDEM_LOG");
    if (!level.isEmpty() && !connectors::isValidLogLevel(level))
        return usageError(QStringLiteral("unknown log level \"%1\"; expected one of trace, debug, info, warn, error, "
                                         "critical, off")
                              .arg(level),
                          command->name());
    // Standard error carries idemctl's own messages and warnings; the log
    // file ($XDG_STATE_HOME/idem/log/idemctl.log) keeps the rest.
    connectors::LoggingOptions logging;
    logging.appName = QStringLiteral("idemctl");
    logging.stderrLevel = level.isEmpty() ? QStringLiteral("warn") : level;
    logging.toFile = command->words.first() != QLatin1String("completion"); // runs in builds and shells: no log file
    const QString problem = connectors::setupLogging(logging);
    if (!problem.isEmpty())
        connectors::logger("app")->warn("{}", problem.toStdString());

    const QStringList rest = parser.positionalArguments().mid(command->words.size());
    const int expected = command->arguments.isEmpty() ? 0 : int(command->arguments.split(QLatin1Char(' ')).size());
    if (rest.size() != expected)
        return usageError(QStringLiteral("usage: %1").arg(usageLine(*command)), command->name());
    const int status = command->run(parser, rest);
    // What librdkafka repeated since its last summary, into the log.
    connectors::kafka::flushAllClientLogSummaries();
    connectors::logger("app")->flush();
    return status;
}

QString bashCompletion(const QList<CommandSpec> &commands)
{
    // Commands and their options from the table; flow and environment names
    // asked of idemctl itself at completion time, from the configuration the
    // command line names (or the default one).
    QString cases;
    QStringList firstWords;
    for (const CommandSpec &c : commands) {
        if (!firstWords.contains(c.words.first()))
            firstWords << c.words.first();
        QStringList options;
        for (const QCommandLineOption &o : commonOptions() + optionsOf(c))
            options << QStringLiteral("--") + o.names().constLast();
        // An argument written as "a|b|c" is one of those words.
        const QString choices = c.arguments.contains(QLatin1Char('|')) ? QString(c.arguments).replace(QLatin1Char('|'), QLatin1Char(' ')) : QString();
        cases += QStringLiteral("        \"%1\") opts=\"%2\"; sub=\"%3\" ;;\n")
                     .arg(c.name(), options.join(QLatin1Char(' ')), choices);
    }
    // A first word that only starts commands ("envelope" of "envelope detect").
    for (const QString &first : std::as_const(firstWords)) {
        QStringList subwords;
        bool isCommand = false;
        for (const CommandSpec &c : commands) {
            if (c.words.first() != first)
                continue;
            if (c.words.size() == 1)
                isCommand = true;
            else
                subwords << c.words[1];
        }
        if (!isCommand)
            cases += QStringLiteral("        \"%1\") opts=\"--help\"; sub=\"%2\" ;;\n").arg(first, subwords.join(QLatin1Char(' ')));
    }
    QString script = QStringLiteral(R"BASH(# bash completion for idemctl, generated by `idemctl completion bash`.
# Install: idemctl completion bash > /etc/bash_completion.d/idemctl (or source it from ~/.bashrc).
_idemctl()
{
    local cur prev words cword
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD-1]}"
    local config_args=() cmd="" i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        case "$w" in
            --config) config_args=(--config "${COMP_WORDS[i+1]}"); ((i++)) ;;
            --environment) config_args+=(--environment "${COMP_WORDS[i+1]}"); ((i++)) ;;
            --cluster|--bootstrap|--samples|--flow|--newest|--polls|--interval|--log-level) ((i++)) ;;
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd="$w"; elif [[ "$cmd" != *" "* ]]; then cmd="$cmd $w"; fi ;;
        esac
    done
    case "$prev" in
        --flow) COMPREPLY=($(compgen -W "$(idemctl "${config_args[@]}" completion flows 2>/dev/null)" -- "$cur")); return ;;
        --environment) COMPREPLY=($(compgen -W "$(idemctl "${config_args[@]}" completion environments 2>/dev/null)" -- "$cur")); return ;;
        --config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --log-level) COMPREPLY=($(compgen -W "trace debug info warn error critical off" -- "$cur")); return ;;
        --cluster|--bootstrap|--samples|--newest|--polls|--interval) return ;;
    esac
    local opts="" sub=""
    case "$cmd" in
%1        "") opts="--config --environment --log-level --help --version"; sub="%2 help" ;;
        *) opts="--help" ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$sub" -- "$cur"))
    fi
}
complete -F _idemctl idemctl
)BASH");
    // Multi-arg arg(): one pass, so nothing in the cases is taken for a placeholder.
    return script.arg(cases, firstWords.join(QLatin1Char(' ')));
}

} // namespace idem::ctl
