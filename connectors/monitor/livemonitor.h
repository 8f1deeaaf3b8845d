#pragma once

// The console's live data, asked of RequestWorkers (one worker thread each):
// one per Kafka cluster polling lag and then reading the dead letters that
// arrived, one per store and one for the ops database, so a slow store never
// holds up the others. Each poll has one deadline (pollBudget()) shared by
// its steps, and its cancel flag; the next poll is asked one interval after
// the previous answer, so a slow poll never piles up behind itself. Answers
// arrive as value snapshots on the monitor's thread, which never blocks. A
// poll that does not answer within its budget plus an interval and 3 s is
// reported as Down by the monitor itself, so a hung client still shows.
//
// Shutdown is bounded: destroying the monitor cancels every poll and waits
// at most shutdownWait() for all workers together; a worker still blocked
// then is left to end on its own (RequestWorker::finish), never destroyed
// while it runs.

#include "models/config/config.h"
#include "models/envelope/deadletterdigest.h"
#include "models/health/connectionhealth.h"
#include "models/metrics/lagsnapshot.h"
#include "models/metrics/storefigures.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <memory>
#include <vector>

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
    // nothing is emitted after this call, polls in progress are cancelled and
    // left to end on their own, and the monitor deletes itself (deleteLater).
    void retire();

    // The deadline of one poll, all of its steps together: twice the
    // interval, at least 5 s and at most 30 s.
    static std::chrono::milliseconds pollBudget(std::chrono::milliseconds interval);
    // How long destroying the monitor may wait for its workers, all together.
    static constexpr std::chrono::milliseconds shutdownWait{1000};

signals:
    void lagSnapshot(const idem::models::LagSnapshot &snapshot);
    void health(const idem::models::ConnectionHealth &health);
    void storeFigures(const idem::models::StoreFigures &figures);
    // Each poll, the digest of every flow with a dead-letter topic.
    void deadLetters(const idem::models::DeadLetterDigest &digest);

private:
    struct Source;
    Source *addSource(const QString &name);
    void beginPoll(Source *source);
    void endPoll(Source *source);
    void watchdog();
    void shutdown(QDeadlineTimer deadline);

    std::vector<std::unique_ptr<Source>> m_sources;
    QTimer m_watchdog;
    std::chrono::milliseconds m_interval;
    bool m_retired = false;
    bool m_shutDown = false;
};

} // namespace idem::connectors
