#include "connectors/common/keychain.h"

#include "connectors/common/secrets.h"

#include <qt6keychain/keychain.h>

#include <QCoreApplication>
#include <QEventLoop>
#include <QHash>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace idem::connectors {

namespace {

std::atomic_bool g_mainThreadWait{false};

struct Cache
{
    std::mutex mutex;
    QHash<QString, QString> values;
};

Cache &cache()
{
    static Cache c;
    return c;
}

void remember(const QString &name, const QString &value)
{
    registerSecret(value);
    std::lock_guard lock(cache().mutex);
    cache().values.insert(name, value);
}

// A person's words for a failed job; names the other ways where the keychain cannot help.
QString describe(QKeychain::Error error, const QString &name, const QString &reason)
{
    switch (error) {
    case QKeychain::EntryNotFound:
        return QStringLiteral("no secret %1 in the keychain (service %2); store it from the connections "
                              "dialog")
            .arg(name, keychainService());
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return QStringLiteral("the keychain refused access (%1); unlock it and try again").arg(reason);
    default:
        return QStringLiteral("no keychain service answers (%1); use a ${NAME} environment reference or "
                              "libpq's .pgpass or service file instead")
            .arg(reason);
    }
}

struct Wait
{
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    std::optional<QString> value;
    QString why;
};

// Starts the read on the calling thread, which must be the main thread.
void startRead(const QString &name, const std::shared_ptr<Wait> &wait)
{
    auto *job = new QKeychain::ReadPasswordJob(keychainService());
    job->setAutoDelete(true);
    job->setKey(name);
    QObject::connect(job, &QKeychain::Job::finished, job, [wait, name](QKeychain::Job *j) {
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(j);
        std::lock_guard lock(wait->mutex);
        if (read->error() == QKeychain::NoError) {
            wait->value = read->textData();
            remember(name, *wait->value);
        } else {
            wait->why = describe(read->error(), name, read->errorString());
        }
        wait->done = true;
        wait->cv.notify_all();
    });
    job->start();
}

bool onMainThread()
{
    return QThread::currentThread() == QCoreApplication::instance()->thread();
}

bool isDone(Wait &wait)
{
    std::lock_guard lock(wait.mutex);
    return wait.done;
}

} // namespace

QString keychainService()
{
    return QStringLiteral("idem");
}

void allowKeychainWaitOnMainThread()
{
    g_mainThreadWait = true;
}

void clearKeychainCache()
{
    std::lock_guard lock(cache().mutex);
    cache().values.clear();
}

std::optional<QString> readKeychainSecret(const QString &name, QString *why,
                                          std::chrono::milliseconds timeout)
{
    {
        std::lock_guard lock(cache().mutex);
        if (const auto it = cache().values.constFind(name); it != cache().values.cend())
            return *it;
    }
    if (!QCoreApplication::instance()) {
        *why = QStringLiteral("the keychain is read only inside Idem's applications");
        return std::nullopt;
    }
    auto wait = std::make_shared<Wait>();
    if (onMainThread()) {
        if (!g_mainThreadWait) {
            // The console expands secrets on its workers; its UI thread never waits for the keychain.
            *why = QStringLiteral("the keychain is not read on the user interface thread");
            return std::nullopt;
        }
        // A command-line tool: a nested loop until the job answers or the time is up.
        QEventLoop loop;
        QTimer limit;
        limit.setSingleShot(true);
        QObject::connect(&limit, &QTimer::timeout, &loop, &QEventLoop::quit);
        QTimer check; // the job's answer sets `done`; look at it between events
        QObject::connect(&check, &QTimer::timeout, &loop, [&] {
            if (isDone(*wait))
                loop.quit();
        });
        limit.start(timeout);
        check.start(10);
        startRead(name, wait);
        if (!isDone(*wait))
            loop.exec();
    } else {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(), [name, wait] { startRead(name, wait); }, Qt::QueuedConnection);
        std::unique_lock lock(wait->mutex);
        wait->cv.wait_for(lock, timeout, [&] { return wait->done; });
    }
    std::lock_guard lock(wait->mutex);
    if (!wait->done) {
        *why = QStringLiteral("the keychain did not answer within %1 s; unlock it and try again")
                   .arg(timeout.count() / 1000);
        return std::nullopt;
    }
    if (!wait->value)
        *why = wait->why;
    return wait->value;
}

void checkKeychain(QObject *context, std::function<void(bool, const QString &)> done)
{
    auto *job = new QKeychain::ReadPasswordJob(keychainService());
    job->setAutoDelete(true);
    job->setKey(QStringLiteral("idem-keychain-check"));
    QPointer<QObject> guard(context);
    QObject::connect(job, &QKeychain::Job::finished, job, [guard, done = std::move(done)](QKeychain::Job *j) {
        if (!guard)
            return;
        const bool available = j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound;
        done(available, available ? QString() : j->errorString());
    });
    job->start();
}

void storeKeychainSecret(const QString &name, const QString &value, QObject *context,
                         std::function<void(const QString &)> done)
{
    registerSecret(value);
    auto *job = new QKeychain::WritePasswordJob(keychainService());
    job->setAutoDelete(true);
    job->setKey(name);
    job->setTextData(value);
    QPointer<QObject> guard(context);
    QObject::connect(job, &QKeychain::Job::finished, job,
                     [guard, name, value, done = std::move(done)](QKeychain::Job *j) {
                         if (j->error() == QKeychain::NoError)
                             remember(name, value);
                         if (!guard)
                             return;
                         done(j->error() == QKeychain::NoError ? QString()
                                                               : describe(j->error(), name, j->errorString()));
                     });
    job->start();
}

} // namespace idem::connectors
