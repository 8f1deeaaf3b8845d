#include "connectors/ops/eventindex.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/kafkareader.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"
#include "connectors/trace/eventmatcher.h"
#include "models/envelope/presets.h"
#include "models/trace/trace.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <map>
#include <thread>

namespace idem::connectors::ops {

namespace {

constexpr const char *kCoverageColumns
    = "topic, partition_id, coalesce(flow, ''), next_offset, first_offset, "
      "(extract(epoch FROM first_time) * 1000)::bigint, (extract(epoch FROM last_time) * 1000)::bigint, "
      "indexed, unreadable, too_old, (extract(epoch FROM updated_at) * 1000)::bigint";

IndexCoverage coverageOf(const pqxx::row &row)
{
    IndexCoverage c;
    c.topic = postgres::textOf(row[0]);
    c.partition = row[1].as<int>();
    c.flow = postgres::textOf(row[2]);
    c.nextOffset = row[3].as<qint64>();
    c.firstOffset = row[4].as<qint64>();
    c.firstTime = postgres::msTimeOf(row[5]);
    c.lastTime = postgres::msTimeOf(row[6]);
    c.indexed = row[7].as<qint64>();
    c.unreadable = row[8].as<qint64>();
    c.tooOld = row[9].as<qint64>();
    c.updatedAt = postgres::msTimeOf(row[10]);
    return c;
}

QString utcHm(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("HH:mm"));
}

} // namespace

Result<IndexLookup> lookUpEvent(postgres::PgSession &session, const QString &eventId, const QStringList &topics,
                                const PollControl &control)
{
    IndexLookup out;
    const std::string id = eventId.toStdString();
    const std::string names = postgres::textArrayLiteral(topics);
    const Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        out = {};
        for (const auto &row : tx.exec_params(
                 "SELECT topic, partition_id, message_offset, (extract(epoch FROM message_time) * 1000)::bigint, "
                 "coalesce(flow, '') FROM idem.event_index WHERE event_id = $1 "
                 "ORDER BY message_time DESC, topic, partition_id, message_offset LIMIT 1000",
                 id)) {
            IndexedLocation l;
            l.topic = postgres::textOf(row[0]);
            l.partition = row[1].as<int>();
            l.offset = row[2].as<qint64>();
            l.time = postgres::msTimeOf(row[3]);
            l.flow = postgres::textOf(row[4]);
            out.locations.append(l);
        }
        for (const auto &row : tx.exec_params(std::string("SELECT ") + kCoverageColumns
                                                  + " FROM idem.event_index_position WHERE topic = ANY($1::text[])",
                                              names))
            out.coverage.append(coverageOf(row));
    });
    if (!ran.ok())
        return makeError(QStringLiteral("could not read the event index: %1").arg(ran.error()));
    return out;
}

Result<QList<IndexCoverage>> readCoverage(postgres::PgSession &session, const PollControl &control)
{
    QList<IndexCoverage> out;
    const Status ran = session.run(control, [&](pqxx::transaction_base &tx) {
        out.clear();
        for (const auto &row : tx.exec(std::string("SELECT ") + kCoverageColumns
                                       + " FROM idem.event_index_position ORDER BY topic, partition_id"))
            out.append(coverageOf(row));
    });
    if (!ran.ok())
        return makeError(QStringLiteral("could not read the event index's coverage: %1").arg(ran.error()));
    return out;
}

QString IndexStatus::summary() const
{
    QDateTime from, to;
    for (const IndexCoverage &c : partitions) {
        if (c.firstTime.isValid() && (!from.isValid() || c.firstTime < from))
            from = c.firstTime;
        if (c.lastTime.isValid() && (!to.isValid() || c.lastTime > to))
            to = c.lastTime;
    }
    const QString span = from.isValid() && to.isValid()
        ? QStringLiteral("%1–%2 UTC").arg(from.toUTC().date() == to.toUTC().date()
                                              ? utcHm(from)
                                              : from.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                                          utcHm(to))
        : QStringLiteral("nothing indexed yet");
    return QStringLiteral("Event index: %1 partitions, %2, tailed by %3")
        .arg(partitions.size())
        .arg(span, holder.isEmpty() ? QStringLiteral("nobody") : holder);
}

