#include "connectors/trace/traceservice.h"

#include "connectors/common/logging.h"
#include "connectors/common/progressforwarder.h"

#include <QPointer>

namespace idem::connectors::trace {

TraceService::TraceService(models::EnvironmentConfig environment, TraceRunnerOptions options, QObject *parent)
    : models::TraceSource(parent)
    , m_environment(environment)
    , m_runner(std::make_shared<TraceRunner>(std::move(environment), options))
    , m_worker(QStringLiteral("trace"))
{
    qRegisterMetaType<models::TraceResult>();
    qRegisterMetaType<QList<models::TraceStep>>();
}

TraceService::~TraceService()
{
    if (m_stop)
        m_stop->store(true);
    m_worker.hand(m_runner); // its sessions close on the worker thread
    m_runner.reset();
}

QStringList TraceService::flows() const
{
    QStringList names;
    for (const auto &f : m_environment.flows)
        names << f.name;
    return names;
}

void TraceService::stop()
{
    if (m_stop)
        m_stop->store(true);
}

quint64 TraceService::trace(const models::TraceQuery &query)
{
    stop();
    auto stopFlag = std::make_shared<std::atomic_bool>(false);
    m_stop = stopFlag;
    std::shared_ptr<TraceRunner> runner = m_runner;
    QPointer<TraceService> self(this);
    auto id = std::make_shared<std::atomic<quint64>>(0);
    // The work stops on its own flag (stop() still delivers the partial
    // result) or on the request's (the service going away: nothing delivered).
    const quint64 request = m_worker.request<models::TraceResult>(
        [runner, query, stopFlag, self, id](const PollControl &control) {
            ProgressForwarder<TraceService> forward(self);
            return runner->run(query, PollControl{control.deadline, stopFlag.get()},
                               [&](const QList<models::TraceStep> &steps, qint64 scanned) {
                                   forward([requestId = id->load(), steps, scanned](TraceService *service) {
                                       if (service->m_current == requestId)
                                           emit service->progress(requestId, steps, scanned);
                                   });
                               });
        },
        [this, query](quint64 requestId, Result<models::TraceResult> reply) {
            models::TraceResult result;
            if (reply)
                result = std::move(reply.value());
            else
                result.error = reply.error();
            result.query = query;
            logger("trace")->info("trace of event_id {}: {} ({} hops, {} messages scanned)",
                                  result.query.eventId.toStdString(),
                                  result.error.isEmpty() ? result.verdict.code.toStdString() : result.error.toStdString(),
                                  result.hops.size(), result.messagesScanned);
            emit finished(requestId, result);
        });
    id->store(request);
    m_current = request;
    logger("trace")->info("trace {} of event_id {} started", request, query.eventId.toStdString());
    return request;
}

} // namespace idem::connectors::trace
