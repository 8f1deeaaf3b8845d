#include "app/idemctl/environment.h"

#include "models/trace/trace.h"

#include "connectors/config/configfile.h"
#include "connectors/kafka/lagpoller.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QThread>

namespace idem::ctl {

Result<LoadedEnvironment> loadEnvironment(const QCommandLineParser &parser)
{
    const QString path = parser.isSet(QStringLiteral("config")) ? parser.value(QStringLiteral("config"))
                                                                 : connectors::defaultConfigPath();
    if (!QFileInfo::exists(path))
        return makeError(QStringLiteral("no configuration at %1; name one with --config FILE").arg(path));
    auto config = connectors::loadConfig(path);
    if (!config)
        return makeError(config.error());
    auto env = connectors::selectEnvironment(*config, parser.value(QStringLiteral("environment")), path);
    if (!env)
        return makeError(env.error());
    return LoadedEnvironment{*config, *env};
}

Result<connectors::kafka::KafkaProperties> clusterProperties(const QCommandLineParser &parser)
{
    if (parser.isSet(QStringLiteral("bootstrap")))
        return connectors::kafka::KafkaProperties{{QStringLiteral("bootstrap.servers"), parser.value(QStringLiteral("bootstrap"))}};
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return makeError(loaded.error() + QStringLiteral(" (or name a cluster with --bootstrap SERVERS)"));
    const models::EnvironmentConfig *env = &loaded->environment;
    const QString clusterName = parser.value(QStringLiteral("cluster"));
    const models::KafkaClusterConfig *cluster = clusterName.isEmpty()
        ? (env->clusters.size() == 1 ? &env->clusters.first() : nullptr)
        : env->cluster(clusterName);
    if (!cluster) {
        QStringList names;
        for (const auto &c : env->clusters)
            names << c.name;
        return makeError(QStringLiteral("name the cluster with --cluster; environment \"%1\" defines: %2")
                             .arg(env->name, names.join(QStringLiteral(", "))));
    }
    auto properties = connectors::kafka::clusterProperties(*cluster);
    if (!properties)
        return makeError(QStringLiteral("cluster %1, %2").arg(cluster->name, properties.error()));
    return properties.value();
}

namespace {

Result<PollOptions> pollOptions(const QCommandLineParser &parser)
{
    PollOptions o;
    bool ok = false;
    o.polls = parser.value(QStringLiteral("polls")).toInt(&ok);
    if (!ok || o.polls < 1 || o.polls > 100)
        return makeError(QStringLiteral("--polls must be between 1 and 100, not \"%1\"").arg(parser.value(QStringLiteral("polls"))));
    const double seconds = parser.value(QStringLiteral("interval")).toDouble(&ok);
    if (!ok || seconds < 0.1 || seconds > 600)
        return makeError(QStringLiteral("--interval must be between 0.1 and 600 seconds, not \"%1\"").arg(parser.value(QStringLiteral("interval"))));
    o.interval = std::chrono::milliseconds(qRound64(seconds * 1000));
    return o;
}

} // namespace

Result<PollRequest> pollRequest(const QCommandLineParser &parser)
{
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return makeError(loaded.error());
    auto options = pollOptions(parser);
    if (!options)
        return makeError(options.error());
    return PollRequest{*loaded, *options};
}

QList<models::LagSnapshot> pollFlows(const models::EnvironmentConfig &env, const QString &onlyFlow,
                                     const PollOptions &options, models::MetricsTracker &tracker)
{
    QList<models::LagSnapshot> last;
    std::vector<std::unique_ptr<connectors::kafka::LagReader>> readers;
    for (const auto &cluster : env.clusters) {
        QList<models::FlowConfig> flows;
        for (const auto &flow : env.flows) {
            if (flow.cluster == cluster.name && (onlyFlow.isEmpty() || flow.name == onlyFlow))
                flows << flow;
        }
        if (!flows.isEmpty())
            readers.push_back(std::make_unique<connectors::kafka::LagReader>(cluster, flows));
    }
    // Polls start `interval` apart, start to start: a slow poll (a thousand
    // flows take about a second) shortens the wait instead of adding to it.
    QElapsedTimer sinceStart;
    for (int i = 0; i < options.polls; ++i) {
        if (i > 0) {
            const qint64 wait = options.interval.count() - sinceStart.elapsed();
            if (wait > 0)
                QThread::msleep(quint64(wait));
        }
        sinceStart.start();
        last.clear();
        for (auto &reader : readers) {
            last << reader->poll();
            tracker.add(last.back());
        }
    }
    return last;
}

Result<TimeWindow> timeWindow(const QCommandLineParser &parser, const QDateTime &now)
{
    TimeWindow window;
    for (const QString &name : {QStringLiteral("from"), QStringLiteral("to")}) {
        if (!parser.isSet(name))
            continue;
        auto t = models::parseTraceTime(parser.value(name), now);
        if (!t)
            return makeError(QStringLiteral("--%1: %2").arg(name, t.error()));
        (name == QLatin1String("from") ? window.from : window.to) = t.value();
    }
    if (window.from.isValid() && window.to.isValid() && window.from >= window.to)
        return makeError(QStringLiteral("--from must be before --to"));
    return window;
}

} // namespace idem::ctl
