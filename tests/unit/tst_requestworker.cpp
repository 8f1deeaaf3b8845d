// Proves the request/reply pattern every worker uses: answers arrive on the
// asking thread with their id; cancel stops the work at its next check and
// suppresses the answer; an answer produced after retire() is dropped; an
// exception becomes an error reply; the deadline reaches the work; and
// destroying a worker whose request blocks returns within its bounded wait,
// the thread ending on its own later.

#include "connectors/common/requestworker.h"

#include <QElapsedTimer>
#include <QThread>
#include <QtTest>

#include <stdexcept>

using namespace idem;
using connectors::PollControl;
using connectors::RequestWorker;

namespace {

// Blocks until `gate` opens, ignoring the cancel flag (a call that cannot be
// interrupted), with a bound so a failing test cannot hang.
void blockUntil(const std::atomic_bool &gate)
{
    QDeadlineTimer bound(std::chrono::seconds(30));
    while (!gate.load() && !bound.hasExpired())
        QThread::msleep(5);
}

} // namespace

class TestRequestWorker : public QObject
{
    Q_OBJECT

private slots:
    void answersOnTheAskingThreadWithItsId()
    {
        RequestWorker worker(QStringLiteral("test"));
        QThread *asking = QThread::currentThread();
        std::atomic<QThread *> ranOn{nullptr};
        quint64 answeredId = 0;
        int value = 0;
        QThread *answeredOn = nullptr;
        const quint64 id = worker.request<int>(
            [&](const PollControl &) {
                ranOn = QThread::currentThread();
                return 42;
            },
            [&](quint64 replyId, Result<int> reply) {
                answeredId = replyId;
                value = reply.ok() ? reply.value() : -1;
                answeredOn = QThread::currentThread();
            });
        QVERIFY(id != 0);
        QCOMPARE(worker.pending(), 1);
        QTRY_COMPARE(answeredId, id);
        QCOMPARE(value, 42);
        QCOMPARE(answeredOn, asking);
        QVERIFY(ranOn.load() != asking);
        QCOMPARE(worker.pending(), 0);
        // Ids are distinct.
        const quint64 second = worker.request<int>([](const PollControl &) { return 1; },
                                                   [](quint64, Result<int>) {});
        QVERIFY(second != id && second != 0);
    }

    void cancelStopsTheWorkAndSuppressesTheAnswer()
    {
        RequestWorker worker(QStringLiteral("test"));
        std::atomic_bool started{false};
        std::atomic_bool sawCancel{false};
        bool answered = false;
        const quint64 id = worker.request<int>(
            [&](const PollControl &control) {
                started = true;
                QDeadlineTimer bound(std::chrono::seconds(30));
                while (!control.isCancelled() && !bound.hasExpired())
                    QThread::msleep(5);
                sawCancel = control.isCancelled();
                return 1;
            },
            [&](quint64, Result<int>) { answered = true; });
        QTRY_VERIFY(started.load());
        QVERIFY(worker.cancel(id));
        QVERIFY(!worker.cancel(id)); // once
        QTRY_VERIFY(sawCancel.load());
        // A later request answers, so the cancelled one's answer (posted
        // before it) has been processed by then: it was dropped.
        bool laterAnswered = false;
        worker.request<int>([](const PollControl &) { return 2; },
                            [&](quint64, Result<int>) { laterAnswered = true; });
        QTRY_VERIFY(laterAnswered);
        QVERIFY(!answered);
    }

    void answerAfterRetireIsDropped()
    {
        RequestWorker worker(QStringLiteral("test"));
        std::atomic_bool started{false};
        std::atomic_bool gate{false};
        std::atomic_bool produced{false};
        bool oldAnswered = false;
        const quint64 before = worker.generation();
        worker.request<int>(
            [&](const PollControl &) {
                started = true;
                blockUntil(gate); // ignores the cancel flag, like a blocking call
                produced = true;
                return 1;
            },
            [&](quint64, Result<int>) { oldAnswered = true; });
        QTRY_VERIFY(started.load());
        QCOMPARE(worker.retire(), before + 1);
        QCOMPARE(worker.pending(), 0);
        bool newAnswered = false;
        worker.request<int>([](const PollControl &) { return 2; },
                            [&](quint64, Result<int> r) { newAnswered = r.ok() && r.value() == 2; });
        gate = true;
        QTRY_VERIFY(newAnswered);
        QVERIFY(produced.load());
        QVERIFY(!oldAnswered);
    }

