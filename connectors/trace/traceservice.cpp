#include "connectors/trace/traceservice.h"

#include "connectors/common/logging.h"
#include "connectors/ops/eventindex.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/trace/replaytrace.h"
#include "connectors/common/progressforwarder.h"

#include <QPointer>

#include <thread>

namespace idem::connectors::trace {

// The console's share of feeding the event index: a thread contending for
// the lease and tailing while it holds it, and the summary line read every
// few seconds (without asking the clusters).
struct TraceService::IndexFeeder
{
    std::atomic_bool stop{false};
    std::thread thread;

    IndexFeeder(const models::EnvironmentConfig &environment, QPointer<TraceService> service)
    {
        thread = std::thread([this, environment, service] {
            ops::EventIndexTailer tailer(environment,
                                         ops::defaultLeaseHolderName(QStringLiteral("idem console")));
            auto session = openOpsSession(environment.ops->connection);
            QElapsedTimer sinceSummary;
            QString last;
            tailer.run(stop, [&](const ops::TailPass &) {
                if (sinceSummary.isValid() && !sinceSummary.hasExpired(5000))
                    return;
                sinceSummary.start();
                auto status = ops::readIndexStatus(environment, *session,
                                                   PollControl::within(std::chrono::seconds(5), &stop), false);
                const QString text = status ? status->summary()
                                            : QStringLiteral("Event index: could not be read (%1)").arg(status.error());
                if (text == last)
                    return;
                last = text;
                QMetaObject::invokeMethod(
                    service.data(),
                    [service, text] {
                        if (service)
                            emit service->indexSummaryChanged(text);
                    },
                    Qt::QueuedConnection);
            });
        });
    }
    ~IndexFeeder()
    {
        stop.store(true);
        thread.join();
    }
};

TraceService::TraceService(models::EnvironmentConfig environment, TraceRunnerOptions options, QObject *parent,
                           bool feedIndex)
    : models::TraceSource(parent)
    , m_environment(environment)
    , m_runner(std::make_shared<TraceRunner>(std::move(environment), options))
    , m_worker(QStringLiteral("trace"))
{
    qRegisterMetaType<models::TraceResult>();
    qRegisterMetaType<QList<models::TraceStep>>();
    if (feedIndex && m_environment.ops && !m_environment.flows.isEmpty())
        m_feeder = std::make_unique<IndexFeeder>(m_environment, QPointer<TraceService>(this));
}

TraceService::~TraceService()
{
    m_feeder.reset();
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
