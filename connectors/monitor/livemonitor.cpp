#include "connectors/monitor/livemonitor.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/deadlettertail.h"
#include "connectors/kafka/lagpoller.h"
#include "connectors/postgres/storemetrics.h"
#include "connectors/postgres/storeprobe.h"

#include <QPointer>
#include <QThread>

#include <functional>

namespace idem::connectors {

namespace {

// Lives on its worker thread; runs `poll` now and then `interval` after each
// poll finished, so a slow poll never piles up behind itself.
class PollLoop final : public QObject
{
public:
    PollLoop(std::function<void()> poll, std::chrono::milliseconds interval)
        : m_poll(std::move(poll))
        , m_interval(interval)
    {}

    void start()
    {
        m_timer = new QTimer(this);
        m_timer->setSingleShot(true);
        connect(m_timer, &QTimer::timeout, this, &PollLoop::runOnce);
        runOnce();
    }

private:
    void runOnce()
    {
        m_poll();
        m_timer->start(m_interval);
    }

    std::function<void()> m_poll;
    std::chrono::milliseconds m_interval;
    QTimer *m_timer = nullptr;
};

} // namespace

models::ConnectionHealth unknownHealth(models::ConnectionHealth::Kind kind, const QString &name)
{
    models::ConnectionHealth h;
    h.kind = kind;
    h.name = name;
    return h;
}

struct LiveMonitor::Worker
{
    QThread thread;
    PollLoop *loop = nullptr;
    QList<models::ConnectionHealth> watched; // what it reports on, for the watchdog
    std::atomic<qint64> lastReportMs{0};
};

LiveMonitor::LiveMonitor(const models::EnvironmentConfig &environment, std::chrono::milliseconds interval,
                         QObject *parent)
    : QObject(parent)
    , m_interval(interval)
{
    qRegisterMetaType<models::LagSnapshot>();
    qRegisterMetaType<models::ConnectionHealth>();
    qRegisterMetaType<models::StoreFigures>();
    qRegisterMetaType<models::DeadLetterDigest>();
    QPointer<LiveMonitor> self(this);
    auto makeWorker = [&](const QString &name, std::function<void(Worker *)> body) {
        auto worker = std::make_unique<Worker>();
        worker->thread.setObjectName(name);
        Worker *w = worker.get();
        w->loop = new PollLoop([body, w] { body(w); }, interval);
        w->loop->moveToThread(&w->thread);
        connect(&w->thread, &QThread::finished, w->loop, &QObject::deleteLater);
        m_workers.push_back(std::move(worker));
        return w;
    };

    for (const auto &cluster : environment.clusters) {
        QList<models::FlowConfig> flows;
        for (const auto &flow : environment.flows) {
            if (flow.cluster == cluster.name)
                flows << flow;
        }
        auto reader = std::make_shared<kafka::LagReader>(cluster, flows);
        auto tail = std::make_shared<kafka::DeadLetterTail>(cluster, flows);
        for (const QString &problem : tail->problems())
            logger("kafka")->warn("{}", problem.toStdString());
        Worker *w = makeWorker(QStringLiteral("kafka:") + cluster.name, [this, reader, tail](Worker *w) {
            const models::LagSnapshot snapshot = reader->poll();
            w->lastReportMs = QDateTime::currentMSecsSinceEpoch();
            if (m_retired)
                return;
            emit lagSnapshot(snapshot);
            emit health(snapshot.health);
            const QList<models::DeadLetterDigest> digests = tail->poll(snapshot); // up to the tail's timeout
            if (m_retired)
                return;
            for (const models::DeadLetterDigest &digest : digests)
                emit deadLetters(digest);
            w->lastReportMs = QDateTime::currentMSecsSinceEpoch();
        });
        w->watched << unknownHealth(models::ConnectionHealth::Kind::Cluster, cluster.name);
    }
    if (!environment.stores.isEmpty() || environment.ops) {
        const auto stores = environment.stores;
        const auto ops = environment.ops;
        Worker *w = makeWorker(QStringLiteral("postgres"), [this, stores, ops](Worker *w) {
            for (const auto &store : stores) {
                const models::ConnectionHealth h = postgres::probeStore(store);
                if (m_retired)
                    return;
                emit health(h);
                w->lastReportMs = QDateTime::currentMSecsSinceEpoch();
                if (h.state != models::HealthState::Ok)
                    continue;
                // The consumer's own figures over the same five minutes as the broker's.
                if (auto figures = postgres::readStoreFigures(store, std::chrono::minutes(5)))
                    emit storeFigures(*figures);
                else
                    logger("postgres")->warn("{}", figures.error().toStdString());
            }
            if (ops) {
                const models::ConnectionHealth h = postgres::probeOpsDatabase(*ops);
                if (m_retired)
                    return;
                emit health(h);
                w->lastReportMs = QDateTime::currentMSecsSinceEpoch();
            }
        });
        for (const auto &store : stores)
            w->watched << unknownHealth(models::ConnectionHealth::Kind::Store, store.name);
        if (ops)
            w->watched << unknownHealth(models::ConnectionHealth::Kind::OpsDatabase, QStringLiteral("ops database"));
    }
    m_watchdog.setInterval(interval);
    connect(&m_watchdog, &QTimer::timeout, this, &LiveMonitor::watchdog);
}

LiveMonitor::~LiveMonitor()
{
    for (auto &w : m_workers)
        w->thread.quit();
    for (auto &w : m_workers) {
        // A poll in progress finishes within its own timeouts (about 6 s).
        if (!w->thread.wait(15000))
            logger("app")->warn("worker {} did not stop in time", w->thread.objectName().toStdString());
    }
}

void LiveMonitor::start()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto &w : m_workers) {
        w->lastReportMs = now;
        w->thread.start();
        QMetaObject::invokeMethod(w->loop, [loop = w->loop] { loop->start(); }, Qt::QueuedConnection);
    }
    m_watchdog.start();
}

void LiveMonitor::retire()
{
    m_retired = true;
    m_watchdog.stop();
    auto running = std::make_shared<int>(0);
    for (auto &w : m_workers) {
        if (!w->thread.isRunning())
            continue;
        ++*running;
        connect(&w->thread, &QThread::finished, this, [this, running] {
            if (--*running == 0)
                deleteLater();
        });
        w->thread.quit();
    }
    if (*running == 0)
        deleteLater();
}

void LiveMonitor::watchdog()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 limit = 3 * m_interval.count() + 6000;
    for (auto &w : m_workers) {
        const qint64 silent = now - w->lastReportMs;
        if (silent <= limit)
            continue;
        for (models::ConnectionHealth h : w->watched) {
            h.state = models::HealthState::Down;
            h.detail = tr("no answer for %1 s: the connection hangs").arg(silent / 1000);
            h.checkedAt = QDateTime::currentDateTimeUtc();
            emit health(h);
        }
    }
}

} // namespace idem::connectors
