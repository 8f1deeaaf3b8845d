// idemctl reconcile --flow F [--from T --to T] [--limit N] [--json]: every
// event of the flow's source topics in the window against each group's
// store, the counts of each class and the event_ids of every class but
// processed (at most --limit a class). Exit 0 every group reconciled, 4
// differences found (missing or extra), 1 a system could not be read (or the
// source not read entirely), 2 bad usage.

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/reconcile/reconcilerunner.h"
#include "models/reconcile/reconcile.h"

#include <QCommandLineParser>
#include <QJsonDocument>

#include <cstdio>

namespace idem::ctl {

int reconcileCommand(const QCommandLineParser &parser)
{
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return app::fail(loaded.error(), ExitUsage);
    const QString flow = parser.value(QStringLiteral("flow"));
    if (flow.isEmpty()) {
        QStringList names;
        for (const auto &f : loaded->environment.flows)
            names << f.name;
        return app::fail(QStringLiteral("reconcile needs --flow NAME; flows: %1").arg(names.join(QStringLiteral(", "))),
                         ExitUsage);
    }
    if (!loaded->environment.flow(flow))
        return app::fail(QStringLiteral("no flow named \"%1\" in environment %2").arg(flow, loaded->environment.name),
                         ExitUsage);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto window = timeWindow(parser, now);
    if (!window)
        return app::fail(window.error(), ExitUsage);
    models::ReconcileQuery query;
    query.flow = flow;
    const models::ReconcileWindow lastHour = models::presetWindow(models::WindowPreset::LastHour, now);
    query.to = window->to.isValid() ? window->to : now;
    query.from = window->from.isValid() ? window->from : query.to.addSecs(lastHour.from.secsTo(lastHour.to) * -1);
    if (const QString bad = models::checkReconcileWindow(query.from, query.to, now); !bad.isEmpty())
        return app::fail(bad, ExitUsage);
    bool ok = false;
    const int limit = parser.value(QStringLiteral("limit")).toInt(&ok);
    if (!ok || limit < 0)
        return app::fail(QStringLiteral("--limit must be a number of event_ids (0 or more), not \"%1\"")
                             .arg(parser.value(QStringLiteral("limit"))),
                         ExitUsage);
    connectors::reconcile::ReconcileOptions options;
    options.idCap = std::max(limit, 1);
    connectors::reconcile::ReconcileRunner runner(loaded->environment, options);
    const models::ReconcileReport report = runner.run(query, connectors::PollControl{});
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s", QJsonDocument(models::reconcileToJson(report, limit, false)).toJson(QJsonDocument::Indented).constData());
    else
        std::printf("%s\n", models::reconcileToText(report, limit).toUtf8().constData());
    if (!report.error.isEmpty()) {
        std::fprintf(stderr, "idemctl: %s\n", report.error.toUtf8().constData());
        return ExitUnreachable;
    }
    if (report.reconciled())
        return ExitDone;
    bool differences = false;
    for (const models::GroupReconcile &g : report.groups)
        differences = differences || (g.checked() && !g.reconciled() && g.extraError.isEmpty());
    return differences ? ExitFindings : ExitUnreachable;
}

} // namespace idem::ctl
