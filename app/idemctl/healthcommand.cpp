// idemctl health [--json]: each connection's state, the four figures of each
// flow, and each reachable store's own figures.

#include "app/common/cli.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/postgres/storemetrics.h"
#include "connectors/postgres/storeprobe.h"
#include "models/reports/healthreport.h"

#include <QCommandLineParser>
#include <QJsonDocument>

#include <cstdio>

namespace idem::ctl {

int healthCommand(const QCommandLineParser &parser)
{
    auto request = pollRequest(parser);
    if (!request)
        return app::fail(request.error(), 2);
    const models::EnvironmentConfig &env = request->loaded.environment;
    models::MetricsTracker tracker(std::chrono::hours(1));
    const QList<models::LagSnapshot> snapshots = pollFlows(env, {}, request->options, tracker);

    models::HealthReport report;
    for (const auto &s : snapshots) {
        report.connections << s.health;
        // What a cluster's poll noted without it being a fault (group discovery not answered).
        report.clusterNotes.insert(s.cluster, s.notes);
    }
    for (const auto &store : env.stores) {
        const models::ConnectionHealth health = connectors::postgres::probeStore(store);
        report.connections << health;
        if (health.state != models::HealthState::Ok)
            continue;
        auto figures = connectors::postgres::readStoreFigures(store, std::chrono::minutes(5));
        if (figures)
            report.stores << *figures;
        else
            app::fail(figures.error());
    }
    if (env.ops)
        report.connections << connectors::postgres::probeOpsDatabase(*env.ops);
    report.flows = tracker.flows();

    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", QJsonDocument(models::toJson(report)).toJson(QJsonDocument::Compact).constData());
    else
        std::fputs(models::toText(report).toUtf8().constData(), stdout);
    for (const auto &c : report.connections) {
        if (c.state == models::HealthState::Down)
            app::fail(QStringLiteral("%1 is down: %2").arg(c.name, c.detail));
    }
    return report.down() ? 1 : 0;
}

} // namespace idem::ctl
