#pragma once

// Reconciles on a worker thread (RequestWorker): one reconcile at a time,
// progress forwarded to the thread the service lives in (at most ten a
// second), stop() ends the running one early. The runner (and its store
// sessions) lives on the worker thread and is reused by every run.

#include "connectors/common/requestworker.h"
#include "connectors/reconcile/reconcilerunner.h"
#include "models/config/config.h"
#include "models/reconcile/reconcilesource.h"

#include <atomic>
#include <memory>

namespace idem::connectors::reconcile {

class ReconcileService final : public models::ReconcileSource
{
    Q_OBJECT

public:
    explicit ReconcileService(models::EnvironmentConfig environment, ReconcileOptions options = {},
                              QObject *parent = nullptr);
    ~ReconcileService() override;

    quint64 reconcile(const models::ReconcileQuery &query) override;
    void stop() override;
    QStringList flows() const override;

private:
    models::EnvironmentConfig m_environment;
    std::shared_ptr<ReconcileRunner> m_runner; // used on the worker thread only
    RequestWorker m_worker;
    std::shared_ptr<std::atomic_bool> m_stop; // the running reconcile's
    quint64 m_current = 0;
};

} // namespace idem::connectors::reconcile
