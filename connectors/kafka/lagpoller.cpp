#include "connectors/kafka/lagpoller.h"

#include "connectors/common/logging.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>

namespace idem::connectors::kafka {

namespace {

// A poll slower than this marks the cluster degraded.
constexpr qint64 kSlowPollMs = 2000;

struct TopicPartitions
{
    QString topic;
    int partitions = 0;
};

} // namespace

LagReader::LagReader(models::KafkaClusterConfig cluster, QList<models::FlowConfig> flows,
                     std::chrono::milliseconds timeout)
    : m_cluster(std::move(cluster))
    , m_flows(std::move(flows))
    , m_timeout(timeout)
{}

Status LagReader::ensureClient()
{
    if (m_client)
        return {};
    KafkaProperties properties;
    for (const auto &[key, value] : m_cluster.properties) {
        QString error;
        const QString expanded = models::expandEnvironment(value, &error);
        if (!error.isEmpty())
            return makeError(QStringLiteral("property %1: %2").arg(key, error));
        properties.append({key, expanded});
    }
    properties.append({QStringLiteral("log_level"), QStringLiteral("3")});
    m_properties = properties;
    auto client = createClient(RD_KAFKA_PRODUCER, properties);
    if (!client)
        return makeError(client.error());
    m_client = std::move(client.value());
    return {};
}

models::LagSnapshot LagReader::poll()
{
    QElapsedTimer timer;
    timer.start();
    models::LagSnapshot snapshot;
    snapshot.cluster = m_cluster.name;
    snapshot.health.kind = models::ConnectionHealth::Kind::Cluster;
    snapshot.health.name = m_cluster.name;
    auto finish = [&](models::HealthState state, const QString &detail) {
        snapshot.takenAt = QDateTime::currentDateTimeUtc();
        snapshot.pollMs = timer.elapsed();
        snapshot.health.state = state;
        snapshot.health.detail = detail;
        snapshot.health.checkedAt = snapshot.takenAt;
        snapshot.health.latencyMs = state == models::HealthState::Down ? -1 : snapshot.pollMs;
        return snapshot;
    };

    if (auto ready = ensureClient(); !ready)
        return finish(models::HealthState::Down, ready.error());
    rd_kafka_t *rk = m_client.get();
    const int timeoutMs = int(m_timeout.count());

    // Partition counts of every topic the flows name.
    QList<TopicPartitions> topics;
    QHash<QString, int> partitionCount;
    const rd_kafka_metadata_t *metadata = nullptr;
    const auto err = rd_kafka_metadata(rk, 1, nullptr, &metadata, timeoutMs);
    if (err)
        return finish(models::HealthState::Down,
                      QStringLiteral("cannot read the cluster's metadata: %1").arg(QString::fromUtf8(rd_kafka_err2str(err))));
    const int brokers = metadata->broker_cnt;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        if (!metadata->topics[i].err)
            partitionCount.insert(QString::fromUtf8(metadata->topics[i].topic), metadata->topics[i].partition_cnt);
    }
    rd_kafka_metadata_destroy(metadata);

    // Watermarks, once per topic partition, read below in two batched
    // requests per leader (earliest and latest offsets).
    QHash<QPair<QString, int>, QPair<qint64, qint64>> marks;
    PartitionList marksWanted(rd_kafka_topic_partition_list_new(64));
    auto watermarks = [&](const QString &topic) {
        const int count = partitionCount.value(topic, 0);
        if (count == 0) {
            snapshot.problems << QStringLiteral("topic %1 does not exist on the cluster").arg(topic);
            return;
        }
        for (int p = 0; p < count; ++p) {
            if (marks.contains({topic, p}))
                continue;
            marks.insert({topic, p}, {-1, -1});
            rd_kafka_topic_partition_list_add(marksWanted.get(), topic.toUtf8().constData(), p);
        }
    };
    auto readWatermarks = [&] {
        if (marksWanted->cnt == 0)
            return;
        for (const bool latest : {false, true}) {
            PartitionList list(rd_kafka_topic_partition_list_copy(marksWanted.get()));
            for (int i = 0; i < list->cnt; ++i)
                list->elems[i].offset = latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
            if (const auto e = rd_kafka_offsets_for_times(rk, list.get(), timeoutMs)) {
                snapshot.problems << QStringLiteral("cannot read watermarks: %1").arg(QString::fromUtf8(rd_kafka_err2str(e)));
                return;
            }
            for (int i = 0; i < list->cnt; ++i) {
                const auto &el = list->elems[i];
                auto &m = marks[{QString::fromUtf8(el.topic), el.partition}];
                if (el.err) {
                    snapshot.problems << QStringLiteral("%1[%2]: cannot read watermarks: %3")
                                             .arg(QString::fromUtf8(el.topic))
                                             .arg(el.partition)
                                             .arg(QString::fromUtf8(rd_kafka_err2str(el.err)));
                    continue;
                }
                (latest ? m.second : m.first) = el.offset;
            }
        }
    };

