#include "connectors/kafka/lagpoller.h"

#include "connectors/common/logging.h"
#include "connectors/common/secrets.h"
#include "connectors/kafka/blockingcall.h"
#include "connectors/kafka/kafkareader.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>

#include <vector>

namespace idem::connectors::kafka {

namespace {

// A poll slower than this marks the cluster degraded.
constexpr qint64 kSlowPollMs = 2000;

// When to ask a cluster that did not answer group discovery again: one that
// refused (unsupported, not authorized) after 10 minutes, one that failed or
// timed out after a minute.
constexpr std::chrono::milliseconds kRefusedRetry = std::chrono::minutes(10);
constexpr std::chrono::milliseconds kFailedRetry = std::chrono::minutes(1);
// A listed group found consuming none of the flows' topics is described again
// after this long.
constexpr std::chrono::milliseconds kUnrelatedRecheck = std::chrono::minutes(5);

// Records at committed offsets read at most in one poll (for their lag in seconds).
constexpr qsizetype kLagTimesPerPoll = 2000;

} // namespace

LagReader::LagReader(models::KafkaClusterConfig cluster, QList<models::FlowConfig> flows,
                     std::chrono::milliseconds timeout)
    : m_cluster(std::move(cluster))
    , m_flows(std::move(flows))
    , m_timeout(timeout)
{}

LagReader::~LagReader() = default;

Status LagReader::ensureClient()
{
    if (m_client)
        return {};
    auto expanded = clusterProperties(m_cluster);
    if (!expanded)
        return makeError(expanded.error());
    KafkaProperties properties = expanded.value();
    properties.append({QStringLiteral("log_level"), QStringLiteral("3")});
    auto client = createClient(RD_KAFKA_PRODUCER, properties);
    if (!client)
        return makeError(client.error());
    m_client = std::shared_ptr<rd_kafka_t>(client.value().release(), [](rd_kafka_t *rk) { rd_kafka_destroy(rk); });
    // Single records are read with a small fetch size: one record is wanted.
    m_reader = std::make_unique<KafkaReader>(properties, KafkaProperties{{QStringLiteral("max.partition.fetch.bytes"),
                                                                          QStringLiteral("65536")}});
    return {};
}

models::LagSnapshot LagReader::poll()
{
    return poll(PollControl::within(m_timeout));
}

models::LagSnapshot LagReader::poll(const PollControl &control)
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
        // Notes ride along in the detail, after its first line, for tooltips and idemctl.
        snapshot.health.detail = snapshot.notes.isEmpty() ? detail : detail + QLatin1Char('\n') + snapshot.notes.join(QLatin1Char('\n'));
        snapshot.health.checkedAt = snapshot.takenAt;
        snapshot.health.latencyMs = state == models::HealthState::Down ? -1 : snapshot.pollMs;
        return snapshot;
    };

    if (auto ready = ensureClient(); !ready)
        return finish(models::HealthState::Down, ready.error());
    rd_kafka_t *rk = m_client.get();
    // Admin requests are given the time left when they are sent.
    const auto timeLeftMs = [&control] { return int(std::max<qint64>(1, control.remaining().count())); };

    // Partition counts of every topic the flows name.
    QHash<QString, int> partitionCount;
    struct Metadata
    {
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        int brokers = 0;
        QHash<QString, int> partitions;
    };
    const auto metadata = callWithin<Metadata>(control, [client = m_client](int timeoutMs) {
        Metadata out;
        const rd_kafka_metadata_t *metadata = nullptr;
        out.err = rd_kafka_metadata(client.get(), 1, nullptr, &metadata, timeoutMs);
        if (out.err)
            return out;
        out.brokers = metadata->broker_cnt;
        for (int i = 0; i < metadata->topic_cnt; ++i) {
            if (!metadata->topics[i].err)
                out.partitions.insert(QString::fromUtf8(metadata->topics[i].topic), metadata->topics[i].partition_cnt);
        }
        rd_kafka_metadata_destroy(metadata);
        return out;
    });
    if (!metadata)
        return finish(models::HealthState::Down,
                      QStringLiteral("cannot read the cluster's metadata: %1")
                          .arg(control.isCancelled() ? QStringLiteral("cancelled")
                                                     : QStringLiteral("no answer within %1 ms").arg(timer.elapsed())));
    if (metadata->err)
        return finish(models::HealthState::Down,
                      QStringLiteral("cannot read the cluster's metadata: %1").arg(QString::fromUtf8(rd_kafka_err2str(metadata->err))));
    const int brokers = metadata->brokers;
    partitionCount = metadata->partitions;
    const qint64 metadataMs = timer.elapsed();

    // Watermarks, once per topic partition, read below in two batched
    // requests per leader (earliest and latest offsets).
    QHash<QPair<QString, int>, QPair<qint64, qint64>> marks;
    QList<TopicPartition> marksWanted;
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
            marksWanted.append({topic, p});
        }
    };
    auto readWatermarks = [&] {
        if (marksWanted.isEmpty())
            return;
        const auto read = m_reader->watermarks(marksWanted, control);
        if (!read) {
            snapshot.problems << read.error();
            return;
        }
        for (const PartitionWatermarks &w : read.value()) {
            if (!w.error.isEmpty()) {
                snapshot.problems << QStringLiteral("%1[%2]: cannot read watermarks: %3")
                                         .arg(w.partition.topic)
                                         .arg(w.partition.partition)
                                         .arg(w.error);
                continue;
            }
            marks[{w.partition.topic, w.partition.partition}] = {w.low, w.high};
        }
    };

    // Group discovery starts first, so its wait overlaps everything else.
    KafkaQueue queue(rd_kafka_queue_new(rk));
    enum class Discovery { Resting, Listing, Describing, Answered, Refused };
    Discovery discovery = Discovery::Resting;
    QDeadlineTimer discoveryDeadline;
    models::GroupListing listing;
    std::chrono::milliseconds askAgainAfter = kFailedRetry;
    QString refusal;
    QElapsedTimer discoveryTime;
    qint64 refusedAfterMs = 0; // when the refusal was taken from the queue
    auto refuse = [&](const QString &why, std::chrono::milliseconds after) {
        discovery = Discovery::Refused;
        refusal = why;
        askAgainAfter = after;
        refusedAfterMs = discoveryTime.elapsed();
    };
    if (m_askDiscoveryAgain.hasExpired()) {
        discoveryTime.start();
        discovery = Discovery::Listing;
        discoveryDeadline = control.deadline;
        std::unique_ptr<rd_kafka_AdminOptions_t, KafkaDeleter> options(
            rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS));
        char errstr[256];
        rd_kafka_AdminOptions_set_request_timeout(options.get(), timeLeftMs(), errstr, sizeof errstr);
        rd_kafka_ListConsumerGroups(rk, options.get(), queue.get());
    }

    // One ListConsumerGroupOffsets request per group and set of topics, all
    // in flight at once; a group discovered during the poll gets its own.
    QHash<QString, QSet<QString>> requested; // group -> topics asked for
    int sent = 0;
    auto requestOffsets = [&](const QString &group, const QStringList &topics) {
        PartitionList partitions(rd_kafka_topic_partition_list_new(8));
        for (const QString &t : topics) {
            if (requested[group].contains(t))
                continue;
            requested[group].insert(t);
            for (int p = 0; p < partitionCount.value(t, 0); ++p)
                rd_kafka_topic_partition_list_add(partitions.get(), t.toUtf8().constData(), p);
        }
        if (partitions->cnt == 0)
            return;
        const QByteArray id = group.toUtf8();
        rd_kafka_ListConsumerGroupOffsets_t *request =
            rd_kafka_ListConsumerGroupOffsets_new(id.constData(), partitions.get());
        std::unique_ptr<rd_kafka_AdminOptions_t, KafkaDeleter> options(
            rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS));
        char errstr[256];
        rd_kafka_AdminOptions_set_request_timeout(options.get(), timeLeftMs(), errstr, sizeof errstr);
        rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, options.get(), queue.get());
        rd_kafka_ListConsumerGroupOffsets_destroy(request);
        ++sent;
    };
    QHash<QString, const models::FlowConfig *> flowByName;
    for (const auto &flow : m_flows)
        flowByName.insert(flow.name, &flow);
    auto requestGroups = [&](const QList<models::FlowGroup> &groups) {
        for (const auto &g : groups) {
            if (const models::FlowConfig *flow = flowByName.value(g.flow))
                requestOffsets(g.group, flow->topics + flow->retryTopics);
        }
    };

    for (const auto &flow : m_flows) {
        for (const QString &t : flow.topics + flow.retryTopics)
            watermarks(t);
        if (!flow.deadLetterTopic.isEmpty())
            watermarks(flow.deadLetterTopic);
    }
    // The configured groups and those discovered before, membership unknown
    // until the cluster describes them.
    const QList<models::FlowGroup> known = models::mergeGroups(m_flows, {}, m_remembered);
    requestGroups(known);

    readWatermarks(); // while the groups' answers are on their way
    const qint64 watermarksMs = timer.elapsed();

    QHash<QString, QHash<QPair<QString, int>, qint64>> committed;
    QList<models::FlowGroup> discovered;
    auto onOffsets = [&](rd_kafka_event_t *event) {
        if (rd_kafka_event_error(event)) {
            snapshot.problems << QStringLiteral("committed offsets: %1").arg(QString::fromUtf8(rd_kafka_event_error_string(event)));
            return;
        }
        const auto *result = rd_kafka_event_ListConsumerGroupOffsets_result(event);
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
    };
    auto answer = [&] {
        listing.answered = true;
        discovery = Discovery::Answered;
        discovered = models::mergeGroups(m_flows, listing, m_remembered);
        requestGroups(discovered); // the groups new to this poll
        // Listed groups that are not the flows': not described again for a while.
        QSet<QString> mine;
        for (const auto &g : discovered)
            mine.insert(g.group);
        for (auto it = listing.described.cbegin(); it != listing.described.cend(); ++it) {
            if (!mine.contains(it.key()) && listing.listed.contains(it.key()))
                m_unrelated.insert(it.key(), QDeadlineTimer(kUnrelatedRecheck));
        }
    };
    auto onListed = [&](rd_kafka_event_t *event) {
        if (rd_kafka_event_error(event))
            return refuse(QString::fromUtf8(rd_kafka_event_error_string(event)), kFailedRetry);
        const auto *result = rd_kafka_event_ListConsumerGroups_result(event);
        size_t errorCount = 0;
        const rd_kafka_error_t **errors = rd_kafka_ListConsumerGroups_result_errors(result, &errorCount);
        size_t count = 0;
        const rd_kafka_ConsumerGroupListing_t **groups = rd_kafka_ListConsumerGroups_result_valid(result, &count);
        QStringList why;
        bool unsupported = false;
        for (size_t i = 0; i < errorCount; ++i) {
            const auto code = rd_kafka_error_code(errors[i]);
            unsupported = unsupported || code == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE
                || code == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION || code == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED
                || code == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
            const QString text = QString::fromUtf8(rd_kafka_error_string(errors[i]));
            if (!why.contains(text))
                why << text;
        }
        // Not on any broker that refuses: librdkafka 2.0.2 asked to describe
        // groups where DescribeGroups is not supported locks up the client.
        if (unsupported)
            return refuse(why.join(QStringLiteral("; ")), kRefusedRetry);
        if (count == 0 && errorCount > 0)
            return refuse(why.join(QStringLiteral("; ")), kFailedRetry);
        QHash<QString, bool> listed; // group -> may have members
        for (size_t i = 0; i < count; ++i) {
            const auto state = rd_kafka_ConsumerGroupListing_state(groups[i]);
            listed.insert(QString::fromUtf8(rd_kafka_ConsumerGroupListing_group_id(groups[i])),
                          !rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i])
                              && state != RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY && state != RD_KAFKA_CONSUMER_GROUP_STATE_DEAD);
        }
        listing.complete = errorCount == 0;
        for (auto it = listed.cbegin(); it != listed.cend(); ++it)
            listing.listed.insert(it.key());
        if (!listing.complete)
            snapshot.notes << QStringLiteral("group listing incomplete (%1): groups may be missing").arg(why.join(QStringLiteral("; ")));
        // Forget what is no longer listed, or due for another look.
        for (auto it = m_unrelated.begin(); it != m_unrelated.end();)
            it = it->hasExpired() || !listing.listed.contains(it.key()) ? m_unrelated.erase(it) : std::next(it);
        const QStringList describe = groupsToDescribe(listed);
        if (describe.isEmpty())
            return answer();
        QList<QByteArray> ids;
        std::vector<const char *> names;
        for (const QString &g : describe)
            ids << g.toUtf8();
        for (const QByteArray &id : ids)
            names.push_back(id.constData());
        std::unique_ptr<rd_kafka_AdminOptions_t, KafkaDeleter> options(
            rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS));
        char errstr[256];
        rd_kafka_AdminOptions_set_request_timeout(options.get(), int(std::max<qint64>(100, discoveryDeadline.remainingTime())),
                                                  errstr, sizeof errstr);
        rd_kafka_DescribeConsumerGroups(rk, names.data(), names.size(), options.get(), queue.get());
        discovery = Discovery::Describing;
    };
    auto onDescribed = [&](rd_kafka_event_t *event) {
        if (rd_kafka_event_error(event))
            return refuse(QString::fromUtf8(rd_kafka_event_error_string(event)), kFailedRetry);
        const auto *result = rd_kafka_event_DescribeConsumerGroups_result(event);
        size_t count = 0;
        const rd_kafka_ConsumerGroupDescription_t **groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &count);
        for (size_t i = 0; i < count; ++i) {
            const QString name = QString::fromUtf8(rd_kafka_ConsumerGroupDescription_group_id(groups[i]));
            if (const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(groups[i])) {
                snapshot.notes << QStringLiteral("group %1: cannot describe it: %2").arg(name, QString::fromUtf8(rd_kafka_error_string(e)));
                continue;
            }
            models::DescribedGroup d;
            d.group = name;
            d.state = QString::fromUtf8(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(groups[i])));
            d.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(groups[i]);
            d.members = int(rd_kafka_ConsumerGroupDescription_member_count(groups[i]));
            for (int m = 0; m < d.members; ++m) {
                const rd_kafka_MemberDescription_t *member = rd_kafka_ConsumerGroupDescription_member(groups[i], m);
                const rd_kafka_MemberAssignment_t *assignment = member ? rd_kafka_MemberDescription_assignment(member) : nullptr;
                const rd_kafka_topic_partition_list_t *list = assignment ? rd_kafka_MemberAssignment_partitions(assignment) : nullptr;
                for (int p = 0; list && p < list->cnt; ++p)
                    d.assigned.append({QString::fromUtf8(list->elems[p].topic), list->elems[p].partition});
            }
            listing.described.insert(name, d);
        }
        answer();
    };

    QElapsedTimer waited;
    waited.start();
    int answered = 0;
    qint64 onlyDiscoveryMs = 0; // waited for discovery alone: not the cluster's slowness at serving offsets
    for (;;) {
        const bool offsetsDue = answered < sent && !control.shouldStop();
        const bool discoveryDue = (discovery == Discovery::Listing || discovery == Discovery::Describing)
            && !discoveryDeadline.hasExpired() && !control.shouldStop();
        QElapsedTimer step;
        step.start();
        // Past the deadlines, take only what has already arrived.
        KafkaEvent event(rd_kafka_queue_poll(queue.get(), offsetsDue || discoveryDue ? int(control.slice().count()) : 0));
        if (!offsetsDue && discoveryDue)
            onlyDiscoveryMs += step.elapsed();
        if (!event) {
            if (!offsetsDue && !discoveryDue)
                break;
            continue;
        }
        switch (rd_kafka_event_type(event.get())) {
        case RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT:
            ++answered;
            onOffsets(event.get());
            break;
        case RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT:
            if (discovery == Discovery::Listing)
                onListed(event.get());
            break;
        case RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT:
            if (discovery == Discovery::Describing)
                onDescribed(event.get());
            break;
        default:
            break;
        }
    }
    if (answered < sent)
        snapshot.problems << QStringLiteral("%1 of %2 offset requests did not answer within %3 ms%4")
                                 .arg(sent - answered)
                                 .arg(sent)
                                 .arg(waited.elapsed())
                                 .arg(control.isCancelled() ? QStringLiteral(" (cancelled)") : QString());
    if (discovery == Discovery::Listing || discovery == Discovery::Describing)
        refuse(QStringLiteral("no answer within %1 ms").arg(discoveryTime.elapsed()), kFailedRetry);
    if (discovery == Discovery::Refused) {
        m_askDiscoveryAgain.setRemainingTime(askAgainAfter);
        m_discoveryRefusal = refusal;
        logger("kafka")->info("cluster {}: group discovery not answered after {} ms ({}); asking again in {} s",
                              m_cluster.name.toStdString(), refusedAfterMs, refusal.toStdString(),
                              std::chrono::duration_cast<std::chrono::seconds>(askAgainAfter).count());
    }
    if (discovery == Discovery::Answered) {
        m_discoveryRefusal.clear();
        m_remembered = models::rememberDiscovered(discovered);
        snapshot.groups = discovered;
    } else {
        snapshot.groups = known;
        snapshot.notes.prepend(QStringLiteral("group discovery not answered by this cluster (%1): using the configured "
                                              "groups, membership unknown")
                                   .arg(m_discoveryRefusal));
    }

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
    }
    // Every partition of the topics a group reads; its other topics of the
    // flow where it has committed.
    for (const auto &group : std::as_const(snapshot.groups)) {
        const models::FlowConfig *flow = flowByName.value(group.flow);
        if (!flow)
            continue;
        const auto &offsets = committed.value(group.group);
        for (const QString &topic : flow->topics + flow->retryTopics) {
            const bool every = group.topics.contains(topic);
            for (int p = 0; p < partitionCount.value(topic, 0); ++p) {
                const qint64 c = offsets.value({topic, p}, -1);
                if (!every && c < 0)
                    continue;
                const auto m = marks.value({topic, p}, {-1, -1});
                snapshot.partitions.append({flow->name, group.group, topic, p, c, m.first, m.second});
            }
        }
    }
    const qint64 offsetsMs = timer.elapsed();
    readLagTimes(snapshot, control);
    logger("kafka")->debug("cluster {}: poll of {} partitions: metadata by {} ms, watermarks by {} ms, committed offsets by {} ms, "
                           "lag times by {} ms",
                           m_cluster.name.toStdString(), snapshot.partitions.size(), metadataMs, watermarksMs, offsetsMs,
                           timer.elapsed());
    const QString detail = QStringLiteral("%1 brokers, %2 partitions read in %3 ms")
                               .arg(brokers)
                               .arg(snapshot.partitions.size())
                               .arg(timer.elapsed());
    if (!snapshot.problems.isEmpty())
        return finish(models::HealthState::Degraded, detail + QLatin1Char('\n') + snapshot.problems.join(QLatin1Char('\n')));
    // Answers, but slowly: a round trip to the brokers takes seconds. Time
    // spent waiting for group discovery alone does not count: a cluster that
    // lets discovery time out is told by a note.
    if (timer.elapsed() - onlyDiscoveryMs > kSlowPollMs)
        return finish(models::HealthState::Degraded,
                      QStringLiteral("slow: the poll took %1 ms (more than %2 ms); %3").arg(timer.elapsed()).arg(kSlowPollMs).arg(detail));
    return finish(models::HealthState::Ok, detail);
}

