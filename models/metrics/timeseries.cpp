#include "models/metrics/timeseries.h"

#include <limits>

#include <algorithm>
#include <chrono>

namespace idem::models {

namespace {

qint64 floorDiv(qint64 a, qint64 b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Points a block of the deque holds (libstdc++ allocates 512 bytes a block).
constexpr qsizetype kBlockPoints = sizeof(TimePoint) < 512 ? qsizetype(512 / sizeof(TimePoint)) : 1;

} // namespace

SeriesResolution SeriesResolution::day()
{
    using namespace std::chrono;
    SeriesResolution r;
    r.tiers = {{duration_cast<milliseconds>(hours(1)).count(), 10'000},
               {duration_cast<milliseconds>(hours(6)).count(), 60'000}};
    r.keepMs = duration_cast<milliseconds>(hours(24) + minutes(10)).count();
    return r;
}

QString SeriesResolution::problem() const
{
    for (qsizetype i = 0; i < tiers.size(); ++i) {
        const Tier &tier = tiers[i];
        if (tier.bucketMs <= 0 || tier.olderThanMs < 0)
            return QStringLiteral("tier %1: the age and the bucket width must be positive").arg(i + 1);
        if (i > 0 && (tier.olderThanMs <= tiers[i - 1].olderThanMs || tier.bucketMs % tiers[i - 1].bucketMs != 0))
            return QStringLiteral("tier %1: must be older than tier %2, with a bucket width that is a multiple of its")
                .arg(i + 1)
                .arg(i);
    }
    return QString();
}

TimeSeries::TimeSeries(qsizetype capacity, SeriesResolution resolution)
    : m_capacity(std::max<qsizetype>(capacity, 1))
    , m_resolution(resolution.problem().isEmpty() ? std::move(resolution) : SeriesResolution::full())
    , m_tierStart(size_t(m_resolution.tiers.size()), 0)
{}

qsizetype TimeSeries::allocated() const
{
    return m_points.empty() ? 0 : (size() / kBlockPoints + 1) * kBlockPoints;
}

qint64 TimeSeries::resolutionAt(qsizetype i) const
{
    if (i >= m_fullStart)
        return 0;
    for (size_t k = 0; k < m_tierStart.size(); ++k) {
        if (i >= m_tierStart[k])
            return m_resolution.tiers[qsizetype(k)].bucketMs;
    }
    return m_resolution.tiers.isEmpty() ? 0 : m_resolution.tiers.back().bucketMs;
}

void TimeSeries::append(qint64 t, double v)
{
    if (!m_points.empty() && t < m_points.back().t)
        return;
    m_points.push_back({t, v});
    while (size() > m_capacity)
        dropFront();
    if (m_resolution.keepMs > 0) {
        while (m_points.front().t < t - m_resolution.keepMs)
            dropFront();
    }
    thin();
}

void TimeSeries::dropFront()
{
    m_points.pop_front();
    if (m_fullStart > 0)
        --m_fullStart;
    for (qsizetype &start : m_tierStart) {
        if (start > 0)
            --start;
    }
}

void TimeSeries::thin()
{
    if (m_tierStart.empty())
        return;
    const qint64 newest = m_points.back().t;
    // Tier k takes, bucket by bucket, the oldest points of the level before
    // it (the points as they came for tier 0), once a bucket lies wholly
    // beyond the tier's age: no later point can fall into it.
    for (size_t k = 0; k < m_tierStart.size(); ++k) {
        const SeriesResolution::Tier &tier = m_resolution.tiers[qsizetype(k)];
        const qint64 limit = newest - tier.olderThanMs;
        qsizetype &a = k == 0 ? m_fullStart : m_tierStart[k - 1]; // the finer level's first point
        qsizetype b = k <= 1 ? (k == 0 ? size() : m_fullStart) : m_tierStart[k - 2]; // and its end
        while (a < b) {
            const qint64 bucketEnd = (floorDiv(m_points[size_t(a)].t, tier.bucketMs) + 1) * tier.bucketMs;
            if (bucketEnd > limit)
                break;
            qsizetype j = a;
            while (j < b && m_points[size_t(j)].t < bucketEnd)
                ++j;
            const DownsampleCache::Bucket bucket = scanBucket(a, j);
            m_points[size_t(a)] = bucket.first;
            if (bucket.count > 1)
                m_points[size_t(a + 1)] = bucket.second;
            const qsizetype removed = j - a - bucket.count;
            if (removed > 0)
                m_points.erase(m_points.begin() + (a + bucket.count), m_points.begin() + j);
            // The bucket joins tier k; the finer levels' points moved down by what was removed.
            a += bucket.count;
            b -= removed;
            if (k >= 1) {
                m_fullStart -= removed;
                for (size_t l = 0; l + 1 < k; ++l)
                    m_tierStart[l] -= removed;
            }
        }
    }
}

qsizetype TimeSeries::lowerBound(qint64 t) const
{
    qsizetype lo = 0, hi = size();
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
    auto p = m_points.begin() + begin;
    auto lo = p;
    auto hi = p;
    qsizetype loIndex = begin, hiIndex = begin;
    for (qsizetype i = begin; i < end; ++i, ++p) {
        if (p->v < lo->v) {
            lo = p;
            loIndex = i;
        }
        if (p->v > hi->v) {
            hi = p;
            hiIndex = i;
        }
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

QList<TimePoint> TimeSeries::downsampled(qint64 from, qint64 to, int buckets, DownsampleCache *cache) const
{
    QList<TimePoint> out;
    if (m_points.empty() || to < from)
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
    qint64 width = std::max<qint64>(1, (to - from + buckets) / buckets); // ceil((to - from + 1) / buckets)
    // Buckets no finer than the thinned points they hold, and made of whole
    // thinning buckets, so each shows the extremes of all the points it spans.
    if (const qint64 coarsest = resolutionAt(begin); coarsest > 0)
        width = (width + coarsest - 1) / coarsest * coarsest;
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
        it = m_series.insert(series, TimeSeries(m_capacity, m_resolution));
    it->append(t, v);
}

void MetricHistory::prependOlder(const QString &series, const QList<TimePoint> &older)
{
    auto it = m_series.find(series);
    if (it == m_series.end())
        it = m_series.insert(series, TimeSeries(m_capacity, m_resolution));
    TimeSeries merged(m_capacity, m_resolution);
    const qint64 first = it->isEmpty() ? std::numeric_limits<qint64>::max() : it->at(0).t;
    for (const TimePoint &p : older) {
        if (p.t < first)
            merged.append(p.t, p.v);
    }
    for (qsizetype i = 0; i < it->size(); ++i)
        merged.append(it->at(i).t, it->at(i).v);
    *it = std::move(merged);
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
