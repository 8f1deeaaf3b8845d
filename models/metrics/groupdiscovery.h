#pragma once

// Which consumer groups a flow has, and what is known of their members: the
// groups the flow's config names, plus the groups the cluster lists whose
// members are assigned any of the flow's source or retry topics
// ("discovered"). Pure: the lag reader asks the cluster
// (ListConsumerGroups, DescribeConsumerGroups) and hands the answers here.
//
// Rules:
// - Where the cluster did not answer, the flow has its configured groups
//   (and the groups discovered in earlier polls), membership unknown.
// - A configured group the cluster described takes its member count and
//   state; one missing from a complete listing has no members (state "Dead",
//   as DescribeGroups names a group it does not know); one that could not be
//   described from a partial listing stays unknown.
// - A group that commits without joining (a "simple" group: no protocol
//   type) has no members by construction, which says nothing about whether it
//   consumes: its membership stays unknown.
// - A discovered group stays with the flow after its members leave (that is
//   when it matters: it stopped), until the cluster no longer lists it or
//   its members, Stable again, are assigned none of the flow's topics.
//
// Known limit: a group that assigns partitions itself (no group membership)
// is found only when the flow names it.

#include "models/config/config.h"
#include "models/metrics/lagsnapshot.h"

#include <QHash>
#include <QMap>
#include <QSet>

namespace idem::models {

// One group as DescribeConsumerGroups described it.
struct DescribedGroup
{
    QString group;
    QString state;       // as the broker names it: "Stable", "Empty", "Dead", …
    int members = 0;
    bool simple = false; // commits offsets without joining the group
    QList<QPair<QString, int>> assigned; // topic partitions assigned to its members
};

// What one attempt at discovery brought back.
struct GroupListing
{
    bool answered = false; // false: refused, failed or timed out
    bool complete = false; // every broker listed its groups: a group not listed does not exist
    QSet<QString> listed;
    QHash<QString, DescribedGroup> described; // the groups described without error
};

// Groups discovered in earlier polls: flow -> group -> the flow's topics its
// members were assigned.
using RememberedGroups = QMap<QString, QMap<QString, QStringList>>;

// Every flow's groups, in flow order: its configured groups in config order,
// then the discovered ones by name.
QList<FlowGroup> mergeGroups(const QList<FlowConfig> &flows, const GroupListing &listing,
                             const RememberedGroups &remembered = {});

// The discovered groups of `groups`, to pass as `remembered` next time.
RememberedGroups rememberDiscovered(const QList<FlowGroup> &groups);

} // namespace idem::models