    // One ListConsumerGroupOffsets request per group, all in flight at once.
    KafkaQueue queue(rd_kafka_queue_new(rk));
    struct Pending
    {
        const models::FlowConfig *flow;
        QString group;
        QStringList sourceTopics;
        QStringList retryTopics;
    };
    QHash<QString, Pending> pending;
    for (const auto &flow : m_flows) {
        for (const QString &t : flow.topics + flow.retryTopics)
            watermarks(t);
        if (!flow.deadLetterTopic.isEmpty())
            watermarks(flow.deadLetterTopic);
        for (const auto &group : flow.groups) {
            PartitionList partitions(rd_kafka_topic_partition_list_new(8));
            for (const QString &t : flow.topics + flow.retryTopics) {
                for (int p = 0; p < partitionCount.value(t, 0); ++p)
                    rd_kafka_topic_partition_list_add(partitions.get(), t.toUtf8().constData(), p);
            }
            if (partitions->cnt == 0)
                continue;
            const QByteArray id = group.name.toUtf8();
            rd_kafka_ListConsumerGroupOffsets_t *request =
                rd_kafka_ListConsumerGroupOffsets_new(id.constData(), partitions.get());
            std::unique_ptr<rd_kafka_AdminOptions_t, KafkaDeleter> options(
                rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS));
            char errstr[256];
            rd_kafka_AdminOptions_set_request_timeout(options.get(), timeoutMs, errstr, sizeof errstr);
            rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, options.get(), queue.get());
            rd_kafka_ListConsumerGroupOffsets_destroy(request);
            pending.insert(group.name, {&flow, group.name, flow.topics, flow.retryTopics});
        }
    }

    readWatermarks(); // while the groups' answers are on their way

    QHash<QString, QHash<QPair<QString, int>, qint64>> committed;
    QElapsedTimer waited;
    waited.start();
    int answered = 0;
    while (answered < pending.size() && waited.elapsed() < timeoutMs + 1000) {
        KafkaEvent event(rd_kafka_queue_poll(queue.get(), 100));
        if (!event)
            continue;
        if (rd_kafka_event_type(event.get()) != RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT)
            continue;
        ++answered;
        if (rd_kafka_event_error(event.get())) {
            snapshot.problems << QStringLiteral("committed offsets: %1").arg(QString::fromUtf8(rd_kafka_event_error_string(event.get())));
            continue;
        }
        const auto *result = rd_kafka_event_ListConsumerGroupOffsets_result(event.get());
        size_t count = 0;
        const rd_kafka_group_result_t **groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count);
        for (size_t g = 0; g < count; ++g) {
            const QString name = QString::fromUtf8(rd_kafka_group_result_name(groups[g]));
            if (const rd_kafka_error_t *e = rd_kafka_group_result_error(groups[g])) {
                snapshot.problems << QStringLiteral("group %1: %2").arg(name, QString::fromUtf8(rd_kafka_error_string(e)));
                continue;
            }
            const rd_kafka_topic_partition_list_t *list = rd_kafka_group_result_partitions(groups[g]);
            for (int i = 0; list && i < list->cnt; ++i) {
                if (!list->elems[i].err && list->elems[i].offset >= 0) // -1001: nothing committed
                    committed[name].insert({QString::fromUtf8(list->elems[i].topic), list->elems[i].partition},
                                           list->elems[i].offset);
            }
        }
    }
    if (answered < pending.size())
        snapshot.problems << QStringLiteral("%1 of %2 groups did not answer within %3 ms")
                                 .arg(pending.size() - answered)
                                 .arg(pending.size())
                                 .arg(timeoutMs);

    for (const auto &flow : m_flows) {
        auto addTopic = [&](const QString &topic, models::TopicPartitionMarks::Role role) {
            for (int p = 0; p < partitionCount.value(topic, 0); ++p) {
                const auto m = marks.value({topic, p}, {-1, -1});
                snapshot.topics.append({flow.name, topic, role, p, m.first, m.second});
            }
        };
        for (const QString &t : flow.topics)
            addTopic(t, models::TopicPartitionMarks::Role::Source);
        for (const QString &t : flow.retryTopics)
            addTopic(t, models::TopicPartitionMarks::Role::Retry);
        if (!flow.deadLetterTopic.isEmpty())
            addTopic(flow.deadLetterTopic, models::TopicPartitionMarks::Role::DeadLetter);
        for (const auto &group : flow.groups) {
            const auto &offsets = committed.value(group.name);
            auto add = [&](const QString &topic, bool onlyWhenCommitted) {
                for (int p = 0; p < partitionCount.value(topic, 0); ++p) {
                    const qint64 c = offsets.value({topic, p}, -1);
                    if (onlyWhenCommitted && c < 0)
                        continue;
                    const auto m = marks.value({topic, p}, {-1, -1});
                    snapshot.partitions.append({flow.name, group.name, topic, p, c, m.first, m.second});
                }
            };
            for (const QString &t : flow.topics)
                add(t, false);
            for (const QString &t : flow.retryTopics)
                add(t, true);
        }
    }
    readLagTimes(snapshot);
    const QString detail = QStringLiteral("%1 brokers, %2 partitions read in %3 ms")
                               .arg(brokers)
                               .arg(snapshot.partitions.size())
                               .arg(timer.elapsed());
    if (!snapshot.problems.isEmpty())
        return finish(models::HealthState::Degraded, detail + QLatin1Char('\n') + snapshot.problems.join(QLatin1Char('\n')));
    // Answers, but slowly: a round trip to the brokers takes seconds.
    if (timer.elapsed() > kSlowPollMs)
        return finish(models::HealthState::Degraded,
                      QStringLiteral("slow: the poll took %1 ms (more than %2 ms); %3").arg(timer.elapsed()).arg(kSlowPollMs).arg(detail));
    return finish(models::HealthState::Ok, detail);
}

