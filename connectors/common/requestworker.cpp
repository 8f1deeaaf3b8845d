#include "connectors/common/requestworker.h"

#include "connectors/common/logging.h"

#include <QCoreApplication>
#include <QMutex>
#include <QThread>

#include <exception>

namespace idem::connectors {

namespace {
std::atomic_int s_detached{0};
}

// What the worker thread and the asking side share. Outlives the
// RequestWorker while work still runs: every queued job holds it.
struct RequestWorker::Shared
{
    QString name;
    QObject *executor = nullptr; // lives on `thread`, deleted when it finishes

    QMutex mutex;
    // Guarded by `mutex`: where answers go (null once the owner stopped), the
    // thread (null once deleted), and whether it was left to end on its own.
    RequestWorker *receiver = nullptr;
    QThread *thread = nullptr;
    bool detached = false;
};

RequestWorker::RequestWorker(const QString &name, QObject *parent)
    : QObject(parent)
    , m_name(name)
    , m_shared(std::make_shared<Shared>())
{
    m_shared->name = name;
    m_shared->receiver = this;
    auto *thread = new QThread;
    thread->setObjectName(name);
    m_shared->thread = thread;
    m_shared->executor = new QObject;
    m_shared->executor->moveToThread(thread);
    connect(thread, &QThread::finished, m_shared->executor, &QObject::deleteLater);
    if (QCoreApplication *app = QCoreApplication::instance()) {
        connect(thread, &QThread::finished, app, [shared = m_shared] { reap(shared); },
                Qt::QueuedConnection);
    }
    thread->start();
}

// Deletes a thread left running by finish(), once it has ended. Runs on the
// application's thread (a queued call from QThread::finished).
void RequestWorker::reap(const std::shared_ptr<Shared> &shared)
{
    QThread *thread = nullptr;
    {
        QMutexLocker lock(&shared->mutex);
        if (!shared->detached || !shared->thread)
            return;
        thread = shared->thread;
        shared->thread = nullptr;
    }
    thread->wait(); // it has emitted finished(); this returns at once
    --s_detached;
    logger("app")->info("worker {} ended after it was left to finish on its own",
                        shared->name.toStdString());
    thread->deleteLater();
}

RequestWorker::~RequestWorker()
{
    stop();
    finish(QDeadlineTimer(defaultShutdownWait));
}

quint64 RequestWorker::post(Run run, Fail fail, QDeadlineTimer deadline)
{
    if (m_stopped)
        return 0;
    const quint64 id = ++m_lastId;
    const quint64 generation = m_generation;
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    m_pending.insert(id, Pending{cancelled, generation});
    QMetaObject::invokeMethod(
        m_shared->executor,
        [shared = m_shared, id, generation, cancelled, run = std::move(run), fail = std::move(fail),
         deadline] {
            if (cancelled->load())
                return;
            Delivery deliver;
            QString error;
            try {
                deliver = run(PollControl{deadline, cancelled.get()});
            } catch (const std::exception &e) {
                error = QStringLiteral("%1: unexpected error on its worker thread: %2")
                            .arg(shared->name, QString::fromUtf8(e.what()));
            } catch (...) {
                error = QStringLiteral("%1: unexpected error on its worker thread").arg(shared->name);
            }
            QMutexLocker lock(&shared->mutex);
            RequestWorker *receiver = shared->receiver;
            if (!receiver)
                return; // its owner stopped: nobody is waiting for this
            // Posted while the owner cannot be deleted (it clears `receiver`
            // under the same lock first); a deleted owner drops the event.
            QMetaObject::invokeMethod(
                receiver,
                [receiver, id, generation, deliver = std::move(deliver), fail, error] {
                    receiver->arrive(id, generation, deliver, fail, error);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
    return id;
}

void RequestWorker::arrive(quint64 id, quint64 generation, const Delivery &deliver, const Fail &fail,
                           const QString &error)
{
    if (generation != m_generation)
        return; // asked before retire(): its source is gone
    if (!m_pending.remove(id))
        return; // cancelled
    if (deliver)
        deliver(id);
    else
        fail(id, error);
}

void RequestWorker::hand(std::shared_ptr<void> object)
{
    if (m_stopped || !object)
        return; // the executor may be gone: the caller keeps it
    // The functor, and the last reference with it, is destroyed on the worker
    // thread: after running, or with the executor if the thread quits first.
    QMetaObject::invokeMethod(m_shared->executor, [object = std::move(object)] {}, Qt::QueuedConnection);
}

bool RequestWorker::cancel(quint64 id)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return false;
    it->cancelled->store(true);
    m_pending.erase(it);
    return true;
}

void RequestWorker::cancelAll()
{
    for (const Pending &p : std::as_const(m_pending))
        p.cancelled->store(true);
    m_pending.clear();
}

quint64 RequestWorker::retire()
{
    cancelAll();
    return ++m_generation;
}

void RequestWorker::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    retire();
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->receiver = nullptr;
    }
    m_shared->thread->quit();
}

bool RequestWorker::finish(QDeadlineTimer deadline)
{
    stop();
    if (m_finished)
        return true;
    m_finished = true;
    QThread *thread = m_shared->thread; // only this side sets it until it is detached
    if (thread->wait(deadline)) {
        {
            QMutexLocker lock(&m_shared->mutex);
            m_shared->thread = nullptr;
        }
        delete thread;
        return true;
    }
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->detached = true;
        ++s_detached;
    }
    logger("app")->warn("worker {} is still busy with a request that has not stopped; it is left to "
                        "finish on its own",
                        m_name.toStdString());
    return false;
}

int RequestWorker::detachedCount()
{
    return s_detached.load();
}

} // namespace idem::connectors