QStringList LagReader::groupsToDescribe(const QHash<QString, bool> &listed) const
{
    QStringList out;
    QSet<QString> seen;
    auto add = [&](const QString &g) {
        if (!seen.contains(g)) {
            seen.insert(g);
            out << g;
        }
    };
    for (const auto &flow : m_flows) {
        for (const auto &g : flow.groups)
            add(g.name);
    }
    for (const auto &groups : m_remembered) {
        for (auto it = groups.cbegin(); it != groups.cend(); ++it)
            add(it.key());
    }
    // A listed group is described only if it may have members (only members
    // are assigned topics) and was not found unrelated lately.
    QStringList candidates;
    for (auto it = listed.cbegin(); it != listed.cend(); ++it) {
        if (it.value() && !m_unrelated.contains(it.key()))
            candidates << it.key();
    }
    std::sort(candidates.begin(), candidates.end());
    for (const QString &g : candidates)
        add(g);
    return out;
}

void LagReader::readLagTimes(models::LagSnapshot &snapshot, const PollControl &control)
{
    using Key = std::tuple<QString, int, qint64>;
    auto nextOffset = [](const models::PartitionLag &p) { return std::max(p.committed, std::max<qint64>(p.low, 0)); };
    // The record each lagging group reads next; cached by offset, so a group
    // that does not move costs nothing.
    QMap<Key, qint64> keep;
    QMap<QPair<QString, int>, QSet<qint64>> wanted;
    KnownWatermarks known; // read earlier in this poll
    for (auto &p : snapshot.partitions) {
        if (p.low >= 0 && p.high >= 0)
            known.insert({p.topic, p.partition}, {{p.topic, p.partition}, p.low, p.high, {}});
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
        // All at once; a partition wanted at several offsets is read in rounds.
        QList<OffsetRange> firsts;
        for (auto it = wanted.cbegin(); it != wanted.cend(); ++it) {
            for (const qint64 o : *it)
                firsts.append({it.key().first, it.key().second, o, o});
        }
        // A poll reads at most a share of them, in turns: assigning tens of
        // thousands of partitions at once leaves the client busy stopping
        // them for seconds, and the next poll's watermarks behind that.
        if (firsts.size() > kLagTimesPerPoll) {
            const qsizetype start = m_lagTimeTurn % firsts.size();
            QList<OffsetRange> share = firsts.mid(start, kLagTimesPerPoll);
            if (share.size() < kLagTimesPerPoll)
                share += firsts.mid(0, kLagTimesPerPoll - share.size());
            snapshot.notes << QStringLiteral("lag in seconds of %1 of %2 lagging partitions read this poll; the others in the next polls")
                                  .arg(share.size())
                                  .arg(firsts.size());
            m_lagTimeTurn = start + kLagTimesPerPoll;
            firsts = share;
        }
        ReadResult outcome;
        const auto found = m_reader->readEach(firsts, control, &outcome, known);
        // A compacted or deleted offset is answered by the first record after it.
        for (auto it = found.cbegin(); it != found.cend(); ++it)
            m_timestamps.insert(it.key(), it->timestampMs);
        const qsizetype missing = firsts.size() - found.size();
        qsizetype notThere = 0; // nothing at or after the offset any more
        for (const RangeOutcome &o : outcome.ranges)
            notThere += o.stop == ReadStop::None && o.readTo <= o.readFrom ? 1 : 0;
        if (missing > notThere)
            snapshot.problems << QStringLiteral("%1 records at committed offsets could not be read in time (%2)")
                                     .arg(missing - notThere)
                                     .arg(control.isCancelled() ? QStringLiteral("cancelled") : QStringLiteral("deadline"));
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
