#include "connectors/ops/replayservice.h"

#include "connectors/common/logging.h"
#include "connectors/ops/replayexecutor.h"
#include "connectors/ops/replayplanning.h"
#include "connectors/ops/replaystore.h"
#include "connectors/postgres/pgsession.h"

#include <QPointer>
#include <QThread>
#include <QTimer>

namespace idem::connectors::ops {

using namespace std::chrono_literals;

// Lives on the service's thread; every method runs there.
class ReplayWorker final : public QObject
{
public:
    ReplayWorker(models::EnvironmentConfig env, ReplayService *service) : m_env(std::move(env)), m_service(service) {}

    void signIn(const QString &user)
    {
        m_store.reset();
        m_user = user;
        auto connection = connectionAsUser(m_env.ops ? m_env.ops->connection : QString(), user);
        if (!m_env.ops || !connection) {
            emitIdentity({}, m_env.ops ? connection.error() : QStringLiteral("the environment has no ops database"));
            return;
        }
        m_store = std::make_unique<ReplayStore>(*connection);
        auto who = m_store->identity(PollControl::within(10s));
        if (!who) {
            emitIdentity({}, who.error());
            m_store.reset();
            return;
        }
        (void)m_store->session().listen(QStringLiteral("idem_replays"), PollControl::within(10s));
        emitIdentity(*who, {});
        refresh();
        if (!m_listen) {
            m_listen = new QTimer(this);
            m_listen->setInterval(200);
            connect(m_listen, &QTimer::timeout, this, [this] { poll(); });
            m_listen->start();
        }
    }

    void refresh()
    {
        if (!m_store)
            return;
        auto list = m_store->list({}, PollControl::within(10s));
        if (!list)
            return;
        post([s = m_service, l = *list] { emit s->requestsChanged(l); });
        if (m_details > 0)
            loadDetails(m_details);
    }

    void loadDetails(qint64 id)
    {
        m_details = id;
        if (!m_store)
            return;
        auto shown = m_store->show(id, PollControl::within(10s));
        if (shown)
            post([s = m_service, d = *shown] { emit s->detailsReady(d); });
    }

    void request(const QString &flow, const QString &reason, const QList<models::DeadLetterRef> &items,
                 const QString &targetTopic)
    {
        if (!m_store)
            return done(QStringLiteral("request"), 0, false, false, QStringLiteral("not signed in"));
        QList<DeadLetterAddress> addresses;
        for (const auto &i : items)
            addresses.append({i.topic, i.partition, i.offset});
        auto made = requestReplay(m_env, *m_store, flow, addresses, {}, 0, reason, targetTopic, PollControl::within(60s));
        if (!made)
            return done(QStringLiteral("request"), 0, false, m_store->refused(), made.error());
        done(QStringLiteral("request"), made->id, true, false,
             QStringLiteral("replay request %1: %2 items, %3 to send, %4 already processed")
                 .arg(made->id)
                 .arg(made->items)
                 .arg(made->items - made->skip)
                 .arg(made->skip));
    }

    void decide(qint64 id, bool approve, const QString &hash, const QString &comment, bool overrideProcessed)
    {
        const QString action = approve ? QStringLiteral("approve") : QStringLiteral("reject");
        if (!m_store)
            return done(action, id, false, false, QStringLiteral("not signed in"));
        auto decided = decideReplay(m_env, *m_store, id, approve, hash, comment, overrideProcessed, PollControl::within(60s));
        if (!decided)
            return done(action, id, false, m_store->refused(), decided.error());
        done(action, id, true, false, QStringLiteral("replay request %1 %2").arg(id).arg(decided->status));
    }

    void cancel(qint64 id)
    {
        if (!m_store)
            return done(QStringLiteral("cancel"), id, false, false, QStringLiteral("not signed in"));
        auto cancelled = m_store->cancel(id, {}, PollControl::within(10s));
        done(QStringLiteral("cancel"), id, cancelled.ok(), m_store->refused(),
             cancelled ? QStringLiteral("replay request %1 cancelled").arg(id) : cancelled.error());
    }

