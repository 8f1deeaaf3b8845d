#include "connectors/trace/tracerunner.h"

#include "connectors/ops/eventindex.h"
#include "connectors/postgres/pgsession.h"
#include "models/config/flowlookup.h"
#include "connectors/trace/replaytrace.h"
#include "connectors/trace/storetrace.h"
#include "models/trace/verdict.h"

#include <QElapsedTimer>

#include <map>
#include <optional>
#include <mutex>
#include <thread>

namespace idem::connectors::trace {

struct TraceRunner::Impl
{
    models::EnvironmentConfig environment;
    TraceRunnerOptions options;
    std::map<QString, std::unique_ptr<postgres::PgSession>> sessions; // by store; each used by one thread at a time
    std::unique_ptr<postgres::PgSession> ops; // replays, where there is an ops database
};

TraceRunner::TraceRunner(models::EnvironmentConfig environment, TraceRunnerOptions options)
    : d(std::make_unique<Impl>())
{
    d->environment = std::move(environment);
    d->options = options;
}

TraceRunner::~TraceRunner() = default;

models::TraceResult TraceRunner::run(const models::TraceQuery &query, const PollControl &control, const Progress &progress)
{
    models::TraceResult result;
    result.query = query;
    if (const QString bad = models::checkEventId(query.eventId); !bad.isEmpty()) {
        result.error = bad;
        return result;
    }
    QList<models::FlowConfig> flows;
    if (!query.flow.isEmpty()) {
        const models::FlowConfig *flow = d->environment.flow(query.flow);
        if (!flow) {
            result.error = models::unknownFlowError(d->environment, query.flow);
            return result;
        }
        flows.append(*flow);
    } else {
        flows = d->environment.flows;
    }
    if (flows.isEmpty()) {
        result.error = QStringLiteral("environment %1 has no flows to trace in").arg(d->environment.name);
        return result;
    }
    QMap<QString, QStringList> storeGroups; // store -> groups
    QMap<QString, QList<models::FlowConfig>> byCluster;
    for (const models::FlowConfig &f : std::as_const(flows)) {
        result.flows << f.name;
        result.sourceTopics += f.topics;
        byCluster[f.cluster].append(f);
        for (const models::ConsumerGroupConfig &g : f.groups) {
            result.groups.append({f.name, g.name, g.store});
            if (!g.store.isEmpty() && !storeGroups[g.store].contains(g.name))
                storeGroups[g.store].append(g.name);
        }
    }

    std::mutex mutex; // guards result.steps, result's lists while threads add to them
    QElapsedTimer clock;
    clock.start();
    QHash<QString, qint64> started;
    auto report = [&](const QString &step, models::TraceStep::State state, const QString &detail, int percent) {
        std::lock_guard lock(mutex);
        models::TraceStep *s = nullptr;
        for (auto &existing : result.steps) {
            if (existing.name == step)
                s = &existing;
        }
        if (!s) {
            result.steps.append({step, state, detail, 0});
            s = &result.steps.last();
            started.insert(step, clock.elapsed());
        }
        s->state = state;
        s->detail = detail;
        s->percent = state == models::TraceStep::State::Done ? 100 : percent;
        s->elapsedMs = clock.elapsed() - started.value(step);
        if (progress)
            progress(result.steps, result.messagesScanned);
    };
    for (auto it = storeGroups.cbegin(); it != storeGroups.cend(); ++it)
        report(QStringLiteral("store %1").arg(it.key()), models::TraceStep::State::Pending, {}, -1);
    for (auto it = byCluster.cbegin(); it != byCluster.cend(); ++it)
        report(QStringLiteral("offsets and groups on %1").arg(it.key()), models::TraceStep::State::Pending, {}, -1);

    const QString replaysStep = QStringLiteral("replays in the ops database");
    if (d->environment.ops)
        report(replaysStep, models::TraceStep::State::Pending, {}, -1);

    // Strategy 2: the event index, asked before the clusters are (one round
    // trip; the clusters read its locations directly and skip what it covers).
    std::optional<ops::IndexLookup> index;
    if (d->environment.ops) {
        if (!d->ops)
            d->ops = openOpsSession(d->environment.ops->connection);
        const QString indexStep = QStringLiteral("event index");
        report(indexStep, models::TraceStep::State::Running, {}, -1);
        QStringList topics;
        for (const models::FlowConfig &f : std::as_const(flows)) {
            topics += f.topics + f.retryTopics;
            if (!f.deadLetterTopic.isEmpty())
                topics << f.deadLetterTopic;
        }
        auto found = ops::lookUpEvent(*d->ops, query.eventId, topics, control.atMost(d->options.storeTimeout));
        if (found) {
            index = std::move(found.value());
            report(indexStep, models::TraceStep::State::Done,
                   QStringLiteral("%1 location(s); covers %2 partition(s)").arg(index->locations.size()).arg(index->coverage.size()),
                   -1);
        } else {
            report(indexStep, control.isCancelled() ? models::TraceStep::State::Cancelled : models::TraceStep::State::Failed,
                   found.error(), -1);
        }
    }

    std::vector<std::thread> threads;
    if (d->environment.ops) {
        threads.emplace_back([&, session = d->ops.get()] {
            report(replaysStep, models::TraceStep::State::Running, {}, -1);
            const auto found = traceReplays(*session, query.eventId, control.atMost(d->options.storeTimeout));
            {
                std::lock_guard lock(mutex);
                if (found) {
                    result.hops += found.value();
                } else {
                    models::TraceHop hop;
                    hop.kind = models::HopKind::CheckFailed;
                    hop.system = QStringLiteral("ops database");
                    hop.error = found.error();
                    hop.detail = QStringLiteral("could not check the ops database for replays: %1").arg(found.error());
                    result.hops.append(hop);
                }
            }
            report(replaysStep,
                   found ? models::TraceStep::State::Done
                         : (control.isCancelled() ? models::TraceStep::State::Cancelled : models::TraceStep::State::Failed),
                   found ? QStringLiteral("%1 replay hop(s)").arg(found->size()) : found.error(), -1);
        });
    }
    for (auto it = storeGroups.cbegin(); it != storeGroups.cend(); ++it) {
        const QString storeName = it.key();
        const QStringList groups = it.value();
        const models::StoreConfig *store = d->environment.store(storeName);
        auto &session = d->sessions[storeName];
        if (store && !session)
            session = openStoreSession(*store);
        postgres::PgSession *s = session.get();
        threads.emplace_back([&, storeName, groups, store, s] {
            const QString step = QStringLiteral("store %1").arg(storeName);
            StoreTrace found;
            if (!store) {
                found.record.store = storeName;
                found.record.error = QStringLiteral("no store named \"%1\" in the configuration").arg(storeName);
            } else {
                report(step, models::TraceStep::State::Running, {}, -1);
                found = traceStore(*s, *store, groups.first(), query.eventId, control.atMost(d->options.storeTimeout));
            }
            const models::TraceStep::State state = found.record.checked ? models::TraceStep::State::Done
                : control.isCancelled()                                 ? models::TraceStep::State::Cancelled
                                                                        : models::TraceStep::State::Failed;
            QString detail = found.record.checked
                ? (found.record.hasRow ? QStringLiteral("%1, attempts: %2").arg(found.record.status).arg(found.record.attempts)
                                       : QStringLiteral("no row"))
                : found.record.error;
            if (!found.duplicatesNote.isEmpty())
                detail += QStringLiteral("; ") + found.duplicatesNote;
            {
                std::lock_guard lock(mutex);
                for (const QString &g : groups) {
                    models::StoreRecord r = found.record;
                    r.group = g;
                    result.stores.append(r);
                }
                result.hops += found.hops;
                if (!found.record.checked) {
                    models::TraceHop hop;
                    hop.kind = models::HopKind::CheckFailed;
                    hop.system = storeName;
                    hop.error = found.record.error;
                    hop.detail = QStringLiteral("could not check store %1: %2").arg(storeName, found.record.error);
                    result.hops.append(hop);
                }
            }
            report(step, state, detail, -1);
        });
    }
    for (auto it = byCluster.cbegin(); it != byCluster.cend(); ++it) {
        const QString clusterName = it.key();
        const QList<models::FlowConfig> clusterFlows = it.value();
        threads.emplace_back([&, clusterName, clusterFlows] {
            const models::KafkaClusterConfig *cluster = d->environment.cluster(clusterName);
            TopicTrace found;
            if (!cluster) {
                found.error = QStringLiteral("no cluster named \"%1\" in the configuration").arg(clusterName);
                report(QStringLiteral("offsets and groups on %1").arg(clusterName), models::TraceStep::State::Failed,
                       found.error, -1);
            } else {
                found = traceTopics(*cluster, clusterFlows, query, d->options.topics,
                                    control.atMost(d->options.topicTimeout),
                                    [&](const QString &step, models::TraceStep::State state, const QString &detail,
                                        int percent) {
                                        report(step, state, detail, percent);
                                    },
                                    index ? &*index : nullptr);
            }
            std::lock_guard lock(mutex);
            result.hops += found.hops;
            result.scanned += found.scanned;
            result.notScanned += found.notScanned;
            result.messagesScanned += found.messagesScanned;
            if (!found.error.isEmpty()) {
                models::TraceHop hop;
                hop.kind = models::HopKind::CheckFailed;
                hop.system = clusterName;
                hop.error = found.error;
                hop.detail = QStringLiteral("could not check cluster %1: %2").arg(clusterName, found.error);
                result.hops.append(hop);
            }
        });
    }
    for (auto &t : threads)
        t.join();

    // Without --flow, the verdict speaks of the flows the event was found in.
    if (query.flow.isEmpty() && flows.size() > 1) {
        QStringList relevant;
        for (const models::FlowConfig &f : std::as_const(flows)) {
            QStringList topics = f.topics + f.retryTopics;
            topics << f.deadLetterTopic;
            bool hit = false;
            for (const models::TraceHop &h : std::as_const(result.hops))
                hit = hit || (h.onTopic() && topics.contains(h.topic));
            for (const models::StoreRecord &s : std::as_const(result.stores)) {
                for (const models::ConsumerGroupConfig &g : f.groups)
                    hit = hit || (s.hasRow && s.store == g.store);
            }
            if (hit)
                relevant << f.name;
        }
        if (!relevant.isEmpty()) {
            result.flows = relevant;
            QStringList stores;
            QList<models::TraceGroup> groups;
            for (const models::TraceGroup &g : std::as_const(result.groups)) {
                if (relevant.contains(g.flow)) {
                    groups << g;
                    stores << g.store;
                }
            }
            result.groups = groups;
            result.stores.removeIf([&](const models::StoreRecord &s) { return !stores.contains(s.store); });
            result.hops.removeIf([&](const models::TraceHop &h) {
                return h.kind == models::HopKind::CheckFailed && !h.topic.isEmpty() && !stores.contains(h.system);
            });
        }
    }
    models::sortHops(result.hops);
    result.verdict = models::traceVerdict(result);
    return result;
}

} // namespace idem::connectors::trace
