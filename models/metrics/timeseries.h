#pragma once

// Metric history: (time, value) points per series, stored as they arrive and
// thinned as they age (full resolution for the recent past, then the minimum
// and the maximum of each coarser bucket), and min/max downsampling for
// charts, so a day at one point a second draws as fast as five minutes and
// costs a fraction of a day's points. Times are milliseconds since the epoch
// and must not go backwards within a series (an older point is dropped).
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

// How a series thins its older points. Points younger than the first tier's
// age stay as they came; older ones are replaced, bucket by bucket, by the
// minimum and the maximum of the bucket (in time order, at their own times),
// in buckets aligned to multiples of the tier's width. Each tier is older
// and coarser than the one before, and its width a multiple of the one
// before: the extremes of every bucket survive every step, so a chart whose
// buckets are multiples of the widths draws the same extremes as from the
// full data. Points older than `keepMs` (when above 0) are dropped.
struct SeriesResolution
{
    struct Tier
    {
        qint64 olderThanMs; // points at least this much older than the newest
        qint64 bucketMs;    // are kept as min/max per bucket of this width

        bool operator==(const Tier &) const = default;
    };
    QList<Tier> tiers;
    qint64 keepMs = 0;

    bool operator==(const SeriesResolution &) const = default;
    // Every point kept, up to the series' capacity.
    static SeriesResolution full() { return {}; }
    // A day: the last hour as it came, then 10 s buckets to six hours, then
    // one-minute buckets to a day (with a margin for the day-long range).
    static SeriesResolution day();
    // Empty when the tiers are usable, else what is wrong with them.
    QString problem() const;
};

class TimeSeries
{
public:
    // Keeps at most `capacity` points (the oldest make room) and thins them
    // as `resolution` says. Storage grows and shrinks with the points held.
    explicit TimeSeries(qsizetype capacity = 86400, SeriesResolution resolution = SeriesResolution::full());

    void append(qint64 t, double v);
    qsizetype size() const { return qsizetype(m_points.size()); }
    qsizetype capacity() const { return m_capacity; } // points kept at most
    // Points the storage has room for now: the points held, rounded up to
    // the storage's blocks.
    qsizetype allocated() const;
    const SeriesResolution &resolution() const { return m_resolution; }
    // The thinning bucket width of the point at index i (0: kept as it came).
    qint64 resolutionAt(qsizetype i) const;
    bool isEmpty() const { return m_points.empty(); }
    const TimePoint &at(qsizetype i) const { return m_points[size_t(i)]; } // 0 is the oldest
    const TimePoint &last() const { return m_points.back(); }

    // The points within [from, to], at most two per bucket (the minimum and
    // the maximum, in time order). Buckets are ceil((to - from + 1) / buckets)
    // ms wide, rounded up to a multiple of the coarsest resolution the range
    // holds, and aligned to multiples of that width, so there are at most
    // buckets + 1 of them. Ranges with fewer points than 2 × buckets come
    // back whole. With a cache, buckets read before and complete since are
    // taken from it.
    QList<TimePoint> downsampled(qint64 from, qint64 to, int buckets, DownsampleCache *cache = nullptr) const;

private:
    qsizetype lowerBound(qint64 t) const;
    // The min/max of the points with index in [begin, end).
    DownsampleCache::Bucket scanBucket(qsizetype begin, qsizetype end) const;
    void thin();
    void dropFront();

    std::deque<TimePoint> m_points; // in time order, the oldest (and coarsest) first
    qsizetype m_capacity = 1;
    SeriesResolution m_resolution;
    // m_tierStart[k]: index of the first point kept at tier k's resolution
    // (points before m_tierStart.back() are coarser still; tier k's points
    // end where tier k - 1's start, tier 0's at m_fullStart). Points from
    // m_fullStart on are as they came.
    std::vector<qsizetype> m_tierStart;
    qsizetype m_fullStart = 0;
};

// Named series, created on first use.
class MetricHistory
{
public:
    explicit MetricHistory(qsizetype capacity = 86400, SeriesResolution resolution = SeriesResolution::full())
        : m_capacity(capacity)
        , m_resolution(std::move(resolution))
    {}

    void append(const QString &series, qint64 t, double v);
    // Puts `older` (in time order) before the points the series holds: the
    // history loaded from the ops database after live points began to
    // arrive. Points not older than the series' first are ignored; thinned
    // as append() thins. Creates the series when there is none.
    void prependOlder(const QString &series, const QList<TimePoint> &older);
    // Points each series created from now on keeps.
    void setCapacity(qsizetype capacity) { m_capacity = std::max<qsizetype>(capacity, 1); }
    qsizetype capacity() const { return m_capacity; }
    // How each series created from now on thins its older points.
    void setResolution(const SeriesResolution &resolution) { m_resolution = resolution; }
    const SeriesResolution &resolution() const { return m_resolution; }
    const TimeSeries *series(const QString &name) const;
    QStringList names() const { return m_series.keys(); }
    // Frees a series and its points; false when there is none of that name.
    bool remove(const QString &name);
    // Points allocated over every series (each grows as its points arrive,
    // up to its capacity).
    qsizetype allocatedPoints() const;

private:
    qsizetype m_capacity;
    SeriesResolution m_resolution;
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
