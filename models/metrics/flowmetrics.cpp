#include "models/metrics/flowmetrics.h"

#include <QHash>
#include <QSet>

namespace idem::models {

namespace {

using PartitionKey = std::tuple<QString, QString, QString, int>; // flow, group, topic, partition

PartitionKey keyOf(const PartitionLag &p)
{
    return {p.flow, p.group, p.topic, p.partition};
}

// The newest snapshot's groups by (flow, group).
QHash<QPair<QString, QString>, const FlowGroup *> groupsByName(const LagSnapshot &snapshot)
{
    QHash<QPair<QString, QString>, const FlowGroup *> out;
    for (const FlowGroup &g : snapshot.groups)
        out.insert({g.flow, g.group}, &g);
    return out;
}

} // namespace

MetricsTracker::MetricsTracker(std::chrono::milliseconds window)
    : m_window(window)
{}

void MetricsTracker::add(const LagSnapshot &snapshot)
{
    if (!snapshot.takenAt.isValid() || snapshot.health.state == HealthState::Down)
        return; // a poll that read nothing says nothing about movement
    auto &history = m_history[snapshot.cluster];
    history.push_back(snapshot);
    const qint64 newest = snapshot.takenAt.toMSecsSinceEpoch();
    while (history.size() > 2 && newest - history.front().takenAt.toMSecsSinceEpoch() > m_window.count())
        history.pop_front();
}

QList<PartitionStatus> MetricsTracker::partitions() const
{
    QList<PartitionStatus> out;
    for (const auto &history : m_history) {
        if (history.empty())
            continue;
        QMap<PartitionKey, QList<OffsetSample>> samples;
        for (const LagSnapshot &s : history) {
            for (const PartitionLag &p : s.partitions)
                samples[keyOf(p)].append({s.takenAt.toMSecsSinceEpoch(), p.committed, p.high, p.lag()});
        }
        // Membership now: a group that has none and commits nothing is stopped.
        const auto groups = groupsByName(history.back());
        for (const PartitionLag &p : history.back().partitions) {
            const FlowGroup *g = groups.value({p.flow, p.group});
            out.append({p, evaluateLagStatus(samples.value(keyOf(p)), g ? g->hasMembers() : std::nullopt)});
        }
    }
    return out;
}

MetricsTracker::Figures MetricsTracker::figures() const
{
    Figures f;
    f.partitions = partitions();
    f.groups = groupsOf(f.partitions);
    f.flows = flowsOf(f.groups);
    return f;
}

QList<GroupFigures> MetricsTracker::groupsOf(const QList<PartitionStatus> &partitions) const
{
    // A retry topic's consumer waits by design until its head message is
    // due, so its partitions are shown with their own status but do not set
    // the group's: that follows the source topics.
    QSet<QPair<QString, QString>> retryTopics;
    QHash<QPair<QString, QString>, FlowGroup> members;
    for (const auto &history : m_history) {
        if (history.empty())
            continue;
        for (const auto &m : history.back().topics) {
            if (m.role == TopicPartitionMarks::Role::Retry)
                retryTopics.insert({m.flow, m.topic});
        }
        for (const FlowGroup &g : history.back().groups)
            members.insert({g.flow, g.group}, g);
    }
    QList<GroupFigures> out;
    QHash<QPair<QString, QString>, qsizetype> index;
    for (const PartitionStatus &p : partitions) {
        const QPair<QString, QString> key{p.partition.flow, p.partition.group};
        auto it = index.find(key);
        if (it == index.end()) {
            it = index.insert(key, out.size());
            GroupFigures g;
            g.flow = p.partition.flow;
            g.group = p.partition.group;
            if (const auto m = members.constFind(key); m != members.cend()) {
                g.members = m->members;
                g.state = m->state;
                g.discovered = m->discovered;
            }
            out.append(g);
        }
        GroupFigures &g = out[*it];
        g.lag += p.partition.lag();
        if (!retryTopics.contains({p.partition.flow, p.partition.topic}))
            g.status = worstStatus({g.status, p.status});
    }
    return out;
}

QList<FlowFigures> MetricsTracker::flowsOf(const QList<GroupFigures> &groupFigures) const
{
    QList<FlowFigures> out;
    for (const auto &history : m_history) {
        if (history.empty())
            continue;
        const LagSnapshot &first = history.front();
        const LagSnapshot &last = history.back();
        QMap<QString, FlowFigures> figures;
        QMap<QString, std::array<qint64, 3>> entered; // per role
        QMap<std::tuple<QString, QString, int>, qint64> firstHigh;
        for (const auto &m : first.topics)
            firstHigh.insert({m.flow, m.topic, m.partition}, m.high);
        const bool span = &first != &last;
        for (const auto &m : last.topics) {
            FlowFigures &f = figures[m.flow];
            f.flow = m.flow;
            auto &counts = entered[m.flow];
            if (m.role == TopicPartitionMarks::Role::DeadLetter && m.high >= 0)
                f.deadLetters = std::max<qint64>(f.deadLetters, 0) + (m.high - std::max<qint64>(m.low, 0));
            const auto before = firstHigh.constFind({m.flow, m.topic, m.partition});
            if (span && before != firstHigh.cend() && *before >= 0 && m.high >= *before)
                counts[int(m.role)] += m.high - *before;
        }
        const qint64 windowMs = last.takenAt.toMSecsSinceEpoch() - first.takenAt.toMSecsSinceEpoch();
        for (auto it = figures.begin(); it != figures.end(); ++it) {
            FlowFigures &f = it.value();
            f.windowMs = windowMs;
            if (span && windowMs > 0) {
                const auto &c = entered[f.flow];
                const qint64 source = c[int(TopicPartitionMarks::Role::Source)];
                const qint64 retry = c[int(TopicPartitionMarks::Role::Retry)];
                const qint64 dead = c[int(TopicPartitionMarks::Role::DeadLetter)];
                f.sourceMessages = source;
                f.retryShare = source + retry > 0 ? double(retry) / double(source + retry) : 0.0;
                f.errorsPerMinute = double(dead) * 60000.0 / double(windowMs);
                f.errorShare = source > 0 ? double(dead) / double(source) : 0.0;
            }
            const GroupFigures *worst = nullptr;
            for (const GroupFigures &g : groupFigures) {
                if (g.flow != f.flow)
                    continue;
                f.lag += g.lag;
                f.status = worstStatus({f.status, g.status});
                if (!worst || lagStatusSeverity(g.status) > lagStatusSeverity(worst->status)
                    || (g.status == worst->status && g.lag > worst->lag))
                    worst = &g;
            }
            if (worst)
                f.worstGroup = worst->group;
            out.append(f);
        }
    }
    return out;
}

} // namespace idem::models
