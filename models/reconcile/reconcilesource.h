#pragma once

// What the Reconcile page needs: something that reconciles a flow over a
// window on worker threads and reports as it goes.
// connectors/reconcile/reconcileservice.h implements it; tests use fakes.
// The page never waits: reconcile() returns at once, progress() arrives
// while it runs and finished() exactly once (after stop() too, then with
// the report marked incomplete or an error saying it was cancelled).

#include "models/reconcile/reconcile.h"

#include <QObject>

namespace idem::models {

struct ReconcileQuery
{
    QString flow;
    QDateTime from; // UTC
    QDateTime to;
};

class ReconcileSource : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Starts a reconcile, stopping the one running. Returns its id, never 0.
    virtual quint64 reconcile(const ReconcileQuery &query) = 0;
    virtual void stop() = 0;
    virtual QStringList flows() const = 0;

signals:
    // `step`: what runs now, in words; `percent`: -1 where it cannot say.
    void progress(quint64 id, const QString &step, int percent);
    void finished(quint64 id, const idem::models::ReconcileReport &report);
};

} // namespace idem::models
