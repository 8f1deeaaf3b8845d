// idemctl deadletters [--flow NAME] [--newest N] [--json]: the newest dead
// letters of each flow read through its dead-letter envelope and grouped by
// failure, as the console's Dead-letter failures tab shows them.

#include "app/common/cli.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/kafka/deadlettertail.h"
#include "connectors/kafka/lagpoller.h"
#include "models/reports/deadlettersreport.h"

#include <QCommandLineParser>
#include <QJsonDocument>

#include <cstdio>

namespace idem::ctl {

int deadLettersCommand(const QCommandLineParser &parser)
{
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return app::fail(loaded.error(), 2);
    const models::EnvironmentConfig &env = loaded->environment;
    const QString onlyFlow = parser.value(QStringLiteral("flow"));
    if (!onlyFlow.isEmpty() && !env.flow(onlyFlow))
        return app::fail(QStringLiteral("environment \"%1\" has no flow \"%2\"").arg(env.name, onlyFlow), 2);
    bool ok = false;
    const qint64 newest = parser.value(QStringLiteral("newest")).toLongLong(&ok);
    if (!ok || newest < 1 || newest > 1'000'000)
        return app::fail(QStringLiteral("--newest must be a number of dead letters from 1 to 1000000, not \"%1\"")
                             .arg(parser.value(QStringLiteral("newest"))),
                         2);
    int unreachable = 0;
    models::DeadLettersReport report;
    for (const auto &cluster : env.clusters) {
        QList<models::FlowConfig> watched;
        for (const auto &flow : env.flows) {
            if (flow.cluster == cluster.name && !flow.deadLetterTopic.isEmpty() && (onlyFlow.isEmpty() || flow.name == onlyFlow))
                watched << flow;
        }
        if (watched.isEmpty())
            continue;
        connectors::kafka::LagReader reader(cluster, watched);
        const models::LagSnapshot snapshot = reader.poll();
        if (snapshot.health.state == models::HealthState::Down) {
            ++unreachable;
            app::fail(QStringLiteral("cluster %1: %2").arg(cluster.name, snapshot.health.detail));
            continue;
        }
        connectors::kafka::DeadLetterTail::Limits limits;
        limits.backlog = newest;
        limits.perPoll = newest;
        limits.timeout = std::chrono::seconds(30);
        connectors::kafka::DeadLetterTail tail(cluster, watched, limits);
        for (const QString &problem : tail.problems())
            app::fail(problem);
        report.flows << tail.poll(snapshot);
    }
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", QJsonDocument(models::toJson(report)).toJson(QJsonDocument::Indented).constData());
    else
        std::fputs(models::toText(report).toUtf8().constData(), stdout);
    return unreachable ? 1 : 0;
}

} // namespace idem::ctl
