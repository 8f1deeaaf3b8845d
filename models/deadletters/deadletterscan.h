#pragma once

// Values describing a dead-letter topic as a list: its partitions' retained
// offsets, the order rows are shown in without reading them, and the result
// of a filter run over the whole retained topic.

#include "models/deadletters/deadletterrow.h"
#include "models/envelope/deadletterdigest.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace idem::models {

// The retained offsets [low, high) of one partition of the dead-letter topic.
struct PartitionSpan
{
    int partition = 0;
    qint64 low = 0;
    qint64 high = 0;

    qint64 size() const { return std::max<qint64>(0, high - low); }
    bool operator==(const PartitionSpan &) const = default;
};

// The dead-letter topic of a flow as the page opens it.
struct DeadLetterLayout
{
    QString flow;
    QString topic;
    QList<PartitionSpan> partitions; // by partition
    QString error; // non-empty: the topic could not be read

    qint64 total() const;
    bool operator==(const DeadLetterLayout &) const = default;
};

// Newest first without reading: row r is the k-th newest record of some
// partition, the partitions taking turns (k = 0 from every partition, then
// k = 1, …; a partition with fewer records drops out). For partitions that
// fill at similar rates this is dead-lettered time order to within a turn;
// a page of consecutive rows is one contiguous offset run per partition, so
// one read fetches it. Known limit: partitions filled at very different
// rates interleave by rank, not by time.
class DeadLetterOrder
{
public:
    DeadLetterOrder() = default;
    explicit DeadLetterOrder(const QString &topic, QList<PartitionSpan> partitions);

    qint64 size() const { return m_total; }
    DeadLetterRef at(qint64 row) const;
    // Rows [first, first + count), in row order.
    QList<DeadLetterRef> refs(qint64 first, qint64 count) const;

private:
    qint64 countBelow(qint64 rank) const; // rows of rank < rank
    QString m_topic;
    QList<PartitionSpan> m_partitions;
    QList<qint64> m_sizes; // sorted ascending
    qint64 m_total = 0;
};

// A dead letter a filter matched: enough to fetch and order it.
struct ScanMatch
{
    int partition = 0;
    qint64 offset = 0;
    qint64 timestampMs = -1;

    bool operator==(const ScanMatch &) const = default;
};

// What a filter run read of one partition: [from, readFrom) was past
// retention, [readFrom, readTo) read, [readTo, to) not read (`notRead` says why).
struct ScanRange
{
    int partition = 0;
    qint64 from = 0;
    qint64 to = 0;
    qint64 readFrom = 0;
    qint64 readTo = 0;
    QString notRead;

    bool complete() const { return readFrom <= from && readTo >= to; }
    bool operator==(const ScanRange &) const = default;
};

struct DeadLetterScan
{
    QString flow;
    QString topic;
    DeadLetterFilter filter;
    qint64 read = 0; // dead letters read
    qint64 total = 0; // retained when the run started
    QList<ScanMatch> matches; // newest first by dead-lettered time, then partition and offset
    qint64 matched = 0; // may exceed matches.size() when capped
    DeadLetterDigest failures; // runs without a filter: the failure groups of every dead letter read
    QList<ScanRange> ranges; // one per partition
    bool cancelled = false;
    QString error; // the run as a whole failed

    // Matches kept; beyond it they are counted only.
    static constexpr qsizetype MaxMatches = 2'000'000;

    bool complete() const;
    // "matched 312 of 1 000 000 read; all 1 000 000 retained read" or
    // "…; partitions 3–5 not read from offset 9000: cancelled", one clause per
    // kind of gap, adjacent partitions with the same gap joined.
    QString summary() const;
    // The gaps alone, one line each; empty when complete.
    QStringList gaps() const;
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::DeadLetterLayout)
Q_DECLARE_METATYPE(idem::models::DeadLetterScan)