    void run(qint64 id)
    {
        // Its own thread and session: the claim lives as long as that session.
        auto connection = connectionAsUser(m_env.ops ? m_env.ops->connection : QString(), m_user);
        if (!connection)
            return done(QStringLiteral("run"), id, false, false, connection.error());
        QPointer<ReplayService> service(m_service);
        QThread *thread = QThread::create([env = m_env, conn = *connection, id, service, stop = m_service->m_stopRuns] {
            ReplayStore store(conn);
            ReplayExecutor executor(env, store);
            auto report = executor.run(id, PollControl{QDeadlineTimer::Forever, stop.get()});
            const bool refused = store.refused();
            QMetaObject::invokeMethod(
                service.data(),
                [service, id, ok = report.ok(), refused,
                 text = report ? QStringLiteral("replay %1 %2%3")
                                     .arg(id)
                                     .arg(report->status,
                                          report->detail.isEmpty() ? QString() : QStringLiteral(": ") + report->detail)
                               : report.error()] {
                    if (service)
                        emit service->actionDone(QStringLiteral("run"), id, ok, refused, text);
                },
                Qt::QueuedConnection);
        });
        connect(thread, &QThread::finished, thread, &QObject::deleteLater);
        post([s = m_service, thread] { s->m_runs << thread; });
        thread->start();
    }

private:
    template<typename F>
    void post(F &&f)
    {
        QMetaObject::invokeMethod(m_service, std::forward<F>(f), Qt::QueuedConnection);
    }

    void emitIdentity(const models::OpsIdentity &who, const QString &error)
    {
        post([s = m_service, who, error] { emit s->identityChanged(who, error); });
    }

    void done(const QString &action, qint64 id, bool ok, bool refused, const QString &message)
    {
        post([s = m_service, action, id, ok, refused, message] { emit s->actionDone(action, id, ok, refused, message); });
        refresh();
    }

    void poll()
    {
        if (!m_store)
            return;
        auto got = m_store->session().waitForNotifications(PollControl::within(20ms));
        if (got && !got->isEmpty())
            refresh();
    }

    models::EnvironmentConfig m_env;
    ReplayService *m_service;
    std::unique_ptr<ReplayStore> m_store;
    QString m_user;
    qint64 m_details = 0;
    QTimer *m_listen = nullptr;
};

ReplayService::ReplayService(models::EnvironmentConfig env, QStringList people, QObject *parent)
    : models::ReplaySource(parent), m_env(std::move(env)), m_people(std::move(people))
{
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("replays"));
    m_worker = new ReplayWorker(m_env, this);
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

ReplayService::~ReplayService()
{
    m_stopRuns->store(true);
    m_thread->quit();
    m_thread->wait();
    for (const QPointer<QThread> &run : std::as_const(m_runs)) {
        if (run)
            run->wait();
    }
}

void ReplayService::signIn(const QString &user)
{
    m_user = user;
    QMetaObject::invokeMethod(m_worker, [w = m_worker, user] { w->signIn(user); }, Qt::QueuedConnection);
}

void ReplayService::refresh()
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker] { w->refresh(); }, Qt::QueuedConnection);
}

void ReplayService::loadDetails(qint64 id)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, id] { w->loadDetails(id); }, Qt::QueuedConnection);
}

void ReplayService::request(const QString &flow, const QString &reason, const QList<models::DeadLetterRef> &items,
                            const QString &targetTopic)
{
    QMetaObject::invokeMethod(m_worker, [=, w = m_worker] { w->request(flow, reason, items, targetTopic); },
                              Qt::QueuedConnection);
}

void ReplayService::decide(qint64 id, bool approve, const QString &itemsHash, const QString &comment,
                           bool overrideProcessed)
{
    QMetaObject::invokeMethod(
        m_worker, [=, w = m_worker] { w->decide(id, approve, itemsHash, comment, overrideProcessed); },
        Qt::QueuedConnection);
}

void ReplayService::cancel(qint64 id)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, id] { w->cancel(id); }, Qt::QueuedConnection);
}

void ReplayService::run(qint64 id)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, id] { w->run(id); }, Qt::QueuedConnection);
}

} // namespace idem::connectors::ops
