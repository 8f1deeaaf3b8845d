// idemctl: Idem on the command line, for scripts and services.
//
//   idemctl [--config FILE] [--environment NAME] lag [--flow NAME] [--json]
//   idemctl [--config FILE] [--environment NAME] health [--json]
//   idemctl [--config FILE] [--environment NAME] deadletters [--flow NAME]
//           [--newest N] [--json]
//   idemctl [--config FILE] [--environment NAME] envelope detect TOPIC
//           [--cluster NAME | --bootstrap SERVERS] [--samples N] [--json]
//
// Exit status: 0 done, 1 a cluster could not be read, 2 bad usage or config.

#include "app/common/cli.h"
#include "connectors/config/configfile.h"
#include "connectors/kafka/deadlettertail.h"
#include "connectors/kafka/envelopedetectionservice.h"
#include "connectors/kafka/lagpoller.h"
#include "connectors/postgres/storemetrics.h"
#include "connectors/postgres/storeprobe.h"
#include "models/metrics/flowmetrics.h"
#include "models/core/untrustedtext.h"
#include "models/envelope/detection.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <cstdio>

using namespace idem;

namespace {

struct LoadedEnvironment
{
    models::Config config;
    models::EnvironmentConfig environment;
};

// The environment the command is about, from --config and --environment.
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

// The librdkafka properties of the cluster the command is about.
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

// Text read from topics (names, evidence quoting messages, dead letters) for
// the terminal: control characters and bidi overrides as visible escapes.
QByteArray tty(const QString &text)
{
    return models::escapeForTerminal(text).toLocal8Bit();
}

void printText(const models::EnvelopeDetection &d)
{
    std::printf("%s: %d messages sampled\n", tty(d.topic).constData(), d.sampled);
    int rank = 0;
    for (const auto &p : d.proposals) {
        std::printf("%d. %s (score %.2f, %d of %d read cleanly%s)\n", ++rank, tty(p.preset).constData(), p.score,
                    p.readable, p.sampled, p.deadLetter ? ", dead letters" : "");
        for (const auto &e : p.evidence)
            std::printf("     %s\n", tty(e).constData());
    }
    if (d.pairing) {
        std::printf("pairing: source %s", tty(d.pairing->sourceTopic).constData());
        if (!d.pairing->retryTopics.isEmpty())
            std::printf(", retries %s", tty(d.pairing->retryTopics.join(QStringLiteral(", "))).constData());
        if (!d.pairing->deadLetterTopics.isEmpty())
            std::printf(", dead letters %s", tty(d.pairing->deadLetterTopics.join(QStringLiteral(", "))).constData());
        std::printf("\n");
        for (const auto &e : d.pairing->evidence)
            std::printf("     %s\n", tty(e).constData());
    }
    for (const auto &o : d.observations)
        std::printf("seen: %s\n", tty(o).constData());
}

// Polls every cluster of the environment (or one flow's) `polls` times,
// `interval` apart, into one tracker; returns the last snapshots.
QList<models::LagSnapshot> pollFlows(const models::EnvironmentConfig &env, const QString &onlyFlow, int polls,
                                     std::chrono::milliseconds interval, models::MetricsTracker &tracker)
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
    for (int i = 0; i < polls; ++i) {
        if (i > 0)
            QThread::msleep(quint64(interval.count()));
        last.clear();
        for (auto &reader : readers) {
            last << reader->poll();
            tracker.add(last.back());
        }
    }
    return last;
}

QJsonValue number(qint64 value)
{
    return value < 0 ? QJsonValue() : QJsonValue(value);
}

QJsonValue ratio(double value)
{
    return value < 0 ? QJsonValue() : QJsonValue(value);
}

struct PollOptions
{
    int polls = 2;
    std::chrono::milliseconds interval{2000};
};

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

// What lag and health start from: the environment and how to poll it.
struct PollRequest
{
    LoadedEnvironment loaded;
    PollOptions options;
};

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

