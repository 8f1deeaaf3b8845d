#pragma once

// The console's DeadLetterSource: Kafka reads (layouts, pages of rows,
// single records) on one worker thread, filter runs over the whole topic on
// a second (so pages keep loading while a run goes on), and store lookups on
// a third (so a slow store never holds up rows). Answers arrive as the
// source's signals on the thread that asked; nothing here ever waits.

#include "models/config/config.h"
#include "models/deadletters/deadlettersource.h"

#include <QHash>

#include <chrono>
#include <memory>

namespace idem::connectors {
class RequestWorker;
}

namespace idem::connectors::deadletters {

class DeadLetterService final : public models::DeadLetterSource
{
    Q_OBJECT

public:
    struct Timeouts
    {
        std::chrono::milliseconds page{15000};
        std::chrono::milliseconds record{15000};
        std::chrono::milliseconds stores{5000};
    };

    explicit DeadLetterService(models::EnvironmentConfig env, QObject *parent = nullptr);
    DeadLetterService(models::EnvironmentConfig env, Timeouts timeouts, QObject *parent = nullptr);
    ~DeadLetterService() override;

    QStringList flows() const override;
    quint64 requestLayout(const QString &flow) override;
    quint64 requestRows(const QString &flow, const QList<models::DeadLetterRef> &refs) override;
    quint64 requestProcessed(const QString &flow, const QHash<QString, QString> &events) override;
    quint64 requestRecord(const QString &flow, const models::DeadLetterRef &ref) override;
    quint64 requestScan(const QString &flow, const models::DeadLetterFilter &filter) override;
    void cancel(quint64 ticket) override;

private:
    struct State;
    std::shared_ptr<State> m_kafkaState; // touched on the Kafka worker only
    std::shared_ptr<State> m_scanState; // on the scan worker only
    std::shared_ptr<State> m_storeState; // on the store worker only
    models::EnvironmentConfig m_env;
    Timeouts m_timeouts;
    RequestWorker *m_kafka = nullptr;
    RequestWorker *m_scan = nullptr;
    RequestWorker *m_stores = nullptr;
    quint64 m_lastTicket = 0;
    QHash<quint64, std::pair<RequestWorker *, quint64>> m_requests; // ticket -> worker, request
};

} // namespace idem::connectors::deadletters
