#include "models/metrics/timeseries.h"

#include <algorithm>

namespace idem::models {

TimeSeries::TimeSeries(qsizetype capacity)
    : m_capacity(std::max<qsizetype>(capacity, 1))
{}

void TimeSeries::append(qint64 t, double v)
{
    if (m_size > 0 && t < last().t)
        return;
    if (m_size < m_capacity) {
        // Still filling: the points are in order from index 0. Grow by
        // doubling, but never past the capacity.
        if (m_points.size() == m_points.capacity())
            m_points.reserve(size_t(std::min<qsizetype>(std::max<qsizetype>(64, 2 * m_size), m_capacity)));
        m_points.push_back({t, v});
        ++m_size;
    } else {
        m_points[size_t(m_start)] = {t, v};
        m_start = (m_start + 1) % m_capacity;
    }
}

const TimePoint &TimeSeries::at(qsizetype i) const
{
    return m_points[size_t((m_start + i) % qsizetype(m_points.size()))];
}

qsizetype TimeSeries::lowerBound(qint64 t) const
{
    qsizetype lo = 0, hi = m_size;
    while (lo < hi) {
        const qsizetype mid = (lo + hi) / 2;
        if (at(mid).t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

DownsampleCache::Bucket TimeSeries::scanBucket(qsizetype begin, qsizetype end) const
{
    DownsampleCache::Bucket bucket;
    if (begin >= end)
        return bucket;
    // Walk the ring with a pointer that wraps once, not an index modulo the
    // capacity: a fresh cache visits every point of a day-long range here.
    const TimePoint *base = m_points.data();
    const TimePoint *wrap = base + m_points.size();
    const TimePoint *p = base + (m_start + begin) % qsizetype(m_points.size());
    const TimePoint *lo = p;
    const TimePoint *hi = p;
    qsizetype loIndex = begin, hiIndex = begin;
    for (qsizetype i = begin; i < end; ++i) {
        if (p->v < lo->v) {
            lo = p;
            loIndex = i;
        }
        if (p->v > hi->v) {
            hi = p;
            hiIndex = i;
        }
        if (++p == wrap)
            p = base;
    }
    if (lo == hi) {
        bucket.first = *lo;
        bucket.count = 1;
    } else {
        bucket.first = loIndex < hiIndex ? *lo : *hi;
        bucket.second = loIndex < hiIndex ? *hi : *lo;
        bucket.count = 2;
    }
    return bucket;
}

namespace {

qint64 floorDiv(qint64 a, qint64 b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

} // namespace

QList<TimePoint> TimeSeries::downsampled(qint64 from, qint64 to, int buckets, DownsampleCache *cache) const
{
    QList<TimePoint> out;
    if (m_size == 0 || to < from)
        return out;
    buckets = std::max(buckets, 1);
    const qsizetype begin = lowerBound(from);
    const qsizetype end = lowerBound(to + 1);
    if (end - begin <= qsizetype(2) * buckets) {
        out.reserve(end - begin);
        for (qsizetype i = begin; i < end; ++i)
            out.append(at(i));
        return out;
    }
    DownsampleCache local;
    DownsampleCache &c = cache ? *cache : local;
    const qint64 width = std::max<qint64>(1, (to - from + buckets) / buckets); // ceil((to - from + 1) / buckets)
    const qint64 firstBucket = floorDiv(from, width);
    const qint64 lastBucket = floorDiv(to, width);
    // Keep only what can be reused: same width, and buckets from the first
    // one shown onwards. A range that grew to the left starts over.
    if (c.m_width != width || c.m_firstBucket > firstBucket) {
        c.m_width = width;
        c.m_buckets.clear();
        c.m_firstBucket = firstBucket;
    }
    while (!c.m_buckets.empty() && c.m_firstBucket < firstBucket) {
        c.m_buckets.pop_front();
        ++c.m_firstBucket;
    }
    if (c.m_buckets.empty())
        c.m_firstBucket = firstBucket;

    const qint64 oldest = at(0).t;
    const qint64 newest = last().t;
    out.reserve(2 * (lastBucket - firstBucket + 1));
    qsizetype i = begin; // the first point of bucket k, once known; -1 when not
    for (qint64 k = firstBucket; k <= lastBucket; ++k) {
        const qint64 bucketStart = k * width;
        const qint64 bucketEnd = bucketStart + width; // exclusive
        const size_t slot = size_t(k - c.m_firstBucket);
        // A cached bucket is good when it lay wholly inside the range and
        // inside the ring, and no point could have joined it since.
        const bool inner = k != firstBucket && k != lastBucket;
        const bool cached = inner && slot < c.m_buckets.size() && c.m_buckets[slot].complete && oldest < bucketStart;
        DownsampleCache::Bucket bucket;
        if (cached) {
            bucket = c.m_buckets[slot];
            i = -1;
        } else {
            if (i < 0)
                i = lowerBound(bucketStart);
            const qsizetype stop = k == lastBucket ? end : lowerBound(bucketEnd);
            bucket = scanBucket(i, stop);
            bucket.complete = newest >= bucketEnd;
            i = stop;
            if (inner) {
                if (slot < c.m_buckets.size())
                    c.m_buckets[slot] = bucket;
                else if (slot == c.m_buckets.size())
                    c.m_buckets.push_back(bucket);
            } else if (slot == c.m_buckets.size()) {
                // Edge buckets are cut by the range: keep a placeholder so
                // the cache stays contiguous; it is read again next time.
                c.m_buckets.push_back({});
            }
        }
        if (bucket.count > 0)
            out.append(bucket.first);
        if (bucket.count > 1)
            out.append(bucket.second);
    }
    return out;
}

void MetricHistory::append(const QString &series, qint64 t, double v)
{
    auto it = m_series.find(series);
    if (it == m_series.end())
        it = m_series.insert(series, TimeSeries(m_capacity));
    it->append(t, v);
}

const TimeSeries *MetricHistory::series(const QString &name) const
{
    const auto it = m_series.constFind(name);
    return it == m_series.cend() ? nullptr : &*it;
}

bool MetricHistory::remove(const QString &name)
{
    return m_series.remove(name) > 0;
}

qsizetype MetricHistory::allocatedPoints() const
{
    qsizetype points = 0;
    for (const TimeSeries &series : m_series)
        points += series.allocated();
    return points;
}

QString groupSeriesName(const QString &flow, const QString &group, const char *metric)
{
    return QStringLiteral("group/%1/%2/%3").arg(flow, group, QLatin1String(metric));
}

QList<QPair<QString, QString>> GroupSeriesRetention::update(const QList<QPair<QString, QString>> &present, qint64 t,
                                                            MetricHistory &history)
{
    for (const auto &group : present) {
        qint64 &seen = m_lastSeen[group];
        seen = std::max(seen, t);
    }
    QList<QPair<QString, QString>> freed;
    for (auto it = m_lastSeen.begin(); it != m_lastSeen.end();) {
        if (t - it.value() > m_afterMs) {
            for (const char *metric : groupMetrics)
                history.remove(groupSeriesName(it.key().first, it.key().second, metric));
            freed.append(it.key());
            it = m_lastSeen.erase(it);
        } else {
            ++it;
        }
    }
    return freed;
}

} // namespace idem::models