int lagCommand(const QCommandLineParser &parser)
{
    auto request = pollRequest(parser);
    if (!request)
        return app::fail(request.error(), 2);
    const LoadedEnvironment *loaded = &request->loaded;
    const PollOptions *options = &request->options;
    const QString onlyFlow = parser.value(QStringLiteral("flow"));
    if (!onlyFlow.isEmpty() && !loaded->environment.flow(onlyFlow))
        return app::fail(QStringLiteral("environment \"%1\" has no flow \"%2\"").arg(loaded->environment.name, onlyFlow), 2);
    models::MetricsTracker tracker(std::chrono::hours(1));
    const QList<models::LagSnapshot> snapshots = pollFlows(loaded->environment, onlyFlow, options->polls, options->interval, tracker);
    QMap<std::tuple<QString, QString, QString, int>, models::LagStatus> statuses;
    const models::MetricsTracker::Figures figures = tracker.figures();
    for (const auto &p : figures.partitions)
        statuses.insert({p.partition.flow, p.partition.group, p.partition.topic, p.partition.partition}, p.status);
    QHash<QPair<QString, QString>, models::LagStatus> groupStatus;
    for (const auto &g : figures.groups)
        groupStatus.insert({g.flow, g.group}, g.status);

    int unreachable = 0;
    QJsonArray flows;
    for (const auto &snapshot : snapshots) {
        if (snapshot.health.state == models::HealthState::Down) {
            ++unreachable;
            app::fail(QStringLiteral("cluster %1: %2").arg(snapshot.cluster, snapshot.health.detail));
        }
        QMap<QString, QMap<QString, QJsonArray>> byFlow;
        QMap<QString, QMap<QString, QPair<qint64, qint64>>> totals; // lag, max lag ms
        QHash<QPair<QString, QString>, qint64> groupLag;
        for (const models::GroupLag &g : models::groupTotals(snapshot.partitions))
            groupLag.insert({g.flow, g.group}, g.lag);
        for (const auto &p : snapshot.partitions) {
            const std::optional<double> share = models::lagShare(p.lag(), groupLag.value({p.flow, p.group}));
            const auto status = statuses.value({p.flow, p.group, p.topic, p.partition});
            byFlow[p.flow][p.group].append(QJsonObject{
                {QStringLiteral("topic"), p.topic}, {QStringLiteral("partition"), p.partition},
                {QStringLiteral("committed"), number(p.committed)}, {QStringLiteral("low"), number(p.low)},
                {QStringLiteral("high"), number(p.high)}, {QStringLiteral("lag"), p.lag()},
                {QStringLiteral("lag_share"), share ? QJsonValue(*share) : QJsonValue()},
                {QStringLiteral("lag_seconds"), p.lagMs < 0 ? QJsonValue() : QJsonValue(p.lagMs / 1000.0)},
                {QStringLiteral("status"), models::lagStatusName(status)}});
            auto &t = totals[p.flow][p.group];
            t.first += p.lag();
            t.second = std::max(t.second, p.lagMs);
        }
        QHash<QPair<QString, QString>, const models::FlowGroup *> membership;
        for (const auto &g : snapshot.groups)
            membership.insert({g.flow, g.group}, &g);
        for (auto f = byFlow.cbegin(); f != byFlow.cend(); ++f) {
            QJsonArray groups;
            for (auto g = f->cbegin(); g != f->cend(); ++g) {
                const auto t = totals[f.key()][g.key()];
                const models::FlowGroup *m = membership.value({f.key(), g.key()});
                groups.append(QJsonObject{{QStringLiteral("group"), g.key()},
                                          {QStringLiteral("lag"), t.first},
                                          {QStringLiteral("lag_seconds"), t.second < 0 ? QJsonValue() : QJsonValue(t.second / 1000.0)},
                                          {QStringLiteral("status"), models::lagStatusName(groupStatus.value({f.key(), g.key()}))},
                                          {QStringLiteral("members"), m && m->members ? QJsonValue(*m->members) : QJsonValue()},
                                          {QStringLiteral("state"), m && !m->state.isEmpty() ? QJsonValue(m->state) : QJsonValue()},
                                          {QStringLiteral("discovered"), m && m->discovered},
                                          {QStringLiteral("partitions"), g.value()}});
            }
            flows.append(QJsonObject{{QStringLiteral("flow"), f.key()}, {QStringLiteral("cluster"), snapshot.cluster},
                                     {QStringLiteral("groups"), groups},
                                     {QStringLiteral("notes"), QJsonArray::fromStringList(snapshot.notes)}});
        }
    }
    if (parser.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(QJsonObject{{QStringLiteral("flows"), flows}}).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf("%-10s %-12s %-20s %4s %12s %12s %10s %9s  %s\n", "FLOW", "GROUP", "TOPIC", "PART", "COMMITTED",
                    "HIGH", "LAG", "LAG S", "STATUS");
        for (const auto &fv : flows) {
            const QJsonObject f = fv.toObject();
            for (const auto &gv : f.value(QStringLiteral("groups")).toArray()) {
                const QJsonObject g = gv.toObject();
                for (const auto &pv : g.value(QStringLiteral("partitions")).toArray()) {
                    const QJsonObject p = pv.toObject();
                    std::printf("%-10s %-12s %-20s %4d %12s %12s %10lld %9s  %s\n", qPrintable(f.value(QStringLiteral("flow")).toString()),
                                qPrintable(g.value(QStringLiteral("group")).toString()), qPrintable(p.value(QStringLiteral("topic")).toString()),
                                p.value(QStringLiteral("partition")).toInt(),
                                p.value(QStringLiteral("committed")).isNull() ? "-" : qPrintable(QString::number(p.value(QStringLiteral("committed")).toInteger())),
                                qPrintable(QString::number(p.value(QStringLiteral("high")).toInteger())),
                                p.value(QStringLiteral("lag")).toInteger(),
                                p.value(QStringLiteral("lag_seconds")).isNull() ? "?" : qPrintable(QString::number(p.value(QStringLiteral("lag_seconds")).toDouble(), 'f', 1)),
                                qPrintable(p.value(QStringLiteral("status")).toString()));
                }
                // Membership beside the group's status: "2 members, Stable", "members unknown".
                const QJsonValue members = g.value(QStringLiteral("members"));
                QString membership = members.isNull() ? QStringLiteral("members unknown")
                                                      : QStringLiteral("%1 members").arg(members.toInteger());
                if (!g.value(QStringLiteral("state")).isNull())
                    membership += QStringLiteral(", ") + g.value(QStringLiteral("state")).toString();
                if (g.value(QStringLiteral("discovered")).toBool())
                    membership += QStringLiteral(", discovered");
                std::printf("%-10s %-12s %-20s %4s %12s %12s %10lld %9s  %s  (%s)\n", qPrintable(f.value(QStringLiteral("flow")).toString()),
                            qPrintable(g.value(QStringLiteral("group")).toString()), "(total)", "", "", "", g.value(QStringLiteral("lag")).toInteger(),
                            g.value(QStringLiteral("lag_seconds")).isNull() ? "?" : qPrintable(QString::number(g.value(QStringLiteral("lag_seconds")).toDouble(), 'f', 1)),
                            qPrintable(g.value(QStringLiteral("status")).toString()), qPrintable(membership));
            }
        }
        for (const auto &snapshot : snapshots) {
            for (const QString &note : snapshot.notes)
                std::printf("note: cluster %s: %s\n", qPrintable(snapshot.cluster), qPrintable(note));
        }
    }
    return unreachable ? 1 : 0;
}

