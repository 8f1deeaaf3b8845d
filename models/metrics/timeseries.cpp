#include "models/metrics/timeseries.h"

#include <algorithm>
#include <limits>

namespace idem::models {

TimeSeries::TimeSeries(qsizetype capacity)
    : m_points(size_t(std::max<qsizetype>(capacity, 1)))
{}

void TimeSeries::append(qint64 t, double v)
{
    if (m_size > 0 && t < last().t)
        return;
    const qsizetype cap = capacity();
    if (m_size < cap) {
        m_points[size_t((m_start + m_size) % cap)] = {t, v};
        ++m_size;
    } else {
        m_points[size_t(m_start)] = {t, v};
        m_start = (m_start + 1) % cap;
    }
}

const TimePoint &TimeSeries::at(qsizetype i) const
{
    return m_points[size_t((m_start + i) % capacity())];
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

QList<TimePoint> TimeSeries::downsampled(qint64 from, qint64 to, int buckets) const
{
    QList<TimePoint> out;
    if (m_size == 0 || to < from)
        return out;
    const qsizetype begin = lowerBound(from);
    const qsizetype end = lowerBound(to + 1);
    if (end - begin <= qsizetype(2) * std::max(buckets, 1)) {
        out.reserve(end - begin);
        for (qsizetype i = begin; i < end; ++i)
            out.append(at(i));
        return out;
    }
    out.reserve(2 * buckets);
    // Walk the ring with a pointer that wraps once, not an index modulo the
    // capacity: this loop visits every point of a day-long range.
    const TimePoint *base = m_points.data();
    const TimePoint *wrap = base + m_points.size();
    const TimePoint *p = base + (m_start + begin) % capacity();
    const double width = double(to - from + 1) / buckets;
    qsizetype i = begin;
    for (int b = 0; b < buckets && i < end; ++b) {
        const qint64 bucketEnd = b == buckets - 1 ? std::numeric_limits<qint64>::max() : from + qint64((b + 1) * width);
        const TimePoint *lo = nullptr;
        const TimePoint *hi = nullptr;
        qsizetype loIndex = 0, hiIndex = 0;
        for (; i < end && p->t < bucketEnd; ++i) {
            if (!lo || p->v < lo->v) {
                lo = p;
                loIndex = i;
            }
            if (!hi || p->v > hi->v) {
                hi = p;
                hiIndex = i;
            }
            if (++p == wrap)
                p = base;
        }
        if (!lo)
            continue;
        if (loIndex <= hiIndex) {
            out.append(*lo);
            if (lo != hi)
                out.append(*hi);
        } else {
            out.append(*hi);
            out.append(*lo);
        }
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

} // namespace idem::models
