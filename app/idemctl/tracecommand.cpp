// idemctl trace EVENT_ID [--flow NAME] [--from T --to T] [--budget N] [--json]:
// where one event_id is on the flows' topics, which groups committed past it,
// what each store recorded, and the verdict. Exit 0 found, 3 not found, 1
// nothing found because a system could not be read, 2 bad usage.

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/trace/tracerunner.h"
#include "models/core/untrustedtext.h"
#include "models/trace/trace.h"

#include <QCommandLineParser>
#include <QJsonDocument>

#include <cstdio>

namespace idem::ctl {

int traceCommand(const QCommandLineParser &parser, const QString &eventId)
{
    if (const QString bad = models::checkEventId(eventId); !bad.isEmpty())
        return app::fail(bad, ExitUsage);
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return app::fail(loaded.error(), ExitUsage);
    models::TraceQuery query;
    query.eventId = eventId;
    query.flow = parser.value(QStringLiteral("flow"));
    const auto window = timeWindow(parser, QDateTime::currentDateTimeUtc());
    if (!window)
        return app::fail(window.error(), ExitUsage);
    query.from = window->from;
    query.to = window->to;
    bool ok = false;
    const qint64 budget = parser.value(QStringLiteral("budget")).toLongLong(&ok);
    if (!ok || budget < 1)
        return app::fail(QStringLiteral("--budget must be a positive number of messages, not \"%1\"")
                             .arg(parser.value(QStringLiteral("budget"))),
                         ExitUsage);
    connectors::trace::TraceRunnerOptions options;
    options.topics.messageBudget = budget;
    connectors::trace::TraceRunner runner(loaded->environment, options);
    const models::TraceResult result = runner.run(query, connectors::PollControl{});
    if (!result.error.isEmpty())
        return app::fail(result.error, result.flows.isEmpty() ? ExitUsage : ExitUnreachable);
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s", QJsonDocument(models::traceToJson(result)).toJson(QJsonDocument::Indented).constData());
    else
        std::printf("%s\n", models::traceToText(result).toUtf8().constData());
    if (result.found())
        return ExitDone;
    for (const models::TraceHop &h : result.hops) {
        if (h.kind == models::HopKind::CheckFailed)
            return ExitUnreachable;
    }
    return ExitNotFound;
}

} // namespace idem::ctl
