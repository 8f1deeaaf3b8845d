#pragma once

// One way to ask a worker thread for something that blocks (a Kafka poll, a
// store query, a topic sample) without the asking thread ever waiting.
//
// A RequestWorker lives on the thread that asks (usually the UI thread) and
// owns one QThread that runs its requests one after another. Each request:
// - gets an id (never 0) and its own cancel flag, handed to the work inside a
//   PollControl with the request's deadline, so every blocking loop of the
//   work can stop early (cancel() or the deadline);
// - belongs to the worker's current generation: retire() starts a new one,
//   and an answer of an older generation is dropped where it arrives, so a
//   source that was replaced never reports late;
// - answers exactly once, on the asking thread, unless cancelled or retired:
//   with the work's value, or with an error when the work threw (exceptions
//   are caught at the thread edge and never cross it).
//
// Shutdown is bounded: stop() cancels everything and asks the thread to
// quit; finish() waits at most until a deadline. A thread still running then
// (its work blocked in a call that does not look at the cancel flag) is left
// to end on its own: it is never destroyed while it runs (Qt aborts), its
// objects are owned by a shared state freed when it ends, and it is logged.
// The destructor does stop() and finish() with a short wait.
//
// Not thread-safe: call it from the thread it lives in. The work runs on the
// worker thread and must touch only what it owns or what is thread-safe.

#include "connectors/common/pollcontrol.h"
#include "models/core/result.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

namespace idem::connectors {

class RequestWorker final : public QObject
{
    Q_OBJECT

public:
    // How long the destructor waits for a running request to notice it was
    // cancelled before leaving its thread to end on its own.
    static constexpr std::chrono::milliseconds defaultShutdownWait{1000};

    explicit RequestWorker(const QString &name, QObject *parent = nullptr);
    ~RequestWorker() override;

    QString name() const { return m_name; }

    // Runs `work` on the worker thread, with a PollControl of `deadline` and
    // the request's cancel flag, and calls `onReply` here with its value or
    // error. Returns the request's id, or 0 once stop() was called (then
    // nothing runs and nothing is reported).
    template<typename T>
    quint64 request(std::function<T(const PollControl &)> work,
                    std::function<void(quint64 id, Result<T> reply)> onReply,
                    QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever))
    {
        auto reply = std::make_shared<std::function<void(quint64, Result<T>)>>(std::move(onReply));
        return post(
            [work = std::move(work), reply](const PollControl &control) -> Delivery {
                auto value = std::make_shared<T>(work(control));
                return [reply, value](quint64 id) { (*reply)(id, Result<T>(std::move(*value))); };
            },
            [reply](quint64 id, const QString &error) { (*reply)(id, Result<T>(makeError(error))); },
            deadline);
    }

    // The request's answer is not reported and its work stops at its next
    // check. Returns whether it was still pending.
    bool cancel(quint64 id);
    void cancelAll();

    // Starts a new generation: every request made so far is cancelled and its
    // answer, should it still come, is dropped on arrival. Returns the new
    // generation.
    quint64 retire();
    quint64 generation() const { return m_generation; }

    // Drops `object` on the worker thread, after the work already asked for:
    // for what its requests use by reference and whose destruction may block
    // (a client closing its connections). Call it before stop().
    void hand(std::shared_ptr<void> object);

    // Requests asked and not yet answered (nor cancelled).
    int pending() const { return int(m_pending.size()); }

    // No new requests; everything pending is cancelled and the thread is
    // asked to quit after the work in progress. Idempotent.
    void stop();
    // Waits for the thread until `deadline`. Returns true when it ended;
    // false when it still runs: it is then left to end on its own (logged).
    bool finish(QDeadlineTimer deadline);

    // Worker threads left running by finish() that have not ended yet, in
    // this process.
    static int detachedCount();

private:
    using Delivery = std::function<void(quint64 id)>;
    using Run = std::function<Delivery(const PollControl &)>;
    using Fail = std::function<void(quint64 id, const QString &error)>;

    quint64 post(Run run, Fail fail, QDeadlineTimer deadline);
    void arrive(quint64 id, quint64 generation, const Delivery &deliver, const Fail &fail,
                const QString &error);

    struct Shared;
    static void reap(const std::shared_ptr<Shared> &shared);
    struct Pending
    {
        std::shared_ptr<std::atomic_bool> cancelled;
        quint64 generation = 0;
    };

    QString m_name;
    std::shared_ptr<Shared> m_shared;
    QHash<quint64, Pending> m_pending;
    quint64 m_lastId = 0;
    quint64 m_generation = 1;
    bool m_stopped = false;
    bool m_finished = false;
};

} // namespace idem::connectors
