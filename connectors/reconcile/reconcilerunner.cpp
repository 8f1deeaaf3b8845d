#include "connectors/reconcile/reconcilerunner.h"

#include "connectors/common/logging.h"
#include "connectors/deadletters/processedlookup.h"
#include "connectors/kafka/kafkareader.h"
#include "connectors/postgres/pgconninfo.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"
#include "connectors/trace/fieldreader.h"
#include "connectors/trace/storetrace.h"
#include "connectors/trace/topicwindow.h"
#include "models/config/flowlookup.h"
#include "models/core/untrustedtext.h"

#include <QElapsedTimer>
#include <QLocale>

#include <pqxx/pqxx>

#include <map>
#include <numeric>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace idem::connectors::reconcile {

using models::NotScannedReason;
using Role = models::TopicPartitionMarks::Role;

struct ReconcileRunner::Impl
{
    models::EnvironmentConfig environment;
    ReconcileOptions options;
    std::map<QString, std::unique_ptr<postgres::PgSession>> sessions; // by store; each used by one thread at a time
};

ReconcileRunner::ReconcileRunner(models::EnvironmentConfig environment, ReconcileOptions options)
    : d(std::make_unique<Impl>())
{
    d->environment = std::move(environment);
    d->options = options;
}

ReconcileRunner::~ReconcileRunner() = default;

namespace {

QString count(qint64 n)
{
    return QLocale::c().toString(n).replace(QLatin1Char(','), QChar(0x202F));
}

QString where(const QString &topic, int partition)
{
    return QStringLiteral("%1[%2]").arg(topic).arg(partition);
}

// Reads `ranges` whole, chunk by chunk, handing every message to `take`; the
// parts not read (and deleted while it ran) go to `notRead` / `deleted`.
void readRanges(kafka::KafkaReader &reader, QList<kafka::OffsetRange> pending, qint64 chunk, const PollControl &control,
                const kafka::KnownWatermarks &known, const std::function<void(const models::RawMessage &)> &take,
                const std::function<void(qint64 read, qint64 total)> &progress, QList<models::NotScannedRange> *notRead,
                QStringList *deleted)
{
    qint64 total = 0, read = 0;
    for (const kafka::OffsetRange &r : pending)
        total += r.to - r.from;
    while (!pending.isEmpty()) {
        const kafka::ReadResult result = reader.read(pending, chunk, control, known);
        for (const models::RawMessage &m : result.messages)
            take(m);
        read += result.messages.size();
        QList<kafka::OffsetRange> next;
        for (const kafka::RangeOutcome &o : result.ranges) {
            const kafka::OffsetRange &r = o.range;
            if (o.pastRetention() && deleted)
                deleted->append(QStringLiteral("%1 [%2, %3) deleted while it was read")
                                    .arg(where(r.topic, r.partition))
                                    .arg(r.from)
                                    .arg(o.readFrom));
            if (o.readTo >= r.to || o.stop == kafka::ReadStop::None || o.stop == kafka::ReadStop::BeyondEnd)
                continue;
            if (o.stop == kafka::ReadStop::Budget && !control.shouldStop()) {
                next.append({r.topic, r.partition, std::max(o.readTo, o.readFrom), r.to});
                continue;
            }
            const kafka::ReadStop why = o.stop == kafka::ReadStop::Budget
                ? (control.isCancelled() ? kafka::ReadStop::Cancelled : kafka::ReadStop::Deadline)
                : o.stop;
            const NotScannedReason reason = why == kafka::ReadStop::Cancelled ? NotScannedReason::Cancelled
                : why == kafka::ReadStop::Deadline                           ? NotScannedReason::Deadline
                                                                              : NotScannedReason::Error;
            if (notRead)
                notRead->append({r.topic, r.partition, std::max(o.readTo, o.readFrom), r.to, reason,
                                 o.error.isEmpty() ? kafka::describe(why) : o.error});
        }
        pending = next;
        if (progress)
            progress(read, total);
    }
}

struct StoreAnswer
{
    QString error;
    QList<models::RowState> rows;
    QList<quint64> entities;
    QList<models::GroupEvidence::Row> windowRows;
    QString extraError;
};

} // namespace

