#pragma once

// What `idemctl lag` reports: per flow, group and partition, the committed
// offset, watermarks, lag in messages and seconds, Burrow status and the
// group's membership. Built once from the polls; the JSON and the text
// output are both rendered from it, so they cannot disagree.

#include "models/metrics/flowmetrics.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace idem::models {

struct PartitionLagRow
{
    QString topic;
    int partition = 0;
    qint64 committed = -1; // -1: nothing committed
    qint64 low = -1;
    qint64 high = -1;
    qint64 lag = 0;
    std::optional<double> lagShare;   // of the group's lag, 0..1
    std::optional<double> lagSeconds; // unset: unknown
    LagStatus status = LagStatus::NotEnoughData;
};

struct GroupLagRow
{
    QString group;
    qint64 lag = 0;
    std::optional<double> lagSeconds;      // its source topics (groupLagAges), as the console charts it
    std::optional<double> retryLagSeconds; // its retry topics, which hold messages back on purpose
    LagStatus status = LagStatus::NotEnoughData;
    std::optional<int> members;
    QString state;
    bool discovered = false;
    QList<PartitionLagRow> partitions;

    // "2 members, Stable, discovered", "members unknown".
    QString membership() const;
};

struct FlowLagRow
{
    QString flow;
    QString cluster;
    QList<GroupLagRow> groups;
    QStringList notes; // the cluster's poll notes
};

struct LagReport
{
    QList<FlowLagRow> flows;
    QList<QPair<QString, QString>> clusterNotes; // (cluster, note)
    QList<QPair<QString, QString>> unreachable;  // (cluster, reason)
};

// The report of the last poll of each cluster, with statuses from `figures`
// (the tracker that saw every poll).
LagReport buildLagReport(const QList<LagSnapshot> &snapshots, const MetricsTracker::Figures &figures);

// idemctl lag --json: compact JSON, written directly.
QByteArray toJsonBytes(const LagReport &report);
QJsonObject toJson(const LagReport &report);
QString toText(const LagReport &report);

} // namespace idem::models
