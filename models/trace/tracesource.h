#pragma once

// What the Trace page needs: something that traces an event_id on worker
// threads and reports as it goes. connectors/trace/traceservice.h implements
// it; tests use fakes. The page never waits: trace() returns at once, then
// progress() arrives while the lookup runs and finished() exactly once
// (also after stop(): then with the ranges read so far and the rest marked
// cancelled).

#include "models/trace/trace.h"

#include <QObject>

namespace idem::models {

class TraceSource : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Starts a trace, stopping the one running. Returns its id, never 0.
    virtual quint64 trace(const TraceQuery &query) = 0;
    // Asks the running trace to stop: it finishes with what it has.
    virtual void stop() = 0;
    // The flows a trace can be limited to.
    virtual QStringList flows() const = 0;

signals:
    // Emitted on the thread the source lives in.
    void progress(quint64 id, const QList<idem::models::TraceStep> &steps, qint64 messagesScanned);
    void finished(quint64 id, const idem::models::TraceResult &result);
    // The event index's state in one line ("Event index: 36 partitions,
    // 09:00–10:42 UTC, tailed by …"), when it changes; never emitted where
    // there is no ops database.
    void indexSummaryChanged(const QString &summary);
};

} // namespace idem::models

Q_DECLARE_METATYPE(QList<idem::models::TraceStep>)