models::ReconcileReport ReconcileRunner::run(const models::ReconcileQuery &query, const PollControl &control,
                                             const Progress &progress)
{
    QElapsedTimer clock;
    clock.start();
    std::mutex mutex; // progress is reported from several threads
    auto report = [&](const QString &step, int percent) {
        std::lock_guard lock(mutex);
        if (progress)
            progress(step, percent);
    };
    models::ReconcileReport out;
    out.flow = query.flow;
    out.from = query.from;
    out.to = query.to;
    const models::FlowConfig *flow = d->environment.flow(query.flow);
    if (!flow) {
        out.error = models::unknownFlowError(d->environment, query.flow);
        return out;
    }
    out.sourceTopics = flow->topics;
    if (const QString bad = models::checkReconcileWindow(query.from, query.to, QDateTime::currentDateTimeUtc()); !bad.isEmpty()) {
        out.error = bad;
        return out;
    }
    const models::KafkaClusterConfig *cluster = d->environment.cluster(flow->cluster);
    if (!cluster) {
        out.error = QStringLiteral("flow %1 names cluster \"%2\", which is not in the configuration").arg(flow->name, flow->cluster);
        return out;
    }
    const auto sourceSpec = models::makeEnvelopeSpec(flow->envelope.preset, flow->envelope.fields);
    if (!sourceSpec) {
        out.error = QStringLiteral("flow %1: %2").arg(flow->name, sourceSpec.error());
        return out;
    }
    auto deadSpec = models::makeEnvelopeSpec(flow->deadLetterEnvelope.preset, flow->deadLetterEnvelope.fields);
    if (!deadSpec)
        deadSpec = sourceSpec;

    // 1. The window as offsets, the watermarks and the committed offsets.
    const PollControl topicControl = control.atMost(d->options.topicTimeout);
    trace::TopicWindow window = trace::openTopicWindow(
        *cluster, {*flow}, query.from, query.to, d->options.lookupThreads, topicControl,
        [&](const QString &step, models::TraceStep::State, const QString &detail, int percent) {
            report(detail.isEmpty() ? step : step + QStringLiteral(": ") + detail, percent);
        });
    if (!window.error.isEmpty()) {
        out.error = window.error;
        return out;
    }

    auto log = logger("reconcile");
    log->debug("{}: window as offsets in {} ms", flow->name.toStdString(), clock.elapsed());
    models::SourceScan source;
    source.lookbackMs = d->options.lookback.count();
    QHash<QPair<QString, int>, qint32> partitionIndex;
    QList<kafka::OffsetRange> sourceRanges, deadRanges;
    for (const trace::WindowPartition &p : std::as_const(window.parts)) {
        if (p.role == Role::Source) {
            partitionIndex.insert({p.topic, p.partition}, qint32(source.partitions.size()));
            source.partitions.append({p.topic, p.partition, p.from, p.to});
            if (p.from >= 0 && p.to > p.from)
                sourceRanges.append({p.topic, p.partition, p.from, p.to});
        } else if (p.role == Role::DeadLetter && p.from >= 0 && p.high > p.from) {
            deadRanges.append({p.topic, p.partition, p.from, p.high}); // dead letters come after their event
        }
    }
    for (const models::NotScannedRange &n : std::as_const(window.notScanned)) {
        if (!flow->topics.contains(n.topic))
            continue;
        if (n.reason == NotScannedReason::Retention)
            source.retentionCut << QStringLiteral("%1 [%2, %3)").arg(where(n.topic, n.partition)).arg(n.from).arg(n.to);
        else
            source.notRead.append(n);
    }

    // The stores are asked while the source is still being read: the reader
    // publishes the new event_ids after each chunk, each store's thread asks
    // for them in batches as they come, then (once every event_id is known)
    // for its extra rows.
    struct Feed
    {
        std::mutex mutex;
        std::condition_variable changed;
        QStringList ids; // distinct event_ids in source order
        bool done = false; // every event_id is in ids
        std::string all; // ids as one array literal, for the extra-rows query
        bool allReady = false;
    } feed;
    QMap<QString, QStringList> storeGroups;
    for (const models::ConsumerGroupConfig &g : flow->groups) {
        if (!g.store.isEmpty())
            storeGroups[g.store] << g.name;
    }
    QMap<QString, StoreAnswer> answers;
    std::vector<std::thread> threads;
    const std::string fromText = query.from.toUTC().toString(Qt::ISODateWithMs).toStdString();
    const std::string toText = query.to.toUTC().toString(Qt::ISODateWithMs).toStdString();
    for (auto it = storeGroups.cbegin(); it != storeGroups.cend(); ++it)
        answers[it.key()] = {};
    for (auto it = storeGroups.cbegin(); it != storeGroups.cend(); ++it) {
        const QString name = it.key();
        const models::StoreConfig *store = d->environment.store(name);
        StoreAnswer &answer = answers[name];
        if (!store) {
            answer.error = QStringLiteral("no store named \"%1\" in the configuration").arg(name);
            continue;
        }
        auto &session = d->sessions[name];
        if (!session)
            session = trace::openStoreSession(*store);
        threads.emplace_back([&, name, store, s = session.get(), answer = &answer] {
            const auto table = postgres::parseTableName(store->registry.table);
            if (!table) {
                answer->error = table.error();
                return;
            }
            QHash<QString, QString> logical; // stored status -> logical name
            for (const QString &l : models::outcomeNames())
                logical.insert(store->outcomeValue(l), l);
            auto col = [&](const char *l) {
                return postgres::quoteIdentifier(store->registry.column(QString::fromLatin1(l))).toStdString();
            };
            const std::string registry = table->quoted().toStdString();
            // The batch's ids as a bound array, joined by position: each row says which id it is.
            const std::string byIds = "SELECT i.ord, r." + col("status") + ", r." + col("entity_key") + ", r."
                + col("event_type") + " FROM unnest($1::text[]) WITH ORDINALITY AS i(id, ord) JOIN " + registry
                + " r ON r." + col("event_id") + " = i.id";
            const std::string extraRows = "SELECT " + col("event_id") + ", " + col("status") + ", " + col("entity_key")
                + ", " + col("event_type") + " FROM " + registry + " WHERE " + col("first_seen_at")
                + " >= $2::timestamptz AND " + col("first_seen_at") + " < $3::timestamptz AND " + col("event_id")
                + " <> ALL($1::text[])";
            const PollControl storeControl = control.atMost(d->options.storeTimeout);
            const QString step = QStringLiteral("store %1").arg(name);
            const qsizetype batch = std::max(1, d->options.batch);
            Status status;
            qsizetype at = 0;
            while (status) {
                QStringList slice;
                bool last = false;
                {
                    std::unique_lock lock(feed.mutex);
                    feed.changed.wait(lock, [&] { return feed.done || feed.ids.size() - at >= batch; });
                    slice = feed.ids.mid(at, batch);
                    last = feed.done && at + slice.size() >= feed.ids.size();
                }
                if (slice.isEmpty())
                    break;
                // In index order: neighbouring probes share the B-tree's pages.
                QList<qsizetype> order(slice.size());
                std::iota(order.begin(), order.end(), 0);
                std::sort(order.begin(), order.end(), [&](qsizetype a, qsizetype b) { return slice[a] < slice[b]; });
                QStringList sorted;
                sorted.reserve(slice.size());
                for (qsizetype k : std::as_const(order))
                    sorted << slice[k];
                const std::string array = deadletters::ProcessedLookup::arrayLiteral(sorted);
                answer->rows.resize(at + slice.size(), models::RowState::NoRow);
                answer->entities.resize(at + slice.size(), 0);
                status = s->run(storeControl, [&](pqxx::transaction_base &tx) {
                    // Thousands of ids at once make a sequential scan look cheaper
                    // to the planner than as many index probes; on a large store it
                    // is not, and the store is not to be read whole.
                    tx.exec0("SET LOCAL enable_seqscan = off");
                    const pqxx::result r = tx.exec_params(byIds, array);
                    for (const auto &row : r) {
                        const qint64 ord = row[0].as<qint64>();
                        if (ord < 1 || ord > order.size())
                            continue;
                        const qsizetype i = at + order[ord - 1];
                        const QString stored = postgres::textOf(row[1]);
                        answer->rows[i] = models::rowStateOf(logical.value(stored, stored));
                        answer->entities[i] = models::entityHash(postgres::textOf(row[2]), postgres::textOf(row[3]));
                    }
                });
                at += slice.size();
                report(QStringLiteral("%1: %2 event_ids asked").arg(step, count(at)), -1);
                if (last)
                    break;
            }
            if (!status) {
                answer->error = status.error();
                answer->rows.clear();
                answer->entities.clear();
                return;
            }
            log->debug("store {}: {} event_ids asked after {} ms", name.toStdString(), at, clock.elapsed());
            {
                std::unique_lock lock(feed.mutex);
                feed.changed.wait(lock, [&] { return feed.allReady; });
            }
            const Status extra = s->run(storeControl, [&](pqxx::transaction_base &tx) {
                tx.exec0("SET LOCAL enable_seqscan = off"); // the first-seen index where there is one
                const pqxx::result r = tx.exec_params(extraRows, feed.all, fromText, toText);
                for (const auto &row : r) {
                    const QString stored = postgres::textOf(row[1]);
                    answer->windowRows.append({models::capUntrusted(postgres::textOf(row[0])),
                                               models::rowStateOf(logical.value(stored, stored)),
                                               models::entityHash(postgres::textOf(row[2]), postgres::textOf(row[3]))});
                }
            });
            if (!extra)
                answer->extraError = extra.error();
            log->debug("store {}: read after {} ms", name.toStdString(), clock.elapsed());
            report(QStringLiteral("%1: done").arg(step), 100);
        });
    }

    // 2. The source: distinct event_ids, copies, unreadable messages.
    kafka::KafkaReader reader(window.properties);
    trace::EnvelopeFieldReader fields(sourceSpec.value(), true); // entity keys come from the stores' rows
    QHash<QString, qsizetype> index; // event_id -> event index
    qsizetype published = 0;
    auto publish = [&](bool done) {
        std::lock_guard lock(feed.mutex);
        for (; published < source.events.size(); ++published)
            feed.ids << source.events[published].eventId;
        feed.done = done;
        feed.changed.notify_all();
    };
    const QString readStep = QStringLiteral("read %1").arg(flow->topics.join(QStringLiteral(", ")));
    readRanges(
        reader, sourceRanges, d->options.chunk, topicControl, window.known,
        [&](const models::RawMessage &m) {
            ++source.messages;
            const auto f = fields.read(m);
            if (f.eventId.isEmpty()) {
                ++source.unreadable;
                if (source.unreadableReasons.size() < 20 || source.unreadableReasons.contains(f.problem))
                    ++source.unreadableReasons[models::capUntrusted(f.problem)];
                if (source.unreadableAt.size() < 20)
                    source.unreadableAt << QStringLiteral("%1 %2@%3").arg(m.topic).arg(m.partition).arg(m.offset);
                return;
            }
            const qint32 part = partitionIndex.value({m.topic, m.partition}, -1);
            const auto it = index.constFind(f.eventId);
            if (it != index.cend()) {
                models::SourceEvent &e = source.events[*it];
                ++e.copies;
                source.laterCopies[*it].append({part, m.offset});
                return;
            }
            index.insert(f.eventId, source.events.size());
            source.events.append({f.eventId, part, m.offset, m.timestampMs, 1});
        },
        [&](qint64 read, qint64 total) {
            publish(false);
            report(QStringLiteral("%1: %2 of %3 messages").arg(readStep, count(read), count(total)),
                   total > 0 ? int(read * 100 / total) : 100);
        },
        &source.notRead, &source.retentionCut);
    publish(true);
    log->debug("{}: {} source messages read after {} ms", flow->name.toStdString(), source.messages, clock.elapsed());
    if (!storeGroups.isEmpty()) {
        std::string all = deadletters::ProcessedLookup::arrayLiteral(feed.ids);
        std::lock_guard lock(feed.mutex);
        feed.all = std::move(all);
        feed.allReady = true;
        feed.changed.notify_all();
    }

    // 3. The dead-letter topic from the window's start: which group gave up on which event.
    QHash<QString, QSet<QString>> deadLettered; // group -> event_ids ("" : every group)
    if (!deadRanges.isEmpty() && !control.shouldStop()) {
        QList<models::NotScannedRange> deadNotRead;
        readRanges(
            reader, deadRanges, d->options.chunk, topicControl, window.known,
            [&](const models::RawMessage &m) {
                const models::DecodedEnvelope e = models::decode(m, deadSpec.value());
                if (!e.eventId.isEmpty() && index.contains(e.eventId))
                    deadLettered[e.consumerGroup].insert(e.eventId);
            },
            [&](qint64 read, qint64 total) {
                report(QStringLiteral("read %1: %2 of %3 dead letters").arg(flow->deadLetterTopic, count(read), count(total)),
                       total > 0 ? int(read * 100 / total) : 100);
            },
            &deadNotRead, nullptr);
        for (models::NotScannedRange n : std::as_const(deadNotRead)) {
            n.detail = QStringLiteral("dead-letter topic not read: %1").arg(n.detail);
            source.notRead.append(n);
        }
    }

    // 4. Rows first seen in the window for events produced shortly before it
    // are not extra: the look-back before the window, read while the stores answer.
    if (d->options.lookback.count() > 0 && !control.shouldStop()) {
        QList<trace::WindowPartition> parts;
        QList<qint64> times;
        for (const trace::WindowPartition &p : std::as_const(window.parts)) {
            if (p.role == Role::Source && p.from > p.low) {
                parts << p;
                times << query.from.toMSecsSinceEpoch() - d->options.lookback.count();
            }
        }
        const auto starts = trace::lookUpTimes(window.properties, parts, times, d->options.lookupThreads, topicControl);
        QList<kafka::OffsetRange> before;
        for (qsizetype i = 0; i < parts.size(); ++i) {
            if (starts[i] && starts[i].value() < parts[i].from)
                before.append({parts[i].topic, parts[i].partition, starts[i].value(), parts[i].from});
        }
        readRanges(
            reader, before, d->options.chunk, topicControl, window.known,
            [&](const models::RawMessage &m) {
                const auto f = fields.read(m);
                if (!f.eventId.isEmpty())
                    source.producedBefore.insert(f.eventId);
            },
            {}, nullptr, nullptr);
    }

    // 5. The stores' answers.
    for (auto &t : threads)
        t.join();
    feed.all = std::string();
    log->debug("{}: stores read after {} ms", flow->name.toStdString(), clock.elapsed());

    // 6. Per group: its store's answer, its committed offsets, its dead letters.
    QList<models::GroupEvidence> evidence;
    for (const models::ConsumerGroupConfig &g : flow->groups) {
        models::GroupEvidence e;
        e.flow = flow->name;
        e.group = g.name;
        e.store = g.store;
        if (g.store.isEmpty())
            e.error = QStringLiteral("the group has no store in the configuration");
        const StoreAnswer a = answers.value(g.store);
        if (e.error.isEmpty())
            e.error = a.error;
        e.rows = a.rows;
        e.rowEntities = a.entities;
        e.windowRows = a.windowRows;
        e.extraError = a.extraError;
        e.committed = QList<qint64>(source.partitions.size(), -1);
        for (const models::PartitionLag &p : std::as_const(window.snapshot.partitions)) {
            if (p.group != g.name)
                continue;
            const qint32 i = partitionIndex.value({p.topic, p.partition}, -1);
            if (i >= 0)
                e.committed[i] = p.committed;
        }
        e.deadLettered = deadLettered.value(g.name) + deadLettered.value(QString());
        evidence.append(e);
    }
    if (control.isCancelled()) {
        out.error = QStringLiteral("cancelled before it was complete");
        return out;
    }
    out = models::buildReconcileReport(flow->name, {query.from, query.to}, flow->topics, source, evidence,
                                       d->options.idCap);
    out.elapsedMs = clock.elapsed();
    log->info("reconcile of {} [{}, {}): {} messages, {} event_ids, {} in {} ms", flow->name.toStdString(),
                              fromText, toText, source.messages, source.events.size(),
                              out.reconciled() ? "reconciled" : "not reconciled", out.elapsedMs);
    return out;
}

} // namespace idem::connectors::reconcile
