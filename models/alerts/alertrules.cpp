#include "models/alerts/alertrules.h"

#include "models/metrics/lagstatus.h"

#include <algorithm>
#include <cmath>

namespace idem::models {

namespace {

constexpr qint64 kHourMs = 3600 * 1000;

QString minutesText(qint64 ms)
{
    if (ms % 60000 == 0)
        return QStringLiteral("%1 min").arg(ms / 60000);
    return QStringLiteral("%1 s").arg(ms / 1000);
}

QString figureText(double v, bool share)
{
    return share ? QStringLiteral("%1 %").arg(v * 100, 0, 'f', 1) : QString::number(v, 'f', 1);
}

// The points of `points` within [from, to], and whether the series reaches
// back to `from` (a point at or before it), so the window is covered.
struct Span
{
    std::deque<TimePoint>::const_iterator begin, end;
    bool covered = false;
    bool empty() const { return begin == end; }
};

Span spanOf(const std::deque<TimePoint> &points, qint64 from, qint64 to)
{
    Span s;
    s.begin = std::lower_bound(points.begin(), points.end(), from,
                               [](const TimePoint &p, qint64 t) { return p.t < t; });
    s.end = std::upper_bound(s.begin, points.end(), to, [](qint64 t, const TimePoint &p) { return t < p.t; });
    s.covered = !points.empty() && points.front().t <= from;
    return s;
}

} // namespace

QList<AlertFlow> alertFlows(const EnvironmentConfig &environment)
{
    QList<AlertFlow> flows;
    for (const FlowConfig &f : environment.flows) {
        AlertFlow a{f.name, f.alerts, f.thresholds, {}};
        for (const auto &g : f.groups) {
            if (!g.store.isEmpty() && !a.stores.contains(g.store))
                a.stores << g.store;
        }
        flows << a;
    }
    return flows;
}

void AlertEvaluator::setFlows(const QList<AlertFlow> &flows)
{
    m_flows = flows;
}

qint64 AlertEvaluator::keepMs() const
{
    qint64 keep = kHourMs;
    for (const AlertFlow &f : m_flows) {
        keep = std::max({keep, f.settings.lagStatusForMs, f.settings.thresholdForMs,
                         kHourMs + f.settings.risingWindowMs, f.settings.risingForMs});
    }
    return keep + 60000;
}

void AlertEvaluator::add(const MetricPoint &point)
{
    if (!std::isfinite(point.v))
        return;
    std::deque<TimePoint> &points = m_points[point.series];
    if (!points.empty() && point.t <= points.back().t)
        return; // time goes forward within a series
    points.push_back({point.t, point.v});
    const qint64 oldest = point.t - keepMs();
    while (!points.empty() && points.front().t < oldest)
        points.pop_front();
}

void AlertEvaluator::add(const QList<MetricPoint> &points)
{
    for (const MetricPoint &p : points)
        add(p);
}

void AlertEvaluator::setBaseline(const QString &series, double mean)
{
    if (std::isnan(mean))
        m_baselines.remove(series);
    else
        m_baselines.insert(series, mean);
}

QStringList AlertEvaluator::risingSeries() const
{
    QStringList series;
    for (const AlertFlow &f : m_flows) {
        if (!f.settings.rising)
            continue;
        series << QStringLiteral("flow/%1/retry_share").arg(f.name)
               << QStringLiteral("flow/%1/errors_per_minute").arg(f.name);
        for (const QString &store : f.stores)
            series << QStringLiteral("store/%1/duplicates_per_minute").arg(store);
    }
    series.removeDuplicates();
    return series;
}

QList<AlertVerdict> AlertEvaluator::evaluate(qint64 now)
{
    QList<AlertVerdict> out;
    for (const AlertFlow &flow : m_flows) {
        const QString groupPrefix = QStringLiteral("group/%1/").arg(flow.name);
        if (flow.settings.lagStatus || (flow.settings.thresholds && flow.thresholds.contains(QStringLiteral("lag_seconds")))) {
            for (auto it = m_points.cbegin(); it != m_points.cend(); ++it) {
                const QString &name = it.key();
                if (!name.startsWith(groupPrefix))
                    continue;
                const QString rest = name.mid(groupPrefix.size());
                const qsizetype slash = rest.lastIndexOf(QLatin1Char('/'));
                if (slash <= 0)
                    continue;
                const QString group = rest.left(slash);
                const QString metric = rest.mid(slash + 1);
                if (metric == QLatin1String("status") && flow.settings.lagStatus)
                    judgeStatus(flow, name, group, now, out);
                else if (metric == QLatin1String("lag_seconds") && flow.settings.thresholds
                         && flow.thresholds.contains(metric))
                    judgeThreshold(flow, name, group + QStringLiteral("/lag_seconds"), flow.thresholds.value(metric),
                                   now, out);
            }
        }
        if (flow.settings.thresholds) {
            for (auto it = flow.thresholds.cbegin(); it != flow.thresholds.cend(); ++it) {
                if (it.key() == QLatin1String("lag_seconds"))
                    continue; // per group, above
                judgeThreshold(flow, QStringLiteral("flow/%1/%2").arg(flow.name, it.key()), it.key(), it.value(), now,
                               out);
            }
        }
        if (flow.settings.rising) {
            judgeRising(flow, QStringLiteral("flow/%1/retry_share").arg(flow.name), QStringLiteral("retry_share"),
                        true, QStringLiteral("retry share"), now, out);
            judgeRising(flow, QStringLiteral("flow/%1/errors_per_minute").arg(flow.name),
                        QStringLiteral("dead_letters_per_minute"), false, QStringLiteral("dead letters per minute"),
                        now, out);
            for (const QString &store : flow.stores) {
                judgeRising(flow, QStringLiteral("store/%1/duplicates_per_minute").arg(store),
                            store + QStringLiteral("/duplicates_per_minute"), false,
                            QStringLiteral("duplicates skipped per minute in store %1").arg(store), now, out);
            }
        }
    }
    return out;
}

void AlertEvaluator::judgeStatus(const AlertFlow &flow, const QString &series, const QString &group, qint64 now,
                                 QList<AlertVerdict> &out) const
{
    const auto &points = m_points.value(series);
    const qint64 hold = flow.settings.lagStatusForMs;
    const Span span = spanOf(points, now - hold, now);
    if (!span.covered || span.empty())
        return;
    bool all = true;
    int worst = 0;
    LagStatus worstStatus = LagStatus::Ok;
    for (auto it = span.begin; it != span.end; ++it) {
        const auto status = LagStatus(int(it->v));
        const bool bad = status == LagStatus::Warning || status == LagStatus::Stalled || status == LagStatus::Stopped;
        all = all && bad;
        if (lagStatusSeverity(status) > worst) {
            worst = lagStatusSeverity(status);
            worstStatus = status;
        }
    }
    AlertVerdict v{QStringLiteral("lag_status"), flow.name, group,
                   worstStatus == LagStatus::Warning ? QStringLiteral("warning") : QStringLiteral("critical"),
                   all, double(int(worstStatus)), {}};
    v.text = QStringLiteral("group %1 of flow %2 has been %3 for %4")
                 .arg(group, flow.name, all ? lagStatusName(worstStatus) : QStringLiteral("WARNING or worse"),
                      minutesText(hold));
    if (!all)
        v.text = QStringLiteral("group %1 of flow %2 is no longer WARNING, STALLED or STOPPED").arg(group, flow.name);
    out << v;
}

void AlertEvaluator::judgeThreshold(const AlertFlow &flow, const QString &series, const QString &subject,
                                    double threshold, qint64 now, QList<AlertVerdict> &out) const
{
    const auto &points = m_points.value(series);
    const qint64 hold = flow.settings.thresholdForMs;
    const Span span = spanOf(points, now - hold, now);
    if (!span.covered || span.empty())
        return;
    bool all = true;
    double worst = -INFINITY;
    for (auto it = span.begin; it != span.end; ++it) {
        all = all && it->v > threshold;
        worst = std::max(worst, it->v);
    }
    const bool share = isRatioThreshold(subject);
    AlertVerdict v{QStringLiteral("threshold"), flow.name, subject, QStringLiteral("warning"), all, worst, {}};
    v.text = QStringLiteral("%1 of flow %2 above %3 for %4 (up to %5)")
                 .arg(subject, flow.name, figureText(threshold, share), minutesText(hold), figureText(worst, share));
    out << v;
}

void AlertEvaluator::judgeRising(const AlertFlow &flow, const QString &series, const QString &subject, bool share,
                                 const QString &what, qint64 now, QList<AlertVerdict> &out)
{
    const auto found = m_points.constFind(series);
    if (found == m_points.cend())
        return;
    const std::deque<TimePoint> &points = *found;
    const FlowAlertConfig &s = flow.settings;
    const qint64 hold = s.risingForMs;
    const Span recent = spanOf(points, now - hold, now);
    if (!recent.covered || recent.empty())
        return;
    double baseline = 0;
    const auto known = m_baselines.constFind(series);
    const auto kept = m_heldBaselines.constFind(series);
    if (kept != m_heldBaselines.cend()) {
        baseline = *kept;
    } else if (known != m_baselines.cend()) {
        baseline = *known;
    } else {
        // The hour before the recent window; at least the window's length of it.
        const qint64 end = now - s.risingWindowMs;
        const Span before = spanOf(points, end - kHourMs, end);
        if (before.empty() || points.front().t > end - std::max(s.risingWindowMs, hold))
            return;
        double sum = 0;
        qint64 n = 0;
        for (auto it = before.begin; it != before.end; ++it, ++n)
            sum += it->v;
        baseline = sum / double(n);
    }
    const double minRise = share ? s.risingMinShare : s.risingMinPerMinute;
    const double bar = std::max(baseline * s.risingFactor, baseline + minRise);
    bool all = true;
    double worst = -INFINITY;
    for (auto it = recent.begin; it != recent.end; ++it) {
        all = all && it->v > bar;
        worst = std::max(worst, it->v);
    }
    if (all)
        m_heldBaselines.insert(series, baseline);
    else
        m_heldBaselines.remove(series);
    AlertVerdict v{QStringLiteral("rising"), flow.name, subject, QStringLiteral("warning"), all, worst, {}};
    v.text = QStringLiteral("%1 of flow %2 rising: %3 for %4 against a baseline of %5")
                 .arg(what, flow.name, figureText(worst, share), minutesText(hold), figureText(baseline, share));
    out << v;
}

} // namespace idem::models
