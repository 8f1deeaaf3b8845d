#pragma once

// The console's HistorySource: one worker thread with the ops database
// session (LISTEN idem_alerts, checked every second, so another console's
// acknowledgement or the recorder's new alert shows within a second).

#include "models/alerts/historysource.h"

#include <QTimer>

#include <memory>

namespace idem::connectors {
class RequestWorker;
}

namespace idem::connectors::ops {

class HistoryService final : public models::HistorySource
{
    Q_OBJECT

public:
    explicit HistoryService(const QString &connection, QObject *parent = nullptr);
    ~HistoryService() override;

    void loadRecent(qint64 spanMs, const models::SeriesResolution &resolution) override;
    void readRange(const QStringList &series, qint64 fromMs, qint64 toMs, int buckets) override;
    void loadAlerts() override;
    void acknowledge(qint64 alert, const QString &comment) override;

private:
    struct Sessions;
    std::unique_ptr<RequestWorker> m_worker;
    std::shared_ptr<Sessions> m_sessions;
    QTimer m_listen;
    bool m_listening = false;
};

} // namespace idem::connectors::ops
