#pragma once

// The figures of one poll as named points: what the console's charts keep
// in memory (MetricHistory) and what the recorder writes to the ops
// database's history (idem.metric_point), from the same values, so a chart
// loaded from the database draws what a console that was open drew.
//
// Series names: "flow/<flow>/<figure>", "group/<flow>/<group>/<figure>",
// "store/<store>/<figure>". A group's "status" is its LagStatus as a number
// (see lagstatus.h), for the alert rules.

#include "models/metrics/flowmetrics.h"
#include "models/metrics/storefigures.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace idem::models {

struct MetricPoint
{
    QString series;
    qint64 t = 0; // ms since the epoch
    double v = 0;

    bool operator==(const MetricPoint &) const = default;
};

// The points of a lag snapshot, with the figures a tracker made of it. None
// when the snapshot's cluster was down.
QList<MetricPoint> pollPoints(const LagSnapshot &snapshot, const MetricsTracker::Figures &figures);
// The points of a store's figures.
QList<MetricPoint> storePoints(const StoreFigures &figures);

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::MetricPoint)