void LagReader::readLagTimes(models::LagSnapshot &snapshot)
{
    using Key = std::tuple<QString, int, qint64>;
    auto nextOffset = [](const models::PartitionLag &p) { return std::max(p.committed, std::max<qint64>(p.low, 0)); };
    // The record each lagging group reads next; cached by offset, so a group
    // that does not move costs nothing.
    QMap<Key, qint64> keep;
    QMap<QPair<QString, int>, QSet<qint64>> wanted;
    for (auto &p : snapshot.partitions) {
        if (p.lag() == 0) {
            p.lagMs = 0;
            continue;
        }
        const Key key{p.topic, p.partition, nextOffset(p)};
        if (const auto cached = m_timestamps.constFind(key); cached != m_timestamps.cend())
            keep.insert(key, *cached);
        else
            wanted[{p.topic, p.partition}].insert(nextOffset(p));
    }
    m_timestamps = keep;
    if (!wanted.isEmpty()) {
        if (!m_fetcher) {
            KafkaProperties props = m_properties;
            props.append({QStringLiteral("group.id"), QStringLiteral("idem-lag-reader")}); // never joined
            props.append({QStringLiteral("enable.auto.commit"), QStringLiteral("false")});
            props.append({QStringLiteral("enable.auto.offset.store"), QStringLiteral("false")});
            props.append({QStringLiteral("max.partition.fetch.bytes"), QStringLiteral("65536")});
            auto fetcher = createClient(RD_KAFKA_CONSUMER, props);
            if (!fetcher) {
                snapshot.problems << QStringLiteral("cannot read lag times: %1").arg(fetcher.error());
                return;
            }
            m_fetcher = std::move(fetcher.value());
        }
        PartitionList assignment(rd_kafka_topic_partition_list_new(wanted.size()));
        int missing = 0;
        for (auto it = wanted.cbegin(); it != wanted.cend(); ++it) {
            rd_kafka_topic_partition_list_add(assignment.get(), it.key().first.toUtf8().constData(), it.key().second)
                ->offset = *std::min_element(it->cbegin(), it->cend());
            missing += int(it->size());
        }
        rd_kafka_assign(m_fetcher.get(), assignment.get());
        QElapsedTimer timer;
        timer.start();
        while (missing > 0 && timer.elapsed() < m_timeout.count()) {
            KafkaMessage m(rd_kafka_consumer_poll(m_fetcher.get(), 50));
            if (!m || m->err)
                continue;
            auto it = wanted.find({QString::fromUtf8(rd_kafka_topic_name(m->rkt)), m->partition});
            if (it == wanted.end())
                continue;
            // A compacted or deleted offset is answered by the first record after it.
            for (auto o = it->begin(); o != it->end();) {
                if (*o <= m->offset) {
                    m_timestamps.insert({it.key().first, it.key().second, *o}, rd_kafka_message_timestamp(m.get(), nullptr));
                    o = it->erase(o);
                    --missing;
                } else {
                    ++o;
                }
            }
        }
        rd_kafka_assign(m_fetcher.get(), nullptr);
        if (missing > 0)
            snapshot.problems << QStringLiteral("%1 records at committed offsets could not be read within %2 ms")
                                     .arg(missing)
                                     .arg(m_timeout.count());
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto &p : snapshot.partitions) {
        if (p.lagMs == 0)
            continue;
        const qint64 ts = m_timestamps.value({p.topic, p.partition, nextOffset(p)}, -1);
        if (ts > 0)
            p.lagMs = std::max<qint64>(0, now - ts);
    }
}

} // namespace idem::connectors::kafka
