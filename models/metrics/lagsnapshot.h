#pragma once

// One poll of a cluster's consumer positions: for every flow, group, topic
// and partition, where the group has committed and where the partition's log
// begins and ends. Immutable once made; crosses threads by value.

#include "models/health/connectionhealth.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

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

struct LagSnapshot
{
    QString cluster;
    QDateTime takenAt;
    qint64 pollMs = 0;          // how long the poll took
    QList<PartitionLag> partitions;
    QList<TopicPartitionMarks> topics; // every partition of every topic of the flows
    ConnectionHealth health;
    QStringList problems;       // partial failures: "group billing: coordinator not available"
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

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::LagSnapshot)
