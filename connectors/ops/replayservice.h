#pragma once

// The console's ReplaySource: one worker thread with the signed-in person's
// ops session (LISTEN idem_replays, polled every 200 ms, so another
// console's change shows within a second), and a thread per execution (its
// own session holds the claim). Results come back as signals on the
// service's thread; the UI thread never waits on the database.

#include "models/config/config.h"
#include "models/replay/replaysource.h"

#include <QList>
#include <QPointer>

#include <atomic>
#include <memory>

class QThread;

namespace idem::connectors::ops {

class ReplayWorker;

class ReplayService final : public models::ReplaySource
{
    Q_OBJECT

public:
    // `people`: who the console may sign in as (the sandbox's demo people), empty otherwise.
    ReplayService(models::EnvironmentConfig env, QStringList people, QObject *parent = nullptr);
    ~ReplayService() override;

    QStringList people() const override { return m_people; }
    void signIn(const QString &user) override;
    void refresh() override;
    void loadDetails(qint64 id) override;
    void request(const QString &flow, const QString &reason, const QList<models::DeadLetterRef> &items,
                 const QString &targetTopic) override;
    void decide(qint64 id, bool approve, const QString &itemsHash, const QString &comment,
                bool overrideProcessed) override;
    void cancel(qint64 id) override;
    void run(qint64 id) override;

private:
    models::EnvironmentConfig m_env;
    QStringList m_people;
    QThread *m_thread = nullptr;
    ReplayWorker *m_worker = nullptr;
    QString m_user;
    // Executions still running stop (the next claim resumes them) when the console closes.
    std::shared_ptr<std::atomic_bool> m_stopRuns = std::make_shared<std::atomic_bool>(false);
    QList<QPointer<QThread>> m_runs;

    friend class ReplayWorker;
};

} // namespace idem::connectors::ops
