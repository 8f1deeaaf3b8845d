#pragma once

// Lag status of a consumer, by Burrow's rules, from the committed offsets
// and high watermarks seen over a window. No thresholds: only how lag and
// offsets move.
//
//   OK        lag reached zero within the window
//   WARNING   lag never decreased while the group committed
//   REWOUND   the committed offset went backwards
//   STALLED   the committed offset did not move while lag stayed above zero
//   STOPPED   nothing was committed within the window (no commit at all, or
//             the group has no members; see below)
//
// Known limit: the commit protocol does not say when an offset was
// committed, so a group that keeps committing the same offset and one that
// stopped committing look alike. They are told apart by membership where
// the cluster answers ListConsumerGroups and DescribeConsumerGroups (see
// groupdiscovery.h): known to have no members, STOPPED; with members or
// unknown, STALLED. A group takes the status of its worst partition.

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace idem::models {

enum class LagStatus { NotEnoughData, Ok, Warning, Rewound, Stalled, Stopped };

QString lagStatusName(LagStatus status); // "OK", "WARNING", … ; "UNKNOWN" for not enough data
int lagStatusSeverity(LagStatus status); // higher is worse

struct OffsetSample
{
    qint64 atMs = 0;
    qint64 committed = -1; // -1: nothing committed
    qint64 high = -1;
    qint64 lag = 0;
};

// `samples` are oldest first and all within the window. `hasMembers` is
// false when the group is known to have no members, unset when unknown.
LagStatus evaluateLagStatus(const QList<OffsetSample> &samples, std::optional<bool> hasMembers = std::nullopt);

// The worst of several statuses.
LagStatus worstStatus(const QList<LagStatus> &statuses);

} // namespace idem::models
