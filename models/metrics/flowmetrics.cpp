#include "models/metrics/flowmetrics.h"

#include <QHash>
#include <QSet>

namespace idem::models {

namespace {

QString keyOf(const PartitionLag &p)
{
    return p.flow + QChar(0x1f) + p.group + QChar(0x1f) + p.topic + QChar(0x1f) + QString::number(p.partition);
}

QString keyOf(const TopicPartitionMarks &m)
{
    return m.flow + QChar(0x1f) + m.topic + QChar(0x1f) + QString::number(m.partition);
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
    ClusterHistory &h = m_history[snapshot.cluster];
    const qint64 newest = snapshot.takenAt.toMSecsSinceEpoch();
    h.times.push_back(newest);
    for (const PartitionLag &p : snapshot.partitions)
        h.samples[keyOf(p)].append({newest, p.committed, p.high, p.lag()});
    for (const TopicPartitionMarks &m : snapshot.topics)
        h.highs[keyOf(m)].push_back({newest, m.high});
    h.last = snapshot;
    // The window: at least the last two polls, else those within it.
    while (h.times.size() > 2 && newest - h.times.front() > m_window.count())
        h.times.pop_front();
    const qint64 oldest = h.times.front();
    for (auto it = h.samples.begin(); it != h.samples.end();) {
        while (!it->isEmpty() && it->first().atMs < oldest)
            it->removeFirst();
        it = it->isEmpty() ? h.samples.erase(it) : std::next(it);
    }
    for (auto it = h.highs.begin(); it != h.highs.end();) {
        while (!it->empty() && it->front().first < oldest)
            it->pop_front();
        it = it->empty() ? h.highs.erase(it) : std::next(it);
    }
}

QList<PartitionStatus> MetricsTracker::partitions() const
{
    QList<PartitionStatus> out;
    for (const ClusterHistory &h : m_history) {
        if (h.times.empty())
            continue;
        // Membership now: a group that has none and commits nothing is stopped.
        const auto groups = groupsByName(h.last);
        for (const PartitionLag &p : h.last.partitions) {
            const FlowGroup *g = groups.value({p.flow, p.group});
            out.append({p, evaluateLagStatus(h.samples.value(keyOf(p)), g ? g->hasMembers() : std::nullopt)});
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
    for (const ClusterHistory &h : m_history) {
        if (h.times.empty())
            continue;
        for (const auto &m : h.last.topics) {
            if (m.role == TopicPartitionMarks::Role::Retry)
                retryTopics.insert({m.flow, m.topic});
        }
        for (const FlowGroup &g : h.last.groups)
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
    QHash<QString, QList<const GroupFigures *>> groupsOfFlow;
    for (const GroupFigures &g : groupFigures)
        groupsOfFlow[g.flow].append(&g);
    QList<FlowFigures> out;
    for (const ClusterHistory &h : m_history) {
        if (h.times.empty())
            continue;
        const LagSnapshot &last = h.last;
        const qint64 firstMs = h.times.front();
        QMap<QString, FlowFigures> figures;
        QHash<QString, std::array<qint64, 3>> entered; // per role
        const bool span = h.times.size() > 1;
        for (const auto &m : last.topics) {
            FlowFigures &f = figures[m.flow];
            f.flow = m.flow;
            auto &counts = entered[m.flow];
            if (m.role == TopicPartitionMarks::Role::DeadLetter && m.high >= 0)
                f.deadLetters = std::max<qint64>(f.deadLetters, 0) + (m.high - std::max<qint64>(m.low, 0));
            // The high watermark at the window's first poll, where that poll read it.
            const auto highs = h.highs.constFind(keyOf(m));
            if (!span || highs == h.highs.cend() || highs->empty() || highs->front().first != firstMs)
                continue;
            const qint64 before = highs->front().second;
            if (before >= 0 && m.high >= before)
                counts[int(m.role)] += m.high - before;
        }
        const qint64 windowMs = last.takenAt.toMSecsSinceEpoch() - firstMs;
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
            for (const GroupFigures *g : groupsOfFlow.value(f.flow)) {
                f.lag += g->lag;
                f.status = worstStatus({f.status, g->status});
                if (!worst || lagStatusSeverity(g->status) > lagStatusSeverity(worst->status)
                    || (g->status == worst->status && g->lag > worst->lag))
                    worst = g;
            }
            if (worst)
                f.worstGroup = worst->group;
            out.append(f);
        }
    }
    return out;
}

} // namespace idem::models
