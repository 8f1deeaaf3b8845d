#pragma once

// Metric history: a bounded ring buffer of (time, value) points per series,
// allocated as points arrive, and min/max downsampling for charts, so a day at one point a second
// draws as fast as five minutes. Times are milliseconds since the epoch and
// must not go backwards within a series (an older point is dropped).
//
// Not thread-safe: the UI thread owns it; workers send snapshots by value.

#include <QList>
#include <QMap>
#include <QString>

#include <algorithm>
#include <deque>
#include <vector>

namespace idem::models {

struct TimePoint
{
    qint64 t = 0;
    double v = 0;

    bool operator==(const TimePoint &) const = default;
};

// What a chart keeps between downsamplings of one series: the min/max of
// each bucket on a grid aligned to multiples of the bucket width. As the
// range follows new data, the grid stays put, so only the buckets at the two
// edges and those holding new points are read again; a day-long range costs
// about as much as five minutes. A change of width drops it.
class DownsampleCache
{
public:
    void clear()
    {
        m_width = 0;
        m_buckets.clear();
    }

private:
    friend class TimeSeries;
    struct Bucket
    {
        TimePoint first; // in time order
        TimePoint second;
        quint8 count = 0; // points kept: 0, 1 or 2
        bool complete = false; // no later point can fall into it
    };
    qint64 m_width = 0; // ms per bucket
    qint64 m_firstBucket = 0; // grid index of m_buckets.front()
    std::deque<Bucket> m_buckets;
};

class TimeSeries
{
public:
    // Keeps the newest `capacity` points. Storage grows as points arrive (a
    // series that gets a point a minute holds a few KiB, not a day's ring)
    // and never beyond the capacity; once full, the oldest point makes room.
    explicit TimeSeries(qsizetype capacity = 86400);

    void append(qint64 t, double v);
    qsizetype size() const { return m_size; }
    qsizetype capacity() const { return m_capacity; } // points kept at most
    qsizetype allocated() const { return qsizetype(m_points.capacity()); } // points allocated now
    bool isEmpty() const { return m_size == 0; }
    const TimePoint &at(qsizetype i) const; // 0 is the oldest
    const TimePoint &last() const { return at(m_size - 1); }

    // The points within [from, to], at most two per bucket (the minimum and
    // the maximum, in time order). Buckets are ceil((to - from + 1) / buckets)
    // ms wide and aligned to multiples of that width, so there are at most
    // buckets + 1 of them. Ranges with fewer points than 2 × buckets come
    // back whole. With a cache, buckets read before and complete since are
    // taken from it.
    QList<TimePoint> downsampled(qint64 from, qint64 to, int buckets, DownsampleCache *cache = nullptr) const;

private:
    qsizetype lowerBound(qint64 t) const;
    // The min/max of the points with index in [begin, end).
    DownsampleCache::Bucket scanBucket(qsizetype begin, qsizetype end) const;

    std::vector<TimePoint> m_points; // grows to m_capacity, then a ring starting at m_start
    qsizetype m_capacity = 1;
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
    // Points each series created from now on keeps.
    void setCapacity(qsizetype capacity) { m_capacity = std::max<qsizetype>(capacity, 1); }
    qsizetype capacity() const { return m_capacity; }
    const TimeSeries *series(const QString &name) const;
    QStringList names() const { return m_series.keys(); }
    // Frees a series and its points; false when there is none of that name.
    bool remove(const QString &name);
    // Points allocated over every series (each grows as its points arrive,
    // up to its capacity).
    qsizetype allocatedPoints() const;

private:
    qsizetype m_capacity;
    QMap<QString, TimeSeries> m_series;
};

// The history's series of a consumer group of a flow: "group/<flow>/<group>/<metric>".
inline constexpr const char *groupMetrics[] = {"lag", "lag_seconds"};
QString groupSeriesName(const QString &flow, const QString &group, const char *metric);

// Frees the series of groups that are gone. Discovered groups come and go (a
// consumer run under a fresh group id each deploy), and each series keeps up
// to a day of points it has grown to hold, so a group absent from the figures
// for longer than `after` has its series removed from the history; one that
// comes back later starts new series.
class GroupSeriesRetention
{
public:
    explicit GroupSeriesRetention(qint64 afterMs)
        : m_afterMs(afterMs)
    {}

    // `present` are the (flow, group) pairs the figures show at time `t`
    // (ms since the epoch). Returns the groups whose series were freed.
    QList<QPair<QString, QString>> update(const QList<QPair<QString, QString>> &present, qint64 t,
                                          MetricHistory &history);
    qsizetype trackedGroups() const { return m_lastSeen.size(); }

private:
    qint64 m_afterMs;
    QMap<QPair<QString, QString>, qint64> m_lastSeen;
};

} // namespace idem::models
