#pragma once

// The console's live data: one worker thread per Kafka cluster polling lag
// and then reading the dead letters that arrived, one worker thread checking
// the stores and the ops database. Workers send value snapshots through
// queued signals; nothing here blocks the thread that owns the monitor. A
// poll that does not come back within three intervals is reported as Down by
// the monitor itself, so a hung client still shows.

#include "models/config/config.h"
#include "models/envelope/deadletterdigest.h"
#include "models/health/connectionhealth.h"
#include "models/metrics/lagsnapshot.h"
#include "models/metrics/storefigures.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <memory>
#include <vector>

class QThread;

namespace idem::connectors {

class LiveMonitor final : public QObject
{
    Q_OBJECT

public:
    LiveMonitor(const models::EnvironmentConfig &environment, std::chrono::milliseconds interval,
                QObject *parent = nullptr);
    ~LiveMonitor() override;

    void start();

    // Stops watching without waiting for a poll in progress (which may take
    // seconds on a slow cluster), for restarting on a changed configuration:
    // nothing is emitted after this call, and the monitor deletes itself
    // once all of its worker threads have finished.
    void retire();

signals:
    void lagSnapshot(const idem::models::LagSnapshot &snapshot);
    void health(const idem::models::ConnectionHealth &health);
    void storeFigures(const idem::models::StoreFigures &figures);
    // Each poll, the digest of every flow with a dead-letter topic.
    void deadLetters(const idem::models::DeadLetterDigest &digest);

private:
    void watchdog();

    struct Worker;
    std::vector<std::unique_ptr<Worker>> m_workers;
    QTimer m_watchdog;
    std::chrono::milliseconds m_interval;
    std::atomic_bool m_retired{false}; // read by the workers before they emit
};

} // namespace idem::connectors
