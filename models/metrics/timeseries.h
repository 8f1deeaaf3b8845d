#pragma once

// Metric history: a fixed-capacity ring buffer of (time, value) points per
// series, and min/max downsampling for charts, so a day at one point a second
// draws as fast as five minutes. Times are milliseconds since the epoch and
// must not go backwards within a series (an older point is dropped).
//
// Not thread-safe: the UI thread owns it; workers send snapshots by value.

#include <QList>
#include <QMap>
#include <QString>

#include <vector>

namespace idem::models {

struct TimePoint
{
    qint64 t = 0;
    double v = 0;
};

class TimeSeries
{
public:
    explicit TimeSeries(qsizetype capacity = 86400);

    void append(qint64 t, double v);
    qsizetype size() const { return m_size; }
    qsizetype capacity() const { return qsizetype(m_points.size()); }
    bool isEmpty() const { return m_size == 0; }
    const TimePoint &at(qsizetype i) const; // 0 is the oldest
    const TimePoint &last() const { return at(m_size - 1); }

    // The points within [from, to], at most two per bucket (the minimum and
    // the maximum, in time order), `buckets` buckets over the range. Ranges
    // with fewer points than 2 × buckets come back whole.
    QList<TimePoint> downsampled(qint64 from, qint64 to, int buckets) const;

private:
    qsizetype lowerBound(qint64 t) const;

    std::vector<TimePoint> m_points;
    qsizetype m_start = 0;
    qsizetype m_size = 0;
};

// Named series, created on first use.
class MetricHistory
{
public:
    explicit MetricHistory(qsizetype capacity = 86400)
        : m_capacity(capacity)
    {}

    void append(const QString &series, qint64 t, double v);
    const TimeSeries *series(const QString &name) const;
    QStringList names() const { return m_series.keys(); }

private:
    qsizetype m_capacity;
    QMap<QString, TimeSeries> m_series;
};

} // namespace idem::models
