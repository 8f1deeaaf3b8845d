// idemctl lag [--flow NAME] [--json]: committed offset, watermarks, lag and
// status per group and partition, with each group's membership.

#include "app/common/cli.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "models/reports/lagreport.h"

#include <QCommandLineParser>

#include <cstdio>

namespace idem::ctl {

int lagCommand(const QCommandLineParser &parser)
{
    auto request = pollRequest(parser);
    if (!request)
        return app::fail(request.error(), 2);
    const models::EnvironmentConfig &env = request->loaded.environment;
    const QString onlyFlow = parser.value(QStringLiteral("flow"));
    if (!onlyFlow.isEmpty() && !env.flow(onlyFlow))
        return app::fail(QStringLiteral("environment \"%1\" has no flow \"%2\"").arg(env.name, onlyFlow), 2);
    models::MetricsTracker tracker(std::chrono::hours(1));
    const QList<models::LagSnapshot> snapshots = pollFlows(env, onlyFlow, request->options, tracker);
    const models::LagReport report = models::buildLagReport(snapshots, tracker.figures());
    for (const auto &[cluster, reason] : report.unreachable)
        app::fail(QStringLiteral("cluster %1: %2").arg(cluster, reason));
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", models::toJsonBytes(report).constData());
    else
        std::fputs(models::toText(report).toUtf8().constData(), stdout);
    return report.unreachable.isEmpty() ? 0 : 1;
}

} // namespace idem::ctl
