#include "connectors/reconcile/reconcileservice.h"

#include <QElapsedTimer>
#include <QPointer>

namespace idem::connectors::reconcile {

ReconcileService::ReconcileService(models::EnvironmentConfig environment, ReconcileOptions options, QObject *parent)
    : models::ReconcileSource(parent)
    , m_environment(environment)
    , m_runner(std::make_shared<ReconcileRunner>(std::move(environment), options))
    , m_worker(QStringLiteral("reconcile"))
{
    qRegisterMetaType<models::ReconcileReport>();
}

ReconcileService::~ReconcileService()
{
    if (m_stop)
        m_stop->store(true);
    m_worker.hand(m_runner); // its sessions close on the worker thread
    m_runner.reset();
}

QStringList ReconcileService::flows() const
{
    QStringList names;
    for (const auto &f : m_environment.flows)
        names << f.name;
    return names;
}

void ReconcileService::stop()
{
    if (m_stop)
        m_stop->store(true);
}

quint64 ReconcileService::reconcile(const models::ReconcileQuery &query)
{
    stop();
    auto stopFlag = std::make_shared<std::atomic_bool>(false);
    m_stop = stopFlag;
    std::shared_ptr<ReconcileRunner> runner = m_runner;
    QPointer<ReconcileService> self(this);
    auto id = std::make_shared<std::atomic<quint64>>(0);
    const quint64 request = m_worker.request<models::ReconcileReport>(
        [runner, query, stopFlag, self, id](const PollControl &control) {
            QElapsedTimer throttle;
            throttle.start();
            qint64 last = -1000;
            return runner->run(query, PollControl{control.deadline, stopFlag.get()}, [&](const QString &step, int percent) {
                if (throttle.elapsed() - last < 100)
                    return; // at most ten a second
                last = throttle.elapsed();
                const quint64 requestId = id->load();
                QObject *target = self.data(); // null once the service is gone
                if (!target)
                    return;
                QMetaObject::invokeMethod(
                    target,
                    [self, requestId, step, percent] {
                        if (self && self->m_current == requestId)
                            emit self->progress(requestId, step, percent);
                    },
                    Qt::QueuedConnection);
            });
        },
        [this, query](quint64 requestId, Result<models::ReconcileReport> reply) {
            models::ReconcileReport report;
            if (reply) {
                report = std::move(reply.value());
            } else {
                report.flow = query.flow;
                report.from = query.from;
                report.to = query.to;
                report.error = reply.error();
            }
            emit finished(requestId, report);
        });
    id->store(request);
    m_current = request;
    return request;
}

} // namespace idem::connectors::reconcile
