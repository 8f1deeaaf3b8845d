#pragma once

// Progress from a worker thread to the thread of the QObject that asked for
// the work: at most ten deliveries a second, queued, dropped once the object
// is gone. One per run, used from the worker thread only.

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>

#include <utility>

namespace idem::connectors {

template<typename Target>
class ProgressForwarder final
{
public:
    explicit ProgressForwarder(QPointer<Target> target)
        : m_target(std::move(target))
    {
        m_throttle.start();
    }

    // Runs `deliver(target)` on the target's thread, unless a delivery was
    // made less than 100 ms ago or the target is gone.
    template<typename Deliver>
    void operator()(Deliver &&deliver)
    {
        if (m_throttle.elapsed() - m_last < 100)
            return;
        m_last = m_throttle.elapsed();
        Target *target = m_target.data();
        if (!target)
            return;
        QMetaObject::invokeMethod(
            target,
            [target = m_target, deliver = std::forward<Deliver>(deliver)] {
                if (target)
                    deliver(target.data());
            },
            Qt::QueuedConnection);
    }

private:
    QPointer<Target> m_target;
    QElapsedTimer m_throttle;
    qint64 m_last = -1000;
};

} // namespace idem::connectors
