#include "models/deadletters/deadletterscan.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>

namespace idem::models {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("DeadLetters", text);
}

QString number(qint64 n)
{
    QLocale c(QLocale::C);
    c.setNumberOptions(QLocale::DefaultNumberOptions);
    return c.toString(n).replace(QLatin1Char(','), QChar(0x2009)); // thin space: 1 000 000
}

} // namespace

qint64 DeadLetterLayout::total() const
{
    qint64 n = 0;
    for (const PartitionSpan &p : partitions)
        n += p.size();
    return n;
}

DeadLetterOrder::DeadLetterOrder(const QString &topic, QList<PartitionSpan> partitions)
    : m_topic(topic)
    , m_partitions(std::move(partitions))
{
    std::sort(m_partitions.begin(), m_partitions.end(),
              [](const PartitionSpan &a, const PartitionSpan &b) { return a.partition < b.partition; });
    for (const PartitionSpan &p : std::as_const(m_partitions)) {
        m_sizes << p.size();
        m_total += p.size();
    }
    std::sort(m_sizes.begin(), m_sizes.end());
}

qint64 DeadLetterOrder::countBelow(qint64 rank) const
{
    qint64 n = 0;
    for (qint64 s : m_sizes)
        n += std::min(s, rank);
    return n;
}

DeadLetterRef DeadLetterOrder::at(qint64 row) const
{
    if (row < 0 || row >= m_total)
        return {};
    // The largest rank k with countBelow(k) <= row.
    qint64 lo = 0;
    qint64 hi = m_sizes.isEmpty() ? 0 : m_sizes.last();
    while (lo < hi) {
        const qint64 mid = lo + (hi - lo + 1) / 2;
        if (countBelow(mid) <= row)
            lo = mid;
        else
            hi = mid - 1;
    }
    qint64 j = row - countBelow(lo);
    for (const PartitionSpan &p : m_partitions) {
        if (p.size() <= lo)
            continue;
        if (j == 0)
            return {m_topic, p.partition, p.high - 1 - lo};
        --j;
    }
    return {};
}

QList<DeadLetterRef> DeadLetterOrder::refs(qint64 first, qint64 count) const
{
    QList<DeadLetterRef> out;
    if (first < 0 || first >= m_total || count <= 0)
        return out;
    const qint64 end = std::min(m_total, first + count);
    out.reserve(end - first);
    // Walk from the first row's rank, turn by turn.
    DeadLetterRef r = at(first);
    qint64 rank = 0;
    int index = 0;
    for (int i = 0; i < m_partitions.size(); ++i) {
        if (m_partitions[i].partition == r.partition) {
            index = i;
            rank = m_partitions[i].high - 1 - r.offset;
        }
    }
    for (qint64 row = first; row < end;) {
        for (; index < m_partitions.size() && row < end; ++index) {
            const PartitionSpan &p = m_partitions[index];
            if (p.size() <= rank)
                continue;
            out.append({m_topic, p.partition, p.high - 1 - rank});
            ++row;
        }
        index = 0;
        ++rank;
    }
    return out;
}

bool DeadLetterScan::complete() const
{
    if (!error.isEmpty() || cancelled)
        return false;
    return std::all_of(ranges.begin(), ranges.end(), [](const ScanRange &r) { return r.complete(); });
}

QStringList DeadLetterScan::gaps() const
{
    // Adjacent partitions with the same kind of gap at the same offset are joined.
    struct Gap
    {
        int first;
        int last;
        QString what;
    };
    QList<Gap> gaps;
    auto add = [&](int partition, const QString &what) {
        if (!gaps.isEmpty() && gaps.last().what == what && gaps.last().last + 1 == partition)
            gaps.last().last = partition;
        else
            gaps.append({partition, partition, what});
    };
    for (const ScanRange &r : ranges) {
        if (r.readFrom > r.from)
            add(r.partition, tr("before offset %1 past retention").arg(r.readFrom));
        if (r.readTo < r.to)
            add(r.partition, tr("not read from offset %1: %2").arg(r.readTo).arg(r.notRead));
    }
    QStringList out;
    for (const Gap &g : gaps) {
        const QString which = g.first == g.last ? tr("partition %1").arg(g.first)
                                                : tr("partitions %1–%2").arg(g.first).arg(g.last);
        out << which + QLatin1Char(' ') + g.what;
    }
    return out;
}

QString DeadLetterScan::summary() const
{
    if (!error.isEmpty())
        return tr("not read: %1").arg(error);
    QString text = filter.isEmpty() ? tr("%1 read").arg(number(read))
                                    : tr("matched %1 of %2 read").arg(number(matched), number(read));
    if (!filter.isEmpty() && matched > matches.size())
        text += tr(" (the first %1 kept)").arg(number(matches.size()));
    const QStringList missing = gaps();
    if (missing.isEmpty() && !cancelled)
        return text + tr("; every retained dead letter read (%1)").arg(number(total));
    if (cancelled)
        text += tr("; cancelled");
    return text + QStringLiteral("; ") + missing.join(QStringLiteral("; "));
}

} // namespace idem::models