namespace {

struct TailedTopic
{
    QString flow;
    QString cluster;
    const models::EnvelopeSpec *spec = nullptr;
};

// Topic -> its flow, cluster and envelope (source topics the flow's envelope,
// retry and dead-letter topics the dead-letter envelope); the first flow
// naming a topic wins.
QString tailedTopics(const models::EnvironmentConfig &environment,
                     std::vector<std::unique_ptr<models::EnvelopeSpec>> &specs, std::map<QString, TailedTopic> &topics)
{
    for (const models::FlowConfig &flow : environment.flows) {
        auto source = models::makeEnvelopeSpec(flow.envelope.preset, flow.envelope.fields);
        if (!source)
            return QStringLiteral("flow %1: %2").arg(flow.name, source.error());
        auto side = models::makeEnvelopeSpec(flow.deadLetterEnvelope.preset, flow.deadLetterEnvelope.fields);
        specs.push_back(std::make_unique<models::EnvelopeSpec>(source.value()));
        const models::EnvelopeSpec *sourceSpec = specs.back().get();
        specs.push_back(std::make_unique<models::EnvelopeSpec>(side ? side.value() : source.value()));
        const models::EnvelopeSpec *sideSpec = specs.back().get();
        for (const QString &t : flow.topics)
            topics.emplace(t, TailedTopic{flow.name, flow.cluster, sourceSpec});
        for (const QString &t : flow.retryTopics)
            topics.emplace(t, TailedTopic{flow.name, flow.cluster, sideSpec});
        if (!flow.deadLetterTopic.isEmpty())
            topics.emplace(flow.deadLetterTopic, TailedTopic{flow.name, flow.cluster, sideSpec});
    }
    return {};
}

} // namespace

Result<IndexStatus> readIndexStatus(const models::EnvironmentConfig &environment, postgres::PgSession &session,
                                    const PollControl &control, bool askClusters)
{
    IndexStatus status;
    if (environment.ops)
        status.retentionDays = environment.ops->indexRetentionDays;
    auto holders = OpsLease::holders(session, control);
    if (!holders)
        return makeError(holders.error());
    for (const LeaseHolder &h : holders.value()) {
        if (h.duty == QLatin1String("index")) {
            status.holder = h.describe();
            status.held = h.alive;
        }
    }
    auto coverage = readCoverage(session, control);
    if (!coverage)
        return makeError(coverage.error());
    status.partitions = coverage.value();
    const Status days = session.run(control, [&](pqxx::transaction_base &tx) {
        status.days.clear();
        for (const auto &row : tx.exec("SELECT to_char(d, 'YYYY-MM-DD') FROM idem.event_index_days() AS d"))
            status.days << QDate::fromString(postgres::textOf(row[0]), Qt::ISODate);
    });
    if (!days.ok())
        return makeError(days.error());
    if (!askClusters)
        return status;

    // Lag behind each partition's high watermark, one batch per cluster.
    std::vector<std::unique_ptr<models::EnvelopeSpec>> specs;
    std::map<QString, TailedTopic> topics;
    (void)tailedTopics(environment, specs, topics);
    QMap<QString, QList<kafka::TopicPartition>> byCluster;
    for (const IndexCoverage &c : std::as_const(status.partitions)) {
        const auto it = topics.find(c.topic);
        if (it != topics.end())
            byCluster[it->second.cluster].append({c.topic, c.partition});
    }
    for (auto it = byCluster.cbegin(); it != byCluster.cend(); ++it) {
        const models::KafkaClusterConfig *cluster = environment.cluster(it.key());
        auto properties = cluster ? kafka::clusterProperties(*cluster) : Result<kafka::KafkaProperties>(makeError(
                                                                             QStringLiteral("no such cluster")));
        if (!properties) {
            status.problems << QStringLiteral("cluster %1: %2").arg(it.key(), properties.error());
            continue;
        }
        kafka::KafkaReader reader(properties.value());
        const auto marks = reader.watermarks(it.value(), control);
        if (!marks) {
            status.problems << QStringLiteral("cluster %1: %2").arg(it.key(), marks.error());
            continue;
        }
        QHash<kafka::TopicPartition, qint64> highs;
        for (const kafka::PartitionWatermarks &m : marks.value()) {
            if (m.error.isEmpty())
                highs.insert(m.partition, m.high);
        }
        for (IndexCoverage &c : status.partitions)
            c.high = highs.value({c.topic, c.partition}, c.high);
    }
    return status;
}

