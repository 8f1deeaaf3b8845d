#pragma once

// Where the console reads the team's shared history and alerts (the ops
// database; connectors/ops/historyservice.h). Requests return at once;
// answers arrive as signals with value snapshots, on the source's thread.

#include "models/alerts/alert.h"
#include "models/metrics/timeseries.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>

namespace idem::models {

using SeriesPoints = QHash<QString, QList<TimePoint>>;

class HistorySource : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // The last `spanMs` before now, downsampled as `resolution` thins.
    virtual void loadRecent(qint64 spanMs, const SeriesResolution &resolution) = 0;
    // min/max per bucket of `series` within [fromMs, toMs]: at most about 2 × buckets points each.
    virtual void readRange(const QStringList &series, qint64 fromMs, qint64 toMs, int buckets) = 0;
    virtual void loadAlerts() = 0;
    virtual void acknowledge(qint64 alert, const QString &comment) = 0;

signals:
    void recentLoaded(const idem::models::SeriesPoints &series, qint64 rows, const QString &error);
    void rangeRead(const QStringList &series, qint64 fromMs, qint64 toMs, const idem::models::SeriesPoints &points,
                   const QString &error);
    void alertsLoaded(const QList<idem::models::AlertRecord> &alerts, const QString &error);
    // Another console or the recorder changed the alerts (NOTIFY idem_alerts).
    void alertsChanged();
    void acknowledged(qint64 alert, const QString &error);
};

} // namespace idem::models
