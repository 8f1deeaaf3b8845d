#pragma once

// The live health figures of each flow, from the lag snapshots of the last
// window (default five minutes):
//   lag            messages the flow's groups still have to process
//   retry share    messages entering the retry topics ÷ (source + retry)
//   error rate     messages entering the dead-letter topic per minute, and
//                  as a share of the source traffic
//   dead letters   messages retained in the dead-letter topic
// plus Burrow's lag status per partition, group and flow (a group's status
// follows its source topics; retry topics wait by design; a group the newest
// snapshot knows to have no members is STOPPED, not STALLED, where its
// commits stand still). Figures that need two snapshots are unknown (-1)
// until there are two.

#include "models/metrics/lagsnapshot.h"
#include "models/metrics/lagstatus.h"

#include <QHash>

#include <chrono>
#include <deque>

namespace idem::models {

struct PartitionStatus
{
    PartitionLag partition;
    LagStatus status = LagStatus::NotEnoughData;
};

struct GroupFigures
{
    QString flow;
    QString group;
    qint64 lag = 0;
    LagStatus status = LagStatus::NotEnoughData;
    // From the newest snapshot's FlowGroup: unset/empty where unknown.
    std::optional<int> members;
    QString state;
    bool discovered = false;
};

struct FlowFigures
{
    QString flow;
    qint64 lag = 0;
    double retryShare = -1;       // 0..1
    double errorsPerMinute = -1;
    double errorShare = -1;       // 0..1 of source traffic
    qint64 deadLetters = -1;      // retained in the dead-letter topic; -1 without one
    qint64 sourceMessages = -1;   // entered the source topics within the window
    LagStatus status = LagStatus::NotEnoughData;
    QString worstGroup;           // the group with the worst status, then the most lag
    qint64 windowMs = 0;          // the time the figures span

    bool operator==(const FlowFigures &) const = default;
};

class MetricsTracker
{
public:
    explicit MetricsTracker(std::chrono::milliseconds window = std::chrono::minutes(5));

    void add(const LagSnapshot &snapshot);

    // Everything at once, each level computed from the one below: what a
    // caller that shows several levels should use.
    struct Figures
    {
        QList<PartitionStatus> partitions;
        QList<GroupFigures> groups;
        QList<FlowFigures> flows;
    };
    Figures figures() const;

    QList<FlowFigures> flows() const { return figures().flows; }
    QList<GroupFigures> groups() const { return groupsOf(partitions()); }
    QList<PartitionStatus> partitions() const;

private:
    QList<GroupFigures> groupsOf(const QList<PartitionStatus> &partitions) const;
    QList<FlowFigures> flowsOf(const QList<GroupFigures> &groups) const;

    // What a cluster's polls within the window leave: the newest snapshot
    // whole, and per partition only the few numbers the figures need, kept
    // up to date poll by poll (a poll costs what it brings, not the window).
    struct ClusterHistory
    {
        std::deque<qint64> times; // of the polls within the window, oldest first
        LagSnapshot last;
        // Per group and partition: (flow, group, topic, partition) as one key.
        QHash<QString, QList<OffsetSample>> samples;
        // Per topic partition (flow, topic, partition): (time, high watermark).
        QHash<QString, std::deque<std::pair<qint64, qint64>>> highs;
    };

    std::chrono::milliseconds m_window;
    QMap<QString, ClusterHistory> m_history; // per cluster
};

} // namespace idem::models