struct EventIndexTailer::Impl
{
    models::EnvironmentConfig environment;
    TailerOptions options;
    std::unique_ptr<OpsLease> lease;
    std::vector<std::unique_ptr<models::EnvelopeSpec>> specs;
    std::map<QString, TailedTopic> topics;
    QString setupError;
    std::map<QString, std::unique_ptr<kafka::KafkaReader>> readers; // by cluster
    std::map<QString, std::unique_ptr<trace::EventIdReader>> idReaders; // by topic
    QSet<QDate> days; // day partitions known to exist
    QElapsedTimer sinceExpiry;
    bool wasHeld = false;
    std::shared_ptr<spdlog::logger> log = logger("index");

    int retentionDays() const
    {
        return environment.ops ? environment.ops->indexRetentionDays : models::OpsDatabaseConfig::kDefaultIndexRetentionDays;
    }
};

EventIndexTailer::EventIndexTailer(models::EnvironmentConfig environment, const QString &holderName,
                                   TailerOptions options)
    : d(std::make_unique<Impl>())
{
    d->environment = std::move(environment);
    d->options = options;
    if (d->environment.ops)
        d->lease = std::make_unique<OpsLease>(d->environment.ops->connection, LeaseDuty::Index, holderName,
                                              options.statementTimeoutMs);
    d->setupError = tailedTopics(d->environment, d->specs, d->topics);
    for (const auto &[topic, tailed] : d->topics)
        d->idReaders.emplace(topic, std::make_unique<trace::EventIdReader>(*tailed.spec));
}

EventIndexTailer::~EventIndexTailer() = default;

bool EventIndexTailer::held() const
{
    return d->lease && d->lease->held();
}

namespace {

struct Row
{
    std::string eventId;
    std::string topic;
    int partition;
    qint64 offset;
    std::string time;
    std::string flow;
};

struct Advance
{
    QString topic;
    int partition = 0;
    QString flow;
    qint64 expected = -1; // the position read from (-1: none yet)
    qint64 from = 0; // where this batch started reading (a new coverage start when `restart`)
    qint64 next = 0;
    bool restart = false; // records before `from` were deleted unread: coverage restarts
    qint64 firstMs = -1, lastMs = -1;
    qint64 indexed = 0, unreadable = 0, tooOld = 0;
};

std::string isoMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz+00"))
        .toStdString();
}

} // namespace

