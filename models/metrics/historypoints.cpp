#include "models/metrics/historypoints.h"

#include "models/metrics/timeseries.h"

#include <algorithm>

namespace idem::models {

QList<MetricPoint> pollPoints(const LagSnapshot &snapshot, const MetricsTracker::Figures &figures)
{
    QList<MetricPoint> points;
    if (snapshot.health.state == HealthState::Down)
        return points;
    const qint64 t = snapshot.takenAt.toMSecsSinceEpoch();
    // A group's lag in seconds follows its source topics (groupLagAges, the
    // rule idemctl lag reports too): retry topics hold messages back on purpose.
    const auto ages = groupLagAges(snapshot);
    points.reserve(figures.groups.size() * 3 + figures.flows.size() * 5);
    for (const auto &g : figures.groups) {
        points.append({groupSeriesName(g.flow, g.group, "lag"), t, double(g.lag)});
        const qint64 ms = ages.value({g.flow, g.group}).sourceMs;
        if (ms >= 0)
            points.append({groupSeriesName(g.flow, g.group, "lag_seconds"), t, ms / 1000.0});
        if (g.status != LagStatus::NotEnoughData)
            points.append({groupSeriesName(g.flow, g.group, "status"), t, double(int(g.status))});
    }
    for (const auto &f : figures.flows) {
        points.append({QStringLiteral("flow/%1/lag").arg(f.flow), t, double(f.lag)});
        if (f.retryShare >= 0) {
            points.append({QStringLiteral("flow/%1/retry_share").arg(f.flow), t, f.retryShare});
            points.append({QStringLiteral("flow/%1/error_share").arg(f.flow), t, f.errorShare});
            points.append({QStringLiteral("flow/%1/errors_per_minute").arg(f.flow), t, f.errorsPerMinute});
        }
        if (f.deadLetters >= 0)
            points.append({QStringLiteral("flow/%1/dead_letters").arg(f.flow), t, double(f.deadLetters)});
    }
    return points;
}

QList<MetricPoint> storePoints(const StoreFigures &f)
{
    const qint64 t = f.takenAt.toMSecsSinceEpoch();
    const double minutes = std::max<qint64>(f.windowMs, 1) / 60000.0;
    const qint64 attempts = f.processed + f.failed;
    return {
        {QStringLiteral("store/%1/retry_share").arg(f.store), t,
         attempts > 0 ? double(f.retried) / double(attempts) : 0.0},
        {QStringLiteral("store/%1/dead_lettered_per_minute").arg(f.store), t, f.deadLettered / minutes},
        {QStringLiteral("store/%1/duplicates_per_minute").arg(f.store), t, f.duplicatesSkipped / minutes},
    };
}

} // namespace idem::models
