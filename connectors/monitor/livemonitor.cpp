#include "connectors/monitor/livemonitor.h"

#include "connectors/common/logging.h"
#include "connectors/common/requestworker.h"
#include "connectors/kafka/deadlettertail.h"
#include "connectors/kafka/lagpoller.h"
#include "connectors/postgres/storewatcher.h"

#include <QDateTime>

#include <algorithm>
#include <functional>
#include <optional>

namespace idem::connectors {

namespace {

using postgres::StoreWatcher;

models::ConnectionHealth unknownHealth(models::ConnectionHealth::Kind kind, const QString &name)
{
    models::ConnectionHealth h;
    h.kind = kind;
    h.name = name;
    return h;
}

models::ConnectionHealth failedHealth(models::ConnectionHealth h, const QString &error)
{
    h.state = models::HealthState::Down;
    h.detail = error;
    h.checkedAt = QDateTime::currentDateTimeUtc();
    return h;
}

} // namespace

// One watched connection (or cluster) and the worker that asks it.
struct LiveMonitor::Source
{
    std::unique_ptr<RequestWorker> worker;
    QTimer next;                              // the next poll, one interval after an answer
    std::function<void()> poll;               // asks the worker for one poll
    std::function<void()> cancel;             // interrupts a blocking call in progress (thread-safe)
    std::shared_ptr<void> clients;            // what the requests use; destroyed on the worker
    QList<models::ConnectionHealth> watched;  // what it reports on, for the watchdog
    QDeadlineTimer deadline;                  // of the poll in progress
    qint64 lastReportMs = 0;
};

std::chrono::milliseconds LiveMonitor::pollBudget(std::chrono::milliseconds interval)
{
    using namespace std::chrono_literals;
    return std::clamp<std::chrono::milliseconds>(2 * interval, 5s, 30s);
}

LiveMonitor::Source *LiveMonitor::addSource(const QString &name)
{
    auto source = std::make_unique<Source>();
    source->worker = std::make_unique<RequestWorker>(name);
    source->next.setSingleShot(true);
    Source *s = source.get();
    connect(&s->next, &QTimer::timeout, this, [s] {
        if (s->poll)
            s->poll();
    });
    m_sources.push_back(std::move(source));
    return s;
}

void LiveMonitor::beginPoll(Source *source)
{
    source->deadline = QDeadlineTimer(pollBudget(m_interval));
}

void LiveMonitor::endPoll(Source *source)
{
    source->lastReportMs = QDateTime::currentMSecsSinceEpoch();
    if (!m_retired && !m_shutDown)
        source->next.start(m_interval);
}

LiveMonitor::LiveMonitor(const models::EnvironmentConfig &environment, std::chrono::milliseconds interval,
                         QObject *parent)
    : QObject(parent)
    , m_interval(interval)
{
    qRegisterMetaType<models::LagSnapshot>();
    qRegisterMetaType<models::ConnectionHealth>();
    qRegisterMetaType<models::StoreFigures>();
    qRegisterMetaType<models::DeadLetterDigest>();

    for (const auto &cluster : environment.clusters) {
        QList<models::FlowConfig> flows;
        for (const auto &flow : environment.flows) {
            if (flow.cluster == cluster.name)
                flows << flow;
        }
        struct Clients
        {
            Clients(const models::KafkaClusterConfig &cluster, const QList<models::FlowConfig> &flows)
                : reader(cluster, flows)
                , tail(cluster, flows)
            {}
            kafka::LagReader reader;
            kafka::DeadLetterTail tail;
        };
        auto clients = std::make_shared<Clients>(cluster, flows);
        for (const QString &problem : clients->tail.problems())
            logger("kafka")->warn("{}", problem.toStdString());
        Source *s = addSource(QStringLiteral("kafka:") + cluster.name);
        s->watched << unknownHealth(models::ConnectionHealth::Kind::Cluster, cluster.name);
        s->clients = clients;
        // The requests use the clients by pointer: they run on the worker
        // before the clients are handed to it for destruction.
        Clients *c = clients.get();
        const models::ConnectionHealth unknown = s->watched.first();
        s->poll = [this, s, c, unknown] {
            beginPoll(s);
            const QDeadlineTimer deadline = s->deadline;
            s->worker->request<models::LagSnapshot>(
                [c](const PollControl &control) { return c->reader.poll(control); },
                [this, s, c, unknown, deadline](quint64, Result<models::LagSnapshot> snapshot) {
                    if (!snapshot) {
                        emit health(failedHealth(unknown, snapshot.error()));
                        endPoll(s);
                        return;
                    }
                    emit lagSnapshot(snapshot.value());
                    emit health(snapshot->health);
                    s->lastReportMs = QDateTime::currentMSecsSinceEpoch();
                    // The dead letters that arrived, within what is left of the poll's deadline.
                    s->worker->request<QList<models::DeadLetterDigest>>(
                        [c, read = snapshot.value()](const PollControl &control) {
                            return c->tail.poll(read, control);
                        },
                        [this, s](quint64, Result<QList<models::DeadLetterDigest>> digests) {
                            if (digests) {
                                for (const models::DeadLetterDigest &digest : digests.value())
                                    emit deadLetters(digest);
                            } else {
                                logger("kafka")->warn("{}", digests.error().toStdString());
                            }
                            endPoll(s);
                        },
                        deadline);
                },
                deadline);
        };
    }

    // One worker per store and one for the ops database: a store that hangs
    // holds up only itself.
    auto watchDatabase = [this](const QString &workerName, models::ConnectionHealth unknown,
                                std::shared_ptr<StoreWatcher> watcher) {
        Source *s = addSource(workerName);
        s->watched << unknown;
        s->clients = watcher;
        StoreWatcher *w = watcher.get();
        s->cancel = [w] { w->cancel(); };
        s->poll = [this, s, w, unknown] {
            beginPoll(s);
            s->worker->request<StoreWatcher::Reading>(
                // The consumer's own figures over the same five minutes as the broker's.
                [w](const PollControl &control) { return w->poll(control, std::chrono::minutes(5)); },
                [this, s, unknown](quint64, Result<StoreWatcher::Reading> reading) {
                    if (!reading) {
                        emit health(failedHealth(unknown, reading.error()));
                    } else {
                        emit health(reading->health);
                        if (reading->figures)
                            emit storeFigures(*reading->figures);
                    }
                    endPoll(s);
                },
                s->deadline);
        };
    };
    for (const auto &store : environment.stores) {
        watchDatabase(QStringLiteral("store:") + store.name,
                      unknownHealth(models::ConnectionHealth::Kind::Store, store.name),
                      std::make_shared<StoreWatcher>(store));
    }
    if (environment.ops) {
        watchDatabase(QStringLiteral("ops-database"),
                      unknownHealth(models::ConnectionHealth::Kind::OpsDatabase, QStringLiteral("ops database")),
                      std::make_shared<StoreWatcher>(*environment.ops));
    }
    m_watchdog.setInterval(interval);
    connect(&m_watchdog, &QTimer::timeout, this, &LiveMonitor::watchdog);
}

LiveMonitor::~LiveMonitor()
{
    shutdown(QDeadlineTimer(m_retired ? std::chrono::milliseconds(0) : shutdownWait));
}

void LiveMonitor::shutdown(QDeadlineTimer deadline)
{
    if (m_shutDown)
        return;
    m_shutDown = true;
    m_watchdog.stop();
    for (auto &s : m_sources) {
        s->next.stop();
        s->poll = nullptr;
        if (s->cancel)
            s->cancel(); // a query in progress is cancelled on the server
        s->cancel = nullptr;
        // Closing a client may block on a slow peer: that happens on the worker.
        s->worker->hand(std::move(s->clients));
        s->worker->stop();
    }
    // One wait for all of them together.
    for (auto &s : m_sources)
        s->worker->finish(deadline);
}

void LiveMonitor::start()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto &s : m_sources) {
        s->lastReportMs = now;
        if (s->poll)
            s->poll();
    }
    m_watchdog.start();
}

void LiveMonitor::retire()
{
    m_retired = true;
    // Nothing is reported after this: the workers drop every answer, the
    // polls in progress are cancelled, and a worker still blocked ends on
    // its own without anyone waiting for it.
    shutdown(QDeadlineTimer(0));
    deleteLater();
}

void LiveMonitor::watchdog()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 limit = pollBudget(m_interval).count() + m_interval.count() + 3000;
    for (auto &s : m_sources) {
        const qint64 silent = now - s->lastReportMs;
        if (silent <= limit)
            continue;
        for (models::ConnectionHealth h : s->watched) {
            h.state = models::HealthState::Down;
            h.detail = tr("no answer for %1 s: the connection hangs").arg(silent / 1000);
            h.checkedAt = QDateTime::currentDateTimeUtc();
            emit health(h);
        }
    }
}

} // namespace idem::connectors
