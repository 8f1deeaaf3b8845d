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

    // Messages the group has still to process. With no commit, everything
    // retained counts; a commit below the low watermark counts from there.
    qint64 lag() const;
};

struct LagSnapshot
{
    QString cluster;
    QDateTime takenAt;
    qint64 pollMs = 0;          // how long the poll took
    QList<PartitionLag> partitions;
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
