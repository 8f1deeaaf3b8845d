#include "connectors/reconcile/reconcileservice.h"

#include "connectors/common/progressforwarder.h"

#include <QPointer>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#ifdef __linux__
#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

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
            ProgressForwarder<ReconcileService> forward(self);
#ifdef __linux__
            // The run's threads (the store threads and librdkafka's, started
            // from this one, inherit it) yield the CPU to the console's UI
            // thread: on two cores they are many and it must never wait 50 ms.
            const pid_t tid = pid_t(syscall(SYS_gettid));
            errno = 0;
            const int nice = getpriority(PRIO_PROCESS, id_t(tid));
            const bool reniced = errno == 0 && setpriority(PRIO_PROCESS, id_t(tid), std::min(nice + 5, 19)) == 0;
#endif
            models::ReconcileReport report = runner->run(query, PollControl{control.deadline, stopFlag.get()},
                                                         [&](const QString &step, int percent) {
                forward([requestId = id->load(), step, percent](ReconcileService *service) {
                    if (service->m_current == requestId)
                        emit service->progress(requestId, step, percent);
                });
            });
#ifdef __GLIBC__
            // The run's hundreds of MB were freed into glibc's arenas, which
            // keep them (large blocks come from the arenas once one has been
            // freed): give them back, the console does not need them until the next run.
            malloc_trim(0);
#endif
#ifdef __linux__
            if (reniced)
                setpriority(PRIO_PROCESS, id_t(tid), nice);
#endif
            return report;
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
