// idemctl: Idem on the command line, for scripts and services.
//
//   idemctl [--config FILE] [--environment NAME] envelope detect TOPIC
//           [--cluster NAME | --bootstrap SERVERS] [--samples N] [--json]
//
// Exit status: 0 done, 1 a cluster could not be read, 2 bad usage or config.

#include "app/common/cli.h"
#include "connectors/config/configfile.h"
#include "connectors/kafka/topicsampler.h"
#include "models/envelope/detection.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

using namespace idem;

namespace {

// The librdkafka properties of the cluster the command is about.
Result<connectors::kafka::KafkaProperties> clusterProperties(const QCommandLineParser &parser)
{
    if (parser.isSet(QStringLiteral("bootstrap")))
        return connectors::kafka::KafkaProperties{{QStringLiteral("bootstrap.servers"), parser.value(QStringLiteral("bootstrap"))}};
    const QString path = parser.isSet(QStringLiteral("config")) ? parser.value(QStringLiteral("config"))
                                                                 : connectors::defaultConfigPath();
    if (!QFileInfo::exists(path))
        return makeError(QStringLiteral("no configuration at %1; name one with --config FILE or a cluster with "
                                        "--bootstrap SERVERS")
                             .arg(path));
    auto config = connectors::loadConfig(path);
    if (!config)
        return makeError(config.error());
    const QString envName = parser.value(QStringLiteral("environment"));
    const models::EnvironmentConfig *env = envName.isEmpty()
        ? (config->environments.isEmpty() ? nullptr : &config->environments.first())
        : config->environment(envName);
    if (!env)
        return makeError(QStringLiteral("%1 has no environment %2").arg(path, envName.isEmpty() ? QStringLiteral("at all") : QLatin1Char('"') + envName + QLatin1Char('"')));
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
    connectors::kafka::KafkaProperties properties;
    for (const auto &[key, value] : cluster->properties) {
        QString error;
        const QString expanded = models::expandEnvironment(value, &error);
        if (!error.isEmpty())
            return makeError(QStringLiteral("cluster %1, property %2: %3").arg(cluster->name, key, error));
        properties.append({key, expanded});
    }
    return properties;
}

QJsonObject toJson(const models::EnvelopeDetection &d)
{
    QJsonArray proposals;
    for (const auto &p : d.proposals)
        proposals.append(QJsonObject{{QStringLiteral("preset"), p.preset},
                                     {QStringLiteral("score"), p.score},
                                     {QStringLiteral("sampled"), p.sampled},
                                     {QStringLiteral("readable"), p.readable},
                                     {QStringLiteral("dead_letter"), p.deadLetter},
                                     {QStringLiteral("evidence"), QJsonArray::fromStringList(p.evidence)}});
    QJsonObject out{{QStringLiteral("topic"), d.topic},
                    {QStringLiteral("sampled"), d.sampled},
                    {QStringLiteral("proposals"), proposals},
                    {QStringLiteral("observations"), QJsonArray::fromStringList(d.observations)}};
    if (d.pairing)
        out.insert(QStringLiteral("pairing"),
                   QJsonObject{{QStringLiteral("source_topic"), d.pairing->sourceTopic},
                               {QStringLiteral("retry_topics"), QJsonArray::fromStringList(d.pairing->retryTopics)},
                               {QStringLiteral("dead_letter_topics"), QJsonArray::fromStringList(d.pairing->deadLetterTopics)},
                               {QStringLiteral("evidence"), QJsonArray::fromStringList(d.pairing->evidence)}});
    return out;
}

void printText(const models::EnvelopeDetection &d)
{
    std::printf("%s: %d messages sampled\n", qPrintable(d.topic), d.sampled);
    int rank = 0;
    for (const auto &p : d.proposals) {
        std::printf("%d. %s (score %.2f, %d of %d read cleanly%s)\n", ++rank, qPrintable(p.preset), p.score,
                    p.readable, p.sampled, p.deadLetter ? ", dead letters" : "");
        for (const auto &e : p.evidence)
            std::printf("     %s\n", qPrintable(e));
    }
    if (d.pairing) {
        std::printf("pairing: source %s", qPrintable(d.pairing->sourceTopic));
        if (!d.pairing->retryTopics.isEmpty())
            std::printf(", retries %s", qPrintable(d.pairing->retryTopics.join(QStringLiteral(", "))));
        if (!d.pairing->deadLetterTopics.isEmpty())
            std::printf(", dead letters %s", qPrintable(d.pairing->deadLetterTopics.join(QStringLiteral(", "))));
        std::printf("\n");
        for (const auto &e : d.pairing->evidence)
            std::printf("     %s\n", qPrintable(e));
    }
    for (const auto &o : d.observations)
        std::printf("seen: %s\n", qPrintable(o));
}

int envelopeDetect(const QCommandLineParser &parser, const QString &topic)
{
    bool ok = false;
    const int samples = parser.value(QStringLiteral("samples")).toInt(&ok);
    if (!ok || samples < 1 || samples > 10000)
        return app::fail(QStringLiteral("--samples must be between 1 and 10000, not \"%1\"").arg(parser.value(QStringLiteral("samples"))), 2);
    auto properties = clusterProperties(parser);
    if (!properties)
        return app::fail(properties.error(), 2);
    auto sample = connectors::kafka::sampleTopic(*properties, topic, samples);
    if (!sample)
        return app::fail(sample.error(), 1);
    const models::EnvelopeDetection detection = models::detectEnvelope(topic, sample->messages, sample->topicNames);
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", QJsonDocument(toJson(detection)).toJson(QJsonDocument::Compact).constData());
    else
        printText(detection);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("idemctl"));
    QCommandLineParser parser;
    app::addCommonOptions(parser, QStringLiteral(
        "Idem on the command line.\n\nCommands:\n"
        "  envelope detect TOPIC   sample TOPIC and propose its envelope preset, with evidence"));
    parser.addOptions({
        {QStringLiteral("config"), QStringLiteral("Configuration file (default: %1).").arg(connectors::defaultConfigPath()),
         QStringLiteral("FILE")},
        {QStringLiteral("environment"), QStringLiteral("Environment of the configuration (default: the first)."),
         QStringLiteral("NAME")},
        {QStringLiteral("cluster"), QStringLiteral("Kafka cluster of the environment (default: its only one)."),
         QStringLiteral("NAME")},
        {QStringLiteral("bootstrap"), QStringLiteral("Talk to this cluster instead of one from the configuration."),
         QStringLiteral("SERVERS")},
        {QStringLiteral("samples"), QStringLiteral("Messages to sample (default 50)."), QStringLiteral("N"),
         QStringLiteral("50")},
        {QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")},
    });
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("What to do (see above)."));
    app::processCommandLine(parser, app.arguments(), false);
    const QStringList args = parser.positionalArguments();
    if (args.isEmpty())
        parser.showHelp(2);
    if (args.value(0) == QLatin1String("envelope") && args.value(1) == QLatin1String("detect")) {
        if (args.size() != 3)
            return app::fail(QStringLiteral("usage: idemctl envelope detect TOPIC"), 2);
        return envelopeDetect(parser, args[2]);
    }
    return app::fail(QStringLiteral("unknown command \"%1\"; try --help").arg(args.join(QLatin1Char(' '))), 2);
}