    void exceptionBecomesAnErrorReply()
    {
        RequestWorker worker(QStringLiteral("probe"));
        QString error;
        bool answered = false;
        worker.request<int>([](const PollControl &) -> int { throw std::runtime_error("disk on fire"); },
                            [&](quint64, Result<int> reply) {
                                answered = true;
                                error = reply.error();
                            });
        QTRY_VERIFY(answered);
        QVERIFY2(error.contains(QStringLiteral("disk on fire")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("probe")), qPrintable(error));
        // A non-standard exception too, and the worker keeps working.
        answered = false;
        worker.request<int>([](const PollControl &) -> int { throw 7; },
                            [&](quint64, Result<int> reply) { answered = !reply.ok(); });
        QTRY_VERIFY(answered);
        int value = 0;
        worker.request<int>([](const PollControl &) { return 5; },
                            [&](quint64, Result<int> reply) { value = reply.ok() ? reply.value() : -1; });
        QTRY_COMPARE(value, 5);
    }

    void deadlineReachesTheWork()
    {
        RequestWorker worker(QStringLiteral("test"));
        bool expired = false;
        bool answered = false;
        QElapsedTimer clock;
        clock.start();
        worker.request<bool>(
            [](const PollControl &control) {
                QDeadlineTimer bound(std::chrono::seconds(30));
                while (!control.shouldStop() && !bound.hasExpired())
                    QThread::msleep(control.slice().count());
                return control.expired();
            },
            [&](quint64, Result<bool> reply) {
                answered = true;
                expired = reply.ok() && reply.value();
            },
            QDeadlineTimer(std::chrono::milliseconds(200)));
        QTRY_VERIFY(answered);
        QVERIFY(expired);
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    }

    void cooperativeWorkStopsWithinTheWait()
    {
        std::atomic_bool started{false};
        QElapsedTimer clock;
        {
            RequestWorker worker(QStringLiteral("test"));
            worker.request<int>(
                [&](const PollControl &control) {
                    started = true;
                    while (!control.isCancelled())
                        QThread::msleep(control.slice(std::chrono::milliseconds(20)).count());
                    return 0;
                },
                [](quint64, Result<int>) {});
            QTRY_VERIFY(started.load());
            clock.start();
        }
        QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(RequestWorker::detachedCount(), 0);
    }

    void destructionIsBoundedWhileARequestBlocks()
    {
        auto gate = std::make_shared<std::atomic_bool>(false);
        auto started = std::make_shared<std::atomic_bool>(false);
        auto finished = std::make_shared<std::atomic_bool>(false);
        bool answered = false;
        QElapsedTimer clock;
        {
            RequestWorker worker(QStringLiteral("stuck"));
            worker.request<int>(
                [gate, started, finished](const PollControl &) {
                    *started = true;
                    blockUntil(*gate);
                    *finished = true;
                    return 1;
                },
                [&](quint64, Result<int>) { answered = true; });
            QTRY_VERIFY(started->load());
            clock.start();
        }
        const qint64 took = clock.elapsed();
        qInfo("destroying a worker blocked in a call took %lld ms (bound %lld ms)", took,
              qint64(RequestWorker::defaultShutdownWait.count()));
        QVERIFY2(took < RequestWorker::defaultShutdownWait.count() + 500, qPrintable(QString::number(took)));
        QCOMPARE(RequestWorker::detachedCount(), 1);
        QVERIFY(!finished->load());
        *gate = true;
        // The thread ends on its own and is reaped; its answer goes nowhere.
        QTRY_COMPARE(RequestWorker::detachedCount(), 0);
        QVERIFY(finished->load());
        QVERIFY(!answered);
    }

    void noRequestsAfterStop()
    {
        RequestWorker worker(QStringLiteral("test"));
        worker.stop();
        bool ran = false;
        QCOMPARE(worker.request<int>(
                     [&](const PollControl &) {
                         ran = true;
                         return 1;
                     },
                     [](quint64, Result<int>) {}),
                 quint64(0));
        QVERIFY(worker.finish(QDeadlineTimer(std::chrono::seconds(5))));
        QVERIFY(!ran);
    }
};

QTEST_GUILESS_MAIN(TestRequestWorker)
#include "tst_requestworker.moc"
