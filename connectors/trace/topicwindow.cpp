#include "connectors/trace/topicwindow.h"

#include "connectors/kafka/lagpoller.h"

#include <atomic>
#include <thread>

namespace idem::connectors::trace {

using models::NotScannedReason;
using models::TraceStep;

QList<Result<qint64>> lookUpTimes(const kafka::KafkaProperties &properties, const QList<WindowPartition> &parts,
                                  const QList<qint64> &times, int threads, const PollControl &control)
{
    QList<Result<qint64>> answers(parts.size(), Result<qint64>(makeError(QStringLiteral("not looked up"))));
    std::atomic_int next{0};
    auto work = [&] {
        kafka::KafkaReader reader(properties);
        for (int i = next++; i < parts.size(); i = next++) {
            if (times[i] < 0)
                answers[i] = parts[i].high;
            else
                answers[i] = reader.offsetForTime(parts[i].topic, parts[i].partition, times[i], control);
        }
    };
    std::vector<std::thread> pool;
    const int n = std::clamp(int(parts.size()), 1, std::max(1, threads));
    for (int t = 1; t < n; ++t)
        pool.emplace_back(work);
    work();
    for (auto &t : pool)
        t.join();
    return answers;
}

TopicWindow openTopicWindow(const models::KafkaClusterConfig &cluster, const QList<models::FlowConfig> &flows,
                            const QDateTime &from, const QDateTime &to, int lookupThreads, const PollControl &control,
                            const StepReport &report)
{
    TopicWindow out;
    const QString groupsStep = QStringLiteral("offsets and groups on %1").arg(cluster.name);
    const QString windowStep = QStringLiteral("time window on %1").arg(cluster.name);
    auto properties = kafka::clusterProperties(cluster);
    if (!properties) {
        out.error = QStringLiteral("cluster %1: %2").arg(cluster.name, properties.error());
        report(groupsStep, TraceStep::State::Failed, out.error, -1);
        return out;
    }
    out.properties = properties.value();

    // Watermarks of every partition of the flows' topics and the groups'
    // committed offsets, in one lag poll.
    report(groupsStep, TraceStep::State::Running, {}, -1);
    kafka::LagReader lag(cluster, flows, std::chrono::seconds(10));
    out.snapshot = lag.poll(control.atMost(std::chrono::seconds(10)));
    const models::LagSnapshot &snapshot = out.snapshot;
    if (snapshot.health.state == models::HealthState::Down || snapshot.topics.isEmpty()) {
        out.error = QStringLiteral("could not read cluster %1: %2")
                        .arg(cluster.name, snapshot.health.detail.isEmpty() ? QStringLiteral("no topics answered") : snapshot.health.detail);
        report(groupsStep, control.isCancelled() ? TraceStep::State::Cancelled : TraceStep::State::Failed, out.error, -1);
        for (const models::FlowConfig &flow : flows) {
            QStringList topics = flow.topics + flow.retryTopics;
            if (!flow.deadLetterTopic.isEmpty())
                topics << flow.deadLetterTopic;
            for (const QString &t : topics)
                out.notScanned.append({t, -1, -1, -1, control.isCancelled() ? NotScannedReason::Cancelled : NotScannedReason::Error, out.error});
        }
        return out;
    }
    if (!snapshot.problems.isEmpty())
        out.groupsNote = snapshot.problems.join(QStringLiteral("; "));
    report(groupsStep, TraceStep::State::Done,
           QStringLiteral("%1 partitions, %2 committed offsets%3")
               .arg(snapshot.topics.size())
               .arg(snapshot.partitions.size())
               .arg(out.groupsNote.isEmpty() ? QString() : QStringLiteral("; ") + out.groupsNote),
           -1);

    QList<WindowPartition> &parts = out.parts;
    for (const models::TopicPartitionMarks &m : snapshot.topics) {
        const models::FlowConfig *flow = nullptr;
        for (const models::FlowConfig &f : flows) {
            if (f.name == m.flow)
                flow = &f;
        }
        if (!flow || m.low < 0 || m.high < 0)
            continue;
        if (out.known.contains({m.topic, m.partition}))
            continue;
        parts.append({flow, m.role, m.topic, m.partition, m.low, m.high, m.low, m.high});
        out.known.insert({m.topic, m.partition}, {{m.topic, m.partition}, m.low, m.high, {}});
    }

    // The window as offsets.
    if (from.isValid() || to.isValid()) {
        report(windowStep, TraceStep::State::Running, QStringLiteral("%1 partitions").arg(parts.size()), -1);
        QList<qint64> fromTimes, toTimes;
        for (int i = 0; i < parts.size(); ++i) {
            fromTimes << (from.isValid() ? from.toMSecsSinceEpoch() : -1);
            toTimes << (to.isValid() ? to.toMSecsSinceEpoch() : -1);
        }
        // Both ends in one pass: the lookups of all partitions share the pool.
        const auto answers = lookUpTimes(out.properties, parts + parts, fromTimes + toTimes, lookupThreads, control);
        QStringList failures;
        for (int i = 0; i < parts.size(); ++i) {
            WindowPartition &p = parts[i];
            const auto &start = answers[i];
            const auto &end = answers[i + parts.size()];
            if (!start || !end) {
                const QString why = !start ? start.error() : end.error();
                failures << why;
                out.notScanned.append({p.topic, p.partition, p.low, p.high,
                                       control.isCancelled() ? NotScannedReason::Cancelled
                                           : control.expired() ? NotScannedReason::Deadline
                                                               : NotScannedReason::Error,
                                       QStringLiteral("the window's offsets are unknown: %1").arg(why)});
                p.from = p.to = -1;
                continue;
            }
            p.from = from.isValid() ? start.value() : p.low;
            p.to = to.isValid() ? end.value() : p.high;
        }
        report(windowStep, failures.isEmpty() ? TraceStep::State::Done : TraceStep::State::Failed,
               failures.isEmpty() ? QStringLiteral("%1 partitions").arg(parts.size()) : failures.first(), -1);
    }
    // Records deleted before the window's start (or before the log's start
    // without a window) could have been in it.
    for (const WindowPartition &p : std::as_const(parts)) {
        if (p.from >= 0 && p.from == p.low && p.low > 0)
            out.notScanned.append({p.topic, p.partition, 0, p.low, NotScannedReason::Retention,
                                   QStringLiteral("deleted by retention")});
    }
    return out;
}

} // namespace idem::connectors::trace
