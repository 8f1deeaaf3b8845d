#pragma once

// The alert rules, evaluated from plain figures: the named points of every
// poll (models/metrics/historypoints.h) and, for the rising rules, a
// baseline from the history. Per flow:
//   lag_status  a group WARNING, STALLED or STOPPED for lagStatusForMs
//               (critical when STALLED or STOPPED);
//   threshold   a figure above the flow's threshold for thresholdForMs (per
//               group for lag_seconds);
//   rising      retry share, dead letters per minute and (per store of the
//               flow) duplicates skipped per minute above their own baseline:
//               every point of the last risingForMs above both
//               baseline × risingFactor and baseline + the minimum rise. The
//               baseline is the same hour over the last days from the
//               history when the recorder has one (setBaseline), else the
//               mean of the hour before the last risingWindowMs, held
//               still while the alert is open (a rise does not become its
//               own baseline and resolve itself). A flow that
//               always retries 5 % does not alert; one going from 0.1 % to
//               3 % does.
//
// evaluate() names only what it could judge (enough data for the rule's
// window): an alert it does not name is neither fired nor resolved.
//
// Not thread-safe: one owner (the recorder's worker).

#include "models/config/config.h"
#include "models/metrics/historypoints.h"
#include "models/metrics/timeseries.h"

#include <QHash>
#include <QList>
#include <QString>

#include <deque>

namespace idem::models {

struct AlertFlow
{
    QString name;
    FlowAlertConfig settings;
    QMap<QString, double> thresholds;
    QStringList stores; // the stores of its groups
};

QList<AlertFlow> alertFlows(const EnvironmentConfig &environment);

struct AlertVerdict
{
    QString rule;     // lag_status, threshold, rising
    QString flow;
    QString subject;  // group, figure, or "<figure>" / "<store>/duplicates_per_minute"
    QString severity; // warning, critical
    bool active = false;
    double value = 0; // the figure's worst value within the rule's window
    QString text;

    QString key() const { return rule + QLatin1Char('|') + flow + QLatin1Char('|') + subject; }
    bool operator==(const AlertVerdict &) const = default;
};

class AlertEvaluator
{
public:
    void setFlows(const QList<AlertFlow> &flows);
    void add(const MetricPoint &point);
    void add(const QList<MetricPoint> &points);
    // The mean of `series` at this hour of the day over the last days, from
    // the history; replaces the last hour as its baseline. NaN removes it.
    void setBaseline(const QString &series, double mean);
    // The series whose baselines the rising rules read.
    QStringList risingSeries() const;

    QList<AlertVerdict> evaluate(qint64 now);

private:
    void judgeStatus(const AlertFlow &flow, const QString &series, const QString &group, qint64 now,
                     QList<AlertVerdict> &out) const;
    void judgeThreshold(const AlertFlow &flow, const QString &series, const QString &subject, double threshold,
                        qint64 now, QList<AlertVerdict> &out) const;
    void judgeRising(const AlertFlow &flow, const QString &series, const QString &subject, bool share,
                     const QString &what, qint64 now, QList<AlertVerdict> &out);
    qint64 keepMs() const;

    QList<AlertFlow> m_flows;
    QHash<QString, std::deque<TimePoint>> m_points;
    QHash<QString, double> m_baselines;
    QHash<QString, double> m_heldBaselines; // of open rising alerts, by series
};

} // namespace idem::models