TailPass EventIndexTailer::pass(const PollControl &control)
{
    TailPass out;
    if (!d->lease) {
        out.error = QStringLiteral("there is no ops database in environment %1").arg(d->environment.name);
        return out;
    }
    if (!d->setupError.isEmpty()) {
        out.error = d->setupError;
        return out;
    }
    const auto held = d->lease->acquireOrRenew(control);
    if (!held) {
        out.error = held.error();
        d->wasHeld = false;
        return out;
    }
    out.held = held.value();
    if (!out.held) {
        if (d->wasHeld)
            d->log->warn("lost the index lease: another holder took over");
        d->wasHeld = false;
        return out;
    }
    if (!d->wasHeld) {
        d->log->info("took the index lease; tailing {} topics", d->topics.size());
        d->days.clear(); // another holder may have created or dropped days meanwhile
        d->sinceExpiry.invalidate();
    }
    d->wasHeld = true;

    const QDate today = QDateTime::currentDateTimeUtc().date();
    // Days ahead, and expired days dropped, at most once an hour.
    if (!d->sinceExpiry.isValid() || d->sinceExpiry.hasExpired(3600 * 1000)) {
        const int keep = d->retentionDays();
        Status prepared = d->lease->write(control, [&](pqxx::transaction_base &tx) {
            const auto dropped = tx.exec_params1("SELECT idem.event_index_expire($1)", keep)[0].as<int>();
            tx.exec_params("SELECT idem.event_index_prepare($1::date, $2::date)",
                           today.addDays(-1).toString(Qt::ISODate).toStdString(),
                           today.addDays(2).toString(Qt::ISODate).toStdString());
            d->days.clear();
            for (const auto &row : tx.exec("SELECT to_char(d, 'YYYY-MM-DD') FROM idem.event_index_days() AS d"))
                d->days.insert(QDate::fromString(postgres::textOf(row[0]), Qt::ISODate));
            if (dropped > 0)
                d->log->info("dropped {} day(s) of the event index older than {} days", dropped, keep);
        });
        if (!prepared.ok()) {
            out.held = d->lease->held();
            out.error = QStringLiteral("could not prepare the event index's days: %1").arg(prepared.error());
            return out;
        }
        d->sinceExpiry.start();
    }

    // Positions, as this holder reads them now.
    QHash<kafka::TopicPartition, IndexCoverage> positions;
    {
        Status read = d->lease->write(control, [&](pqxx::transaction_base &tx) {
            positions.clear();
            for (const auto &row : tx.exec(std::string("SELECT ") + kCoverageColumns
                                           + " FROM idem.event_index_position")) {
                const IndexCoverage c = coverageOf(row);
                positions.insert({c.topic, c.partition}, c);
            }
        });
        if (!read.ok()) {
            out.held = d->lease->held();
            out.error = read.error();
            return out;
        }
    }

    // Per cluster: partitions, watermarks, a batch of new records.
    QMap<QString, QStringList> clusterTopics;
    for (const auto &[topic, tailed] : d->topics)
        clusterTopics[tailed.cluster] << topic;
    std::vector<Row> rows;
    QList<Advance> advances;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 oldestMs = nowMs - qint64(d->retentionDays()) * 86400 * 1000;
    const qint64 newestMs = QDateTime(today.addDays(8), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    QStringList problems;
    PollControl readControl = control;
    if (readControl.deadline.isForever() || readControl.deadline.remainingTime() > d->options.readTimeout.count())
        readControl.deadline = QDeadlineTimer(d->options.readTimeout);
    for (auto it = clusterTopics.cbegin(); it != clusterTopics.cend(); ++it) {
        const models::KafkaClusterConfig *cluster = d->environment.cluster(it.key());
        if (!cluster) {
            problems << QStringLiteral("no cluster named \"%1\"").arg(it.key());
            continue;
        }
        auto &reader = d->readers[it.key()];
        if (!reader) {
            auto properties = kafka::clusterProperties(*cluster);
            if (!properties) {
                problems << QStringLiteral("cluster %1: %2").arg(it.key(), properties.error());
                continue;
            }
            reader = std::make_unique<kafka::KafkaReader>(properties.value());
        }
        const auto counts = reader->partitionCounts(readControl);
        if (!counts) {
            problems << QStringLiteral("cluster %1: %2").arg(it.key(), counts.error());
            continue;
        }
        QList<kafka::TopicPartition> partitions;
        for (const QString &topic : it.value()) {
            for (int p = 0; p < counts->value(topic, 0); ++p)
                partitions.append({topic, p});
        }
        if (partitions.isEmpty())
            continue;
        const auto marks = reader->watermarks(partitions, readControl);
        if (!marks) {
            problems << QStringLiteral("cluster %1: %2").arg(it.key(), marks.error());
            continue;
        }
        QList<kafka::OffsetRange> ranges;
        kafka::KnownWatermarks known;
        for (const kafka::PartitionWatermarks &m : marks.value()) {
            if (!m.error.isEmpty() || m.low < 0 || m.high < 0)
                continue;
            known.insert(m.partition, m);
            ++out.partitions;
            const auto pos = positions.constFind(m.partition);
            const qint64 next = pos != positions.cend() ? pos->nextOffset : m.low;
            if (next < m.high)
                ranges.append({m.partition.topic, m.partition.partition, next, m.high});
            else if (pos == positions.cend()) {
                // An empty partition: its coverage starts where its records will.
                Advance a;
                a.topic = m.partition.topic;
                a.partition = m.partition.partition;
                a.flow = d->topics.at(a.topic).flow;
                a.from = a.next = m.high;
                advances.append(a);
            }
        }
        const qint64 budget = std::max<qint64>(1, d->options.batchMessages - qint64(rows.size()));
        if (ranges.isEmpty() || rows.size() >= size_t(d->options.batchMessages))
            continue;
        const kafka::ReadResult read = reader->read(ranges, budget, readControl, known);
        if (!read.error.isEmpty()) {
            problems << QStringLiteral("cluster %1: %2").arg(it.key(), read.error);
            continue;
        }
        QHash<kafka::TopicPartition, qsizetype> advanceOf;
        for (const kafka::RangeOutcome &o : read.ranges) {
            if (o.readTo <= o.readFrom && !o.pastRetention())
                continue;
            Advance a;
            a.topic = o.range.topic;
            a.partition = o.range.partition;
            a.flow = d->topics.at(a.topic).flow;
            const auto pos = positions.constFind({a.topic, a.partition});
            a.expected = pos != positions.cend() ? pos->nextOffset : -1;
            a.restart = o.pastRetention() && a.expected >= 0;
            a.from = o.readFrom;
            a.next = std::max(o.readTo, o.readFrom);
            advanceOf.insert({a.topic, a.partition}, advances.size());
            advances.append(a);
        }
        for (const models::RawMessage &m : read.messages) {
            const auto at = advanceOf.constFind({m.topic, m.partition});
            if (at == advanceOf.cend())
                continue;
            Advance &a = advances[*at];
            if (m.offset >= a.next)
                continue; // past what the outcome counts as read
            const qint64 ms = m.timestampMs >= 0 ? m.timestampMs : nowMs;
            if (ms < oldestMs) {
                ++a.tooOld;
                continue;
            }
            auto &idReader = d->idReaders.at(m.topic);
            const QByteArray id = idReader->read(m);
            const QString text = QString::fromUtf8(id);
            if (id.isEmpty() || ms >= newestMs || !models::checkEventId(text).isEmpty() || text.toUtf8() != id) {
                ++a.unreadable;
                continue;
            }
            ++a.indexed;
            if (a.firstMs < 0 || ms < a.firstMs)
                a.firstMs = ms;
            a.lastMs = std::max(a.lastMs, ms);
            rows.push_back({id.toStdString(), m.topic.toStdString(), m.partition, m.offset, isoMs(ms),
                            a.flow.toStdString()});
        }
    }
    if (!problems.isEmpty())
        out.error = problems.join(QStringLiteral("; "));
    if (advances.isEmpty())
        return out;

    // Days the rows fall in that do not exist yet.
    QDate minDay, maxDay;
    for (const Row &r : rows) {
        const QDate day = QDate::fromString(QString::fromStdString(r.time.substr(0, 10)), Qt::ISODate);
        if (!d->days.contains(day)) {
            minDay = minDay.isValid() ? std::min(minDay, day) : day;
            maxDay = maxDay.isValid() ? std::max(maxDay, day) : day;
        }
    }

    bool moved = false; // another writer moved a position since it was read
    Status wrote = d->lease->write(control, [&](pqxx::transaction_base &tx) {
        moved = false;
        if (minDay.isValid()) {
            tx.exec_params("SELECT idem.event_index_prepare($1::date, $2::date)", minDay.toString(Qt::ISODate).toStdString(),
                           maxDay.toString(Qt::ISODate).toStdString());
        }
        // Positions first: each must still be the one read from, or nothing is written.
        for (const Advance &a : std::as_const(advances)) {
            const std::string topic = a.topic.toStdString();
            const std::optional<std::string> first = a.firstMs >= 0 ? std::optional(isoMs(a.firstMs)) : std::nullopt;
            const std::optional<std::string> last = a.lastMs >= 0 ? std::optional(isoMs(a.lastMs)) : std::nullopt;
            pqxx::result r;
            if (a.expected < 0) {
                r = tx.exec_params(
                    "INSERT INTO idem.event_index_position (topic, partition_id, flow, next_offset, first_offset, "
                    "first_time, last_time, indexed, unreadable, too_old) "
                    "VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8, $9, $10) "
                    "ON CONFLICT (topic, partition_id) DO NOTHING",
                    topic, a.partition, a.flow.toStdString(), a.next, a.from, first, last, a.indexed, a.unreadable,
                    a.tooOld);
            } else {
                r = tx.exec_params(
                    "UPDATE idem.event_index_position SET next_offset = $3, "
                    "first_offset = CASE WHEN $4 THEN $5 ELSE first_offset END, "
                    "first_time = CASE WHEN $4 THEN $6::timestamptz ELSE coalesce(first_time, $6::timestamptz) END, "
                    "last_time = coalesce(greatest(last_time, $7::timestamptz), last_time, $7::timestamptz), "
                    "indexed = indexed + $8, unreadable = unreadable + $9, too_old = too_old + $10, "
                    "updated_at = clock_timestamp() "
                    "WHERE topic = $1 AND partition_id = $2 AND next_offset = $11",
                    topic, a.partition, a.next, a.restart, a.from, first, last, a.indexed, a.unreadable, a.tooOld,
                    a.expected);
            }
            if (r.affected_rows() != 1) {
                moved = true;
                throw std::runtime_error("the index position of a partition moved since it was read");
            }
        }
        if (rows.empty())
            return;
        pqxx::stream_to copy(tx, "idem.event_index",
                             std::vector<std::string>{"event_id", "topic", "partition_id", "message_offset",
                                                      "message_time", "flow"});
        for (const Row &r : rows)
            copy << std::make_tuple(r.eventId, r.topic, r.partition, r.offset, r.time, r.flow);
        copy.complete();
    });
    out.held = d->lease->held();
    if (moved) {
        out.error = QStringLiteral("another tailer moved the index's positions: nothing written, read again");
        d->log->warn("{}", out.error.toStdString());
        return out;
    }
    if (!wrote.ok()) {
        out.error = wrote.error();
        d->log->warn("event index batch not written: {}", out.error.toStdString());
        return out;
    }
    for (const Advance &a : std::as_const(advances)) {
        out.indexed += a.indexed;
        out.unreadable += a.unreadable;
        out.tooOld += a.tooOld;
    }
    if (minDay.isValid()) {
        for (QDate day = minDay; day <= maxDay; day = day.addDays(1))
            d->days.insert(day);
    }
    return out;
}

void EventIndexTailer::run(const std::atomic_bool &stop, const std::function<void(const TailPass &)> &onPass)
{
    auto waitFor = [&](std::chrono::milliseconds total) {
        QDeadlineTimer until(total);
        while (!stop.load() && !until.hasExpired())
            std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
                std::chrono::milliseconds(50), std::chrono::milliseconds(std::max<qint64>(0, until.remainingTime()))));
    };
    QString lastError;
    while (!stop.load()) {
        const TailPass p = pass(PollControl::within(std::chrono::seconds(60), &stop));
        if (onPass)
            onPass(p);
        if (p.error != lastError && !p.error.isEmpty())
            d->log->warn("event index: {}", p.error.toStdString());
        lastError = p.error;
        if (!p.held)
            waitFor(d->options.contendInterval);
        else if (p.indexed + p.unreadable + p.tooOld == 0 || !p.error.isEmpty())
            waitFor(d->options.idleInterval);
    }
    if (d->lease && d->lease->held())
        (void)d->lease->release(PollControl::within(std::chrono::seconds(1)));
}

} // namespace idem::connectors::ops
