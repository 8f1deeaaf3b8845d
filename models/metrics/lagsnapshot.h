#pragma once

// One poll of a cluster's consumer positions: for every flow, group, topic
// and partition, where the group has committed and where the partition's log
// begins and ends; for every flow's group, what the cluster says about its
// members. Immutable once made; crosses threads by value.

#include "models/health/connectionhealth.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace idem::models {

struct PartitionLag
{
    QString flow;
    QString group;
    QString topic;
    int partition = 0;
    qint64 committed = -1; // -1: the group has committed nothing here
    qint64 low = -1;
    qint64 high = -1;
    // How old the next record the group will read is: now minus the
    // timestamp of the record at the committed offset. 0 without lag; -1
    // when that record could not be read.
    qint64 lagMs = -1;

    // Messages the group has still to process. With no commit, everything
    // retained counts; a commit below the low watermark counts from there.
    qint64 lag() const;
};

// Where a flow's topic stands: its watermarks, whoever consumes it.
struct TopicPartitionMarks
{
    enum class Role { Source, Retry, DeadLetter };

    QString flow;
    QString topic;
    Role role = Role::Source;
    int partition = 0;
    qint64 low = -1;
    qint64 high = -1;
};

// A consumer group of a flow: named in the flow's config or discovered by
// its members' assignments, with its membership as the cluster describes it
// (unknown where the cluster does not answer ListConsumerGroups and
// DescribeConsumerGroups).
struct FlowGroup
{
    QString flow;
    QString group;
    bool discovered = false;    // not named by the flow: its members are assigned the flow's topics
    QStringList topics;         // the flow's topics shown at every partition for this group; its
                                // other topics only where it has committed
    std::optional<int> members; // unset: unknown
    QString state;              // "Stable", "Empty", "Dead", "PreparingRebalance", …; empty: unknown
    QList<QPair<QString, int>> assigned; // the flow's topic partitions its members are assigned

    // False when the group is known to have no members (nothing consumes for
    // it), unset when unknown.
    std::optional<bool> hasMembers() const;
};

struct LagSnapshot
{
    QString cluster;
    QDateTime takenAt;
    qint64 pollMs = 0;          // how long the poll took
    QList<PartitionLag> partitions;
    QList<TopicPartitionMarks> topics; // every partition of every topic of the flows
    ConnectionHealth health;
    QStringList problems;       // partial failures: "group billing: coordinator not available"
    QList<FlowGroup> groups;    // every flow's groups, configured ones first, with membership
    QStringList notes;          // worth knowing, not a fault: "group discovery not answered …"
};

// Sum of lag per (flow, group), in first-seen order.
struct GroupLag
{
    QString flow;
    QString group;
    qint64 lag = 0;
    int partitions = 0;
};
QList<GroupLag> groupTotals(const QList<PartitionLag> &partitions);

// How far behind in time a group of a flow is, in milliseconds: the oldest
// record any of its partitions still has to read (PartitionLag::lagMs).
// This is the group's `lag_seconds` wherever it is shown (the console's
// charts and thresholds, `idemctl lag`), and it follows the flow's source
// topics only: a retry topic's consumer holds its messages back on purpose
// until they are due, so their age says nothing about falling behind (the
// same rule as the group's lag status). The retry topics' own age is
// reported apart, as `retryMs` (`retry_lag_seconds`). -1 where no partition
// of that kind has a known age (none, or none could be read).
struct GroupLagAge
{
    qint64 sourceMs = -1;
    qint64 retryMs = -1;
};
QHash<QPair<QString, QString>, GroupLagAge> groupLagAges(const LagSnapshot &snapshot); // by (flow, group)

// A partition's share of its group's lag, 0..1; unset when the group has no lag.
std::optional<double> lagShare(qint64 partitionLag, qint64 groupLag);

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::LagSnapshot)
