#include "models/metrics/groupdiscovery.h"

#include <algorithm>

namespace idem::models {

namespace {

// `topics` in the order the flow names them (source topics, then retry topics).
QStringList inFlowOrder(const FlowConfig &flow, const QSet<QString> &topics)
{
    QStringList out;
    for (const QString &t : flow.topics + flow.retryTopics) {
        if (topics.contains(t) && !out.contains(t))
            out << t;
    }
    return out;
}

// The partitions of `d` that belong to the flow's source and retry topics.
QList<QPair<QString, int>> flowAssignment(const FlowConfig &flow, const DescribedGroup &d)
{
    const QStringList topics = flow.topics + flow.retryTopics;
    QList<QPair<QString, int>> out;
    for (const auto &tp : d.assigned) {
        if (topics.contains(tp.first))
            out << tp;
    }
    std::sort(out.begin(), out.end());
    return out;
}

void describeInto(FlowGroup &g, const DescribedGroup &d, const FlowConfig &flow)
{
    g.state = d.state;
    g.members = d.simple ? std::nullopt : std::optional<int>(d.members);
    g.assigned = flowAssignment(flow, d);
}

QSet<QString> topicsOf(const QList<QPair<QString, int>> &assigned)
{
    QSet<QString> out;
    for (const auto &tp : assigned)
        out.insert(tp.first);
    return out;
}

} // namespace

QList<FlowGroup> mergeGroups(const QList<FlowConfig> &flows, const GroupListing &listing,
                             const RememberedGroups &remembered)
{
    QList<FlowGroup> out;
    for (const FlowConfig &flow : flows) {
        QSet<QString> seen;
        for (const ConsumerGroupConfig &configured : flow.groups) {
            if (seen.contains(configured.name))
                continue;
            seen.insert(configured.name);
            FlowGroup g;
            g.flow = flow.name;
            g.group = configured.name;
            QSet<QString> topics(flow.topics.cbegin(), flow.topics.cend());
            if (listing.answered) {
                if (const auto d = listing.described.constFind(g.group); d != listing.described.cend()) {
                    describeInto(g, *d, flow);
                    topics.unite(topicsOf(g.assigned));
                } else if (listing.complete && !listing.listed.contains(g.group)) {
                    g.members = 0;
                    g.state = QStringLiteral("Dead");
                }
            }
            g.topics = inFlowOrder(flow, topics);
            out << g;
        }

        // Groups the cluster describes as assigned this flow's topics, by name.
        QList<FlowGroup> discovered;
        if (listing.answered) {
            QStringList names = listing.described.keys();
            std::sort(names.begin(), names.end());
            for (const QString &name : names) {
                if (seen.contains(name))
                    continue;
                FlowGroup g;
                g.flow = flow.name;
                g.group = name;
                g.discovered = true;
                describeInto(g, listing.described[name], flow);
                if (g.assigned.isEmpty())
                    continue;
                QSet<QString> topics = topicsOf(g.assigned);
                const QStringList before = remembered.value(flow.name).value(name);
                topics.unite(QSet<QString>(before.cbegin(), before.cend()));
                g.topics = inFlowOrder(flow, topics);
                seen.insert(name);
                discovered << g;
            }
        }

        // Groups discovered before that are not assigned the flow's topics now.
        const QMap<QString, QStringList> before = remembered.value(flow.name);
        for (auto it = before.cbegin(); it != before.cend(); ++it) {
            if (seen.contains(it.key()))
                continue;
            FlowGroup g;
            g.flow = flow.name;
            g.group = it.key();
            g.discovered = true;
            g.topics = inFlowOrder(flow, QSet<QString>(it->cbegin(), it->cend()));
            if (listing.answered) {
                if (const auto d = listing.described.constFind(g.group); d != listing.described.cend()) {
                    // Members that are assigned other topics: it consumes something else now.
                    if (!d->simple && d->members > 0 && d->state == QLatin1String("Stable"))
                        continue;
                    describeInto(g, *d, flow);
                } else if (listing.complete && !listing.listed.contains(g.group)) {
                    continue; // gone from the cluster
                }
            }
            seen.insert(g.group);
            discovered << g;
        }
        std::sort(discovered.begin(), discovered.end(),
                  [](const FlowGroup &a, const FlowGroup &b) { return a.group < b.group; });
        out << discovered;
    }
    return out;
}

RememberedGroups rememberDiscovered(const QList<FlowGroup> &groups)
{
    RememberedGroups out;
    for (const FlowGroup &g : groups) {
        if (g.discovered)
            out[g.flow][g.group] = g.topics;
    }
    return out;
}

} // namespace idem::models
