// idemctl health [--json]: each connection's state, the four figures of each
// flow, and each reachable store's own figures.

#include "app/common/cli.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/postgres/storewatcher.h"
#include "models/reports/healthreport.h"

#include <QCommandLineParser>
#include <QJsonDocument>

#include <cstdio>
#include <future>
#include <vector>

namespace idem::ctl {

// How long the stores and the ops database may take to answer, together.
constexpr std::chrono::seconds kDatabaseBudget{10};

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
    // Every store and the ops database at once, each within the same budget:
    // a stalled one is reported as such when the budget runs out (its query
    // cancelled), not waited for until its statement timeout.
    const auto control = connectors::PollControl::within(kDatabaseBudget);
    std::vector<std::future<connectors::postgres::StoreWatcher::Reading>> readings;
    for (const auto &store : env.stores)
        readings.push_back(std::async(std::launch::async, [store, control] {
            return connectors::postgres::StoreWatcher(store).poll(control);
        }));
    if (env.ops)
        readings.push_back(std::async(std::launch::async, [ops = *env.ops, control] {
            return connectors::postgres::StoreWatcher(ops).poll(control);
        }));
    for (auto &future : readings) {
        const connectors::postgres::StoreWatcher::Reading reading = future.get();
        report.connections << reading.health;
        if (reading.figures)
            report.stores << *reading.figures;
    }
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
