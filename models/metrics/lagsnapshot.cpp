#include "models/metrics/lagsnapshot.h"

#include <QHash>
#include <QSet>

#include <algorithm>

namespace idem::models {

qint64 PartitionLag::lag() const
{
    if (high < 0)
        return 0;
    const qint64 from = committed < 0 ? std::max<qint64>(low, 0) : std::max(committed, low);
    return std::max<qint64>(0, high - from);
}

std::optional<bool> FlowGroup::hasMembers() const
{
    if (!members)
        return std::nullopt;
    return *members > 0;
}

std::optional<double> lagShare(qint64 partitionLag, qint64 groupLag)
{
    if (groupLag <= 0)
        return std::nullopt;
    return double(partitionLag) / double(groupLag);
}

QHash<QPair<QString, QString>, GroupLagAge> groupLagAges(const LagSnapshot &snapshot)
{
    QSet<QPair<QString, QString>> retryTopics; // (flow, topic)
    for (const TopicPartitionMarks &m : snapshot.topics) {
        if (m.role == TopicPartitionMarks::Role::Retry)
            retryTopics.insert({m.flow, m.topic});
    }
    QHash<QPair<QString, QString>, GroupLagAge> out;
    for (const PartitionLag &p : snapshot.partitions) {
        GroupLagAge &age = out[{p.flow, p.group}];
        qint64 &ms = retryTopics.contains({p.flow, p.topic}) ? age.retryMs : age.sourceMs;
        ms = std::max(ms, p.lagMs);
    }
    return out;
}

QList<GroupLag> groupTotals(const QList<PartitionLag> &partitions)
{
    QList<GroupLag> totals;
    QHash<QPair<QString, QString>, qsizetype> index;
    for (const auto &p : partitions) {
        const QPair<QString, QString> key{p.flow, p.group};
        auto it = index.find(key);
        if (it == index.end()) {
            it = index.insert(key, totals.size());
            totals.append({p.flow, p.group, 0, 0});
        }
        totals[*it].lag += p.lag();
        totals[*it].partitions += 1;
    }
    return totals;
}

} // namespace idem::models