int healthCommand(const QCommandLineParser &parser)
{
    auto request = pollRequest(parser);
    if (!request)
        return app::fail(request.error(), 2);
    const PollOptions *options = &request->options;
    const models::EnvironmentConfig &env = request->loaded.environment;
    models::MetricsTracker tracker(std::chrono::hours(1));
    const QList<models::LagSnapshot> snapshots = pollFlows(env, {}, options->polls, options->interval, tracker);
    QList<models::ConnectionHealth> connections;
    for (const auto &s : snapshots)
        connections << s.health;
    for (const auto &store : env.stores)
        connections << connectors::postgres::probeStore(store);
    if (env.ops)
        connections << connectors::postgres::probeOpsDatabase(*env.ops);
    // What a cluster's poll noted without it being a fault (group discovery
    // not answered), per cluster.
    QHash<QString, QStringList> clusterNotes;
    for (const auto &s : snapshots)
        clusterNotes.insert(s.cluster, s.notes);
    auto notesOf = [&](const models::ConnectionHealth &c) {
        return c.kind == models::ConnectionHealth::Kind::Cluster ? clusterNotes.value(c.name) : QStringList();
    };
    int down = 0;
    QJsonArray conns;
    for (const auto &c : connections) {
        down += c.state == models::HealthState::Down;
        conns.append(QJsonObject{{QStringLiteral("kind"), c.kind == models::ConnectionHealth::Kind::Cluster ? QStringLiteral("cluster")
                                                          : c.kind == models::ConnectionHealth::Kind::Store ? QStringLiteral("store")
                                                                                                            : QStringLiteral("ops")},
                                 {QStringLiteral("name"), c.name},
                                 {QStringLiteral("state"), models::healthStateName(c.state)},
                                 {QStringLiteral("latency_ms"), number(c.latencyMs)},
                                 {QStringLiteral("detail"), c.detail},
                                 {QStringLiteral("notes"), QJsonArray::fromStringList(notesOf(c))}});
    }
    QJsonArray stores;
    for (const auto &store : env.stores) {
        const bool reachable = std::any_of(connections.cbegin(), connections.cend(), [&](const auto &c) {
            return c.kind == models::ConnectionHealth::Kind::Store && c.name == store.name
                && c.state == models::HealthState::Ok;
        });
        if (!reachable)
            continue;
        auto f = connectors::postgres::readStoreFigures(store, std::chrono::minutes(5));
        if (!f) {
            app::fail(f.error());
            continue;
        }
        stores.append(QJsonObject{{QStringLiteral("store"), f->store},
                                  {QStringLiteral("processed"), f->processed},
                                  {QStringLiteral("duplicates_skipped"), f->duplicatesSkipped},
                                  {QStringLiteral("retried"), f->retried},
                                  {QStringLiteral("failed"), f->failed},
                                  {QStringLiteral("dead_lettered"), f->deadLettered},
                                  {QStringLiteral("window_seconds"), f->windowMs / 1000.0}});
    }
    QJsonArray flows;
    for (const auto &f : tracker.flows())
        flows.append(QJsonObject{{QStringLiteral("flow"), f.flow},
                                 {QStringLiteral("status"), models::lagStatusName(f.status)},
                                 {QStringLiteral("worst_group"), f.worstGroup},
                                 {QStringLiteral("lag"), f.lag},
                                 {QStringLiteral("retry_share"), ratio(f.retryShare)},
                                 {QStringLiteral("errors_per_minute"), ratio(f.errorsPerMinute)},
                                 {QStringLiteral("error_share"), ratio(f.errorShare)},
                                 {QStringLiteral("dead_letters"), number(f.deadLetters)},
                                 {QStringLiteral("window_seconds"), f.windowMs / 1000.0}});
    if (parser.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(QJsonObject{{QStringLiteral("connections"), conns}, {QStringLiteral("flows"), flows},
                                                   {QStringLiteral("stores"), stores}})
                                .toJson(QJsonDocument::Compact).constData());
    } else {
        for (const auto &c : connections) {
            std::printf("%-8s %-16s %-9s %s\n", qPrintable(models::healthStateName(c.state)), qPrintable(c.name),
                        c.latencyMs < 0 ? "" : qPrintable(QStringLiteral("%1 ms").arg(c.latencyMs)),
                        qPrintable(c.detail.section(QLatin1Char('\n'), 0, 0)));
            for (const QString &note : notesOf(c))
                std::printf("%-8s %-16s %-9s note: %s\n", "", "", "", qPrintable(note));
        }
        for (const auto &fv : flows) {
            const QJsonObject f = fv.toObject();
            auto pct = [](const QJsonValue &v) { return v.isNull() ? QStringLiteral("?") : QString::number(v.toDouble() * 100, 'f', 2) + QLatin1Char('%'); };
            std::printf("flow %s: %s (worst group %s), lag %lld, retry share %s, errors %s/min (%s of source), dead letters %s\n",
                        qPrintable(f.value(QStringLiteral("flow")).toString()), qPrintable(f.value(QStringLiteral("status")).toString()),
                        qPrintable(f.value(QStringLiteral("worst_group")).toString()), f.value(QStringLiteral("lag")).toInteger(),
                        qPrintable(pct(f.value(QStringLiteral("retry_share")))),
                        f.value(QStringLiteral("errors_per_minute")).isNull() ? "?" : qPrintable(QString::number(f.value(QStringLiteral("errors_per_minute")).toDouble(), 'f', 2)),
                        qPrintable(pct(f.value(QStringLiteral("error_share")))),
                        f.value(QStringLiteral("dead_letters")).isNull() ? "-" : qPrintable(QString::number(f.value(QStringLiteral("dead_letters")).toInteger())));
        }
    }
    if (!parser.isSet(QStringLiteral("json"))) {
        for (const auto &sv : stores) {
            const QJsonObject st = sv.toObject();
            std::printf("store %s, last %.0f s: %lld processed, %lld duplicates skipped, %lld retried, %lld failed, %lld dead-lettered\n",
                        qPrintable(st.value(QStringLiteral("store")).toString()), st.value(QStringLiteral("window_seconds")).toDouble(),
                        st.value(QStringLiteral("processed")).toInteger(), st.value(QStringLiteral("duplicates_skipped")).toInteger(),
                        st.value(QStringLiteral("retried")).toInteger(), st.value(QStringLiteral("failed")).toInteger(),
                        st.value(QStringLiteral("dead_lettered")).toInteger());
        }
    }
    for (const auto &c : connections) {
        if (c.state == models::HealthState::Down)
            app::fail(QStringLiteral("%1 is down: %2").arg(c.name, c.detail));
    }
    return down ? 1 : 0;
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
    const auto detected = connectors::kafka::detectTopicEnvelope(*properties, topic, samples);
    if (!detected)
        return app::fail(detected.error(), 1);
    const models::EnvelopeDetection &detection = detected.value();
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", QJsonDocument(toJson(detection)).toJson(QJsonDocument::Compact).constData());
    else
        printText(detection);
    return 0;
}

QJsonValue utcOrNull(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonObject toJson(const models::DeadLetterDigest &d)
{
    const models::TopicDecodeErrors errors = d.decodeErrors().topic(d.topic());
    QJsonObject byField;
    for (models::EnvelopeField field : models::allEnvelopeFields()) {
        if (errors.failedOn(field) > 0)
            byField.insert(models::envelopeFieldName(field), errors.failedOn(field));
    }
    QJsonArray recent;
    for (const auto &sample : errors.recent)
        recent.append(QJsonObject{{QStringLiteral("partition"), sample.partition},
                                  {QStringLiteral("offset"), sample.offset},
                                  {QStringLiteral("problem"), sample.problem}});
    QJsonArray failures;
    for (const models::FailureCount &f : d.failures()) {
        const QString basis = f.group.basis == models::FailureGroup::Basis::StackTrace ? QStringLiteral("stack_trace")
            : f.group.basis == models::FailureGroup::Basis::ErrorCause               ? QStringLiteral("error_cause")
                                                                                      : QStringLiteral("none");
        failures.append(QJsonObject{{QStringLiteral("failure"), f.group.label()},
                                    {QStringLiteral("basis"), basis},
                                    {QStringLiteral("exception_class"), f.group.exceptionClass},
                                    {QStringLiteral("first_frame"), f.group.firstFrame},
                                    {QStringLiteral("cause"), f.group.cause},
                                    {QStringLiteral("count"), f.count},
                                    {QStringLiteral("consumer_groups"), QJsonArray::fromStringList(f.consumerGroups)},
                                    {QStringLiteral("more_consumer_groups"), qint64(f.otherConsumerGroups())},
                                    {QStringLiteral("more_consumer_groups_capped"), f.otherConsumerGroupsCapped()},
                                    {QStringLiteral("newest"), utcOrNull(f.newest)},
                                    {QStringLiteral("example_event_id"), f.exampleEventId},
                                    {QStringLiteral("example_error"), f.exampleError}});
    }
    return {{QStringLiteral("flow"), d.flow()},
            {QStringLiteral("topic"), d.topic()},
            {QStringLiteral("read"), d.read()},
            {QStringLiteral("oldest"), utcOrNull(d.oldest())},
            {QStringLiteral("decode_errors"), QJsonObject{{QStringLiteral("messages"), errors.messages},
                                                          {QStringLiteral("failed"), errors.failed},
                                                          {QStringLiteral("by_field"), byField},
                                                          {QStringLiteral("recent"), recent}}},
            {QStringLiteral("failures"), failures}};
}

// The newest dead letters of each flow, read through the flow's dead-letter
// envelope and grouped by failure, as the console's Dead-letter failures tab
// shows them.
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
    QJsonArray flows;
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
        for (const auto &digest : tail.poll(snapshot))
            flows.append(toJson(digest));
    }
    if (parser.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(QJsonObject{{QStringLiteral("flows"), flows}}).toJson(QJsonDocument::Indented).constData());
        return unreachable ? 1 : 0;
    }
    for (const auto &value : std::as_const(flows)) {
        const QJsonObject f = value.toObject();
        const QJsonObject errors = f.value(QStringLiteral("decode_errors")).toObject();
        std::printf("%s  %s: %lld dead letters read%s; decode errors: %lld\n", tty(f.value(QStringLiteral("flow")).toString()).constData(),
                    tty(f.value(QStringLiteral("topic")).toString()).constData(), f.value(QStringLiteral("read")).toInteger(),
                    f.value(QStringLiteral("oldest")).isNull()
                        ? ""
                        : qPrintable(QStringLiteral(" since ") + f.value(QStringLiteral("oldest")).toString()),
                    errors.value(QStringLiteral("failed")).toInteger());
        for (const auto &failure : f.value(QStringLiteral("failures")).toArray()) {
            const QJsonObject o = failure.toObject();
            QString groups = o.value(QStringLiteral("consumer_groups")).toVariant().toStringList().join(QStringLiteral(", "));
            if (const qint64 more = o.value(QStringLiteral("more_consumer_groups")).toInteger(); more > 0)
                groups += QStringLiteral(" and %1%2 more")
                              .arg(o.value(QStringLiteral("more_consumer_groups_capped")).toBool() ? QStringLiteral("more than ") : QString())
                              .arg(more);
            std::printf("  %8lld  %s  [%s]\n", o.value(QStringLiteral("count")).toInteger(),
                        tty(o.value(QStringLiteral("failure")).toString()).constData(), tty(groups).constData());
        }
        for (const auto &sample : errors.value(QStringLiteral("recent")).toArray()) {
            const QJsonObject o = sample.toObject();
            std::printf("  decode error at [%d] offset %lld: %s\n", o.value(QStringLiteral("partition")).toInt(),
                        o.value(QStringLiteral("offset")).toInteger(), tty(o.value(QStringLiteral("problem")).toString()).constData());
        }
    }
    return unreachable ? 1 : 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("idemctl"));
    QCommandLineParser parser;
    app::addCommonOptions(parser, QStringLiteral(
        "Idem on the command line.\n\nCommands:\n"
        "  lag [--flow NAME]       committed offset, watermarks, lag and status per group and partition;\n"
        "                          members per group where the cluster describes its groups\n"
        "  health                  each connection's state and the four figures of each flow\n"
        "  deadletters [--flow NAME] [--newest N]\n"
        "                          the newest dead letters of each flow grouped by failure, with decode errors\n"
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
        {QStringLiteral("flow"), QStringLiteral("Only this flow (lag, deadletters)."), QStringLiteral("NAME")},
        {QStringLiteral("newest"), QStringLiteral("Dead letters to read per flow, the newest (default 1000)."),
         QStringLiteral("N"), QStringLiteral("1000")},
        {QStringLiteral("polls"), QStringLiteral("Polls to take for lag and health; statuses and rates need two "
                                                 "(default 2)."),
         QStringLiteral("N"), QStringLiteral("2")},
        {QStringLiteral("interval"), QStringLiteral("Seconds between polls (default 2)."), QStringLiteral("SECONDS"),
         QStringLiteral("2")},
    });
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("What to do (see above)."));
    app::processCommandLine(parser, app.arguments(), false);
    const QStringList args = parser.positionalArguments();
    if (args.isEmpty())
        parser.showHelp(2);
    if (args == QStringList{QStringLiteral("lag")})
        return lagCommand(parser);
    if (args == QStringList{QStringLiteral("health")})
        return healthCommand(parser);
    if (args == QStringList{QStringLiteral("deadletters")})
        return deadLettersCommand(parser);
    if (args.value(0) == QLatin1String("envelope") && args.value(1) == QLatin1String("detect")) {
        if (args.size() != 3)
            return app::fail(QStringLiteral("usage: idemctl envelope detect TOPIC"), 2);
        return envelopeDetect(parser, args[2]);
    }
    return app::fail(QStringLiteral("unknown command \"%1\"; try --help").arg(args.join(QLatin1Char(' '))), 2);
}
