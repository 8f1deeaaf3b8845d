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

#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <numeric>
#include <string_view>
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

// Reads `ranges` whole in one pass, handing every record to `take` as
// librdkafka holds it; the parts not read (and deleted while it ran) go to
// `notRead` / `deleted`.
void readRanges(kafka::KafkaReader &reader, const QList<kafka::OffsetRange> &ranges, const PollControl &control,
                const kafka::KnownWatermarks &known, const kafka::KafkaReader::RecordSink &take,
                const std::function<void(qint64 read, qint64 total)> &progress, QList<models::NotScannedRange> *notRead,
                QStringList *deleted)
{
    if (ranges.isEmpty())
        return;
    qint64 total = 0;
    for (const kafka::OffsetRange &r : ranges)
        total += r.to - r.from;
    const kafka::ReadResult result = reader.stream(ranges, take, control, known, [&](qint64 read) {
        if (progress)
            progress(read, total);
    });
    for (const kafka::RangeOutcome &o : result.ranges) {
        const kafka::OffsetRange &r = o.range;
        if (o.pastRetention() && deleted)
            deleted->append(QStringLiteral("%1 [%2, %3) deleted while it was read")
                                .arg(where(r.topic, r.partition))
                                .arg(r.from)
                                .arg(o.readFrom));
        if (o.readTo >= r.to || o.stop == kafka::ReadStop::None || o.stop == kafka::ReadStop::BeyondEnd)
            continue;
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
    if (progress)
        progress(total, total);
}

// Event_ids as one bound text[] (every element quoted, quotes and backslashes escaped).
void appendArrayElement(std::string &out, QByteArrayView id)
{
    out += '"';
    for (const char c : id) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
}

// A batch of the window's event_ids for the stores, made once for all of them.
struct IdBatch
{
    qsizetype end = 0; // event indices [end - order.size(), end)
    std::vector<qsizetype> order; // the array's k-th element is event order[k]
    std::string array; // in byte order: neighbouring probes share the B-tree's pages
    std::string first, last; // the smallest and largest id, byte for byte
};

std::shared_ptr<const IdBatch> makeBatch(const models::EventIdSet &ids, qsizetype from, qsizetype to)
{
    auto batch = std::make_shared<IdBatch>();
    batch->end = to;
    batch->order.resize(size_t(to - from));
    std::iota(batch->order.begin(), batch->order.end(), from);
    std::sort(batch->order.begin(), batch->order.end(), [&](qsizetype a, qsizetype b) {
        const QByteArrayView x = ids.at(a), y = ids.at(b);
        return std::string_view(x.data(), size_t(x.size())) < std::string_view(y.data(), size_t(y.size()));
    });
    qsizetype bytes = 2;
    for (qsizetype i = from; i < to; ++i)
        bytes += ids.at(i).size() + 3;
    batch->array.reserve(size_t(bytes));
    batch->array += '{';
    for (size_t k = 0; k < batch->order.size(); ++k) {
        if (k)
            batch->array += ',';
        appendArrayElement(batch->array, ids.at(batch->order[k]));
    }
    batch->array += '}';
    if (!batch->order.empty()) {
        const QByteArrayView first = ids.at(batch->order.front()), last = ids.at(batch->order.back());
        batch->first.assign(first.data(), size_t(first.size()));
        batch->last.assign(last.data(), size_t(last.size()));
    }
    return batch;
}

std::string_view bytesOf(const pqxx::field &f)
{
    return f.is_null() ? std::string_view() : std::string_view(f.c_str(), f.size());
}

// What a stored status says, by its bytes, computed as it always was (text,
// mapped to the logical outcome) once per distinct value.
class StatusStates
{
public:
    explicit StatusStates(const models::StoreConfig &store)
    {
        for (const QString &l : models::outcomeNames())
            m_logical.insert(store.outcomeValue(l), l);
    }
    models::RowState of(const pqxx::field &f)
    {
        const std::string_view bytes = bytesOf(f);
        for (const auto &[known, state] : m_known) {
            if (known == bytes)
                return state;
        }
        const QString stored = postgres::textOf(f);
        const models::RowState state = models::rowStateOf(m_logical.value(stored, stored));
        if (m_known.size() < 64)
            m_known.emplace_back(std::string(bytes), state);
        return state;
    }

private:
    QHash<QString, QString> m_logical; // stored status -> logical name
    std::vector<std::pair<std::string, models::RowState>> m_known;
};

// A row's entity (key and type) as textOf() and entityHash() always saw it.
quint64 entityOf(const pqxx::field &key, const pqxx::field &type)
{
    if (key.is_null() || type.is_null())
        return 0;
    const QByteArray k = trace::utf8AsQStringWouldHaveIt(QByteArray::fromRawData(key.c_str(), qsizetype(key.size())));
    const QByteArray t = trace::utf8AsQStringWouldHaveIt(QByteArray::fromRawData(type.c_str(), qsizetype(type.size())));
    return models::entityHashUtf8(k, t);
}

template<typename T>
T numberOf(const pqxx::field &f, T otherwise)
{
    T value = otherwise;
    const std::string_view text = bytesOf(f);
    if (text.empty() || std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc())
        return otherwise;
    return value;
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
    // publishes each batch of new event_ids (as one array, for every store),
    // each store's thread asks for them as they come, then (once every
    // event_id is known) looks for its extra rows.
    struct Feed
    {
        std::mutex mutex;
        std::condition_variable changed;
        std::vector<std::shared_ptr<const IdBatch>> batches; // let go once every store has taken it
        std::vector<int> taken; // by batch: how many stores have
        int stores = 0; // store threads
        bool done = false; // every event_id is in a batch, and source.ids no longer changes
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
    // The window in slices of first-seen time: a store's rows are counted by
    // slice (from its first-seen index) and only slices where they are more
    // than the rows found for the window's event_ids are searched for extra
    // rows. The slice of a row is computed by the server, by one expression
    // in every query, so both sides agree whatever its arithmetic.
    const qint64 fromMs = query.from.toMSecsSinceEpoch();
    const qint64 toMs = query.to.toMSecsSinceEpoch();
    const qint32 sliceCount = std::max(1, d->options.slices);
    const qint64 sliceMs = std::max<qint64>(1, (toMs - fromMs + sliceCount - 1) / sliceCount);
    const std::string sliceOrigin = QString::number(double(fromMs) / 1000.0, 'g', 17).toStdString();
    const std::string sliceWidth = QString::number(double(sliceMs) / 1000.0, 'g', 17).toStdString();
    for (auto it = storeGroups.cbegin(); it != storeGroups.cend(); ++it) {
        answers[it.key()] = {};
        if (d->environment.store(it.key()))
            ++feed.stores;
    }
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
            StatusStates states(*store);
            auto col = [&](const char *l) {
                return postgres::quoteIdentifier(store->registry.column(QString::fromLatin1(l))).toStdString();
            };
            const std::string registry = table->quoted().toStdString();
            const std::string firstSeen = "r." + col("first_seen_at");
            const std::string slice = "floor((date_part('epoch', " + firstSeen + ") - $3::float8) / $4::float8)::int";
            const PollControl storeControl = control.atMost(d->options.storeTimeout);
            const QString step = QStringLiteral("store %1").arg(name);
            // Thousands of ids at once make a sequential scan look cheaper to
            // the planner than as many index probes; on a large store it is
            // not, and the store is not to be read whole. Compiling the plan
            // (JIT) and parallel workers cost more than they save here.
            const std::string settings = s->serverVersion() >= 110000 || s->serverVersion() == 0
                ? "SET LOCAL enable_seqscan = off; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0"
                : "SET LOCAL enable_seqscan = off";
            // Whether the registry has its first-seen column (the slices need
            // it; without it the extra rows cannot be read, as the query that
            // reads them will say), and whether its event_ids compare byte for
            // byte (the C collation: a batch's smallest and largest id then
            // bound it in the index).
            bool sliced = false, bytewise = false;
            Status status = s->run(storeControl, [&](pqxx::transaction_base &tx) {
                const std::string providerIsLibc
                    = s->serverVersion() >= 150000 ? " AND d.datlocprovider = 'c'" : std::string();
                const pqxx::result r = tx.exec_params(
                    "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 "
                    "AND attnum > 0 AND NOT attisdropped), "
                    "(SELECT CASE WHEN c.collname IN ('C', 'POSIX') THEN true WHEN c.collname = 'default' THEN "
                    "(SELECT d.datcollate IN ('C', 'POSIX')" + providerIsLibc + " FROM pg_database d "
                    "WHERE d.datname = current_database()) ELSE false END FROM pg_attribute a JOIN pg_collation c "
                    "ON c.oid = a.attcollation WHERE a.attrelid = to_regclass($1) AND a.attname = $3 "
                    "AND a.attnum > 0 AND NOT a.attisdropped)",
                    registry, store->registry.column(QStringLiteral("first_seen_at")).toStdString(),
                    store->registry.column(QStringLiteral("event_id")).toStdString());
                sliced = d->options.slices > 0 && !r.empty() && r[0][0].as<bool>(false);
                bytewise = d->options.idRanges && !r.empty() && r[0][1].as<bool>(false);
            });
            // The batch's ids as a bound array, joined by position: each row says which id it is.
            const std::string byIds = "SELECT i.ord, r." + col("status") + ", r." + col("entity_key") + ", r."
                + col("event_type") + (sliced ? ", CASE WHEN " + firstSeen + " >= $1::timestamptz AND " + firstSeen
                                                    + " < $2::timestamptz THEN " + slice + " END"
                                              : std::string())
                + " FROM unnest($" + (sliced ? "5" : "1") + "::text[]) WITH ORDINALITY AS i(id, ord) JOIN " + registry
                + " r ON r." + col("event_id") + " = i.id";
            // A batch whose ids are most of the index entries between its
            // smallest and largest (ids that grow with time, as the window's
            // do) is read as that range of the index, joined with the batch
            // by a hash: a few pages, where a probe an id descends the B-tree
            // each time. Whether it is is counted first (at most 3 entries an
            // id, from the index alone); batches that are not make the next
            // few probe at once.
            const std::string sliceColumn = sliced ? ", CASE WHEN " + firstSeen + " >= $1::timestamptz AND "
                    + firstSeen + " < $2::timestamptz THEN " + slice + " END AS slice"
                                                   : std::string();
            const std::string idsParam = sliced ? "$5" : "$1", loParam = sliced ? "$6" : "$2",
                              hiParam = sliced ? "$7" : "$3";
            const std::string inRange = "r." + col("event_id") + " >= " + loParam + "::text AND r." + col("event_id")
                + " <= " + hiParam + "::text";
            const std::string rangeCount = "SELECT count(*) FROM (SELECT 1 FROM " + registry + " r WHERE r."
                + col("event_id") + " >= $1::text AND r." + col("event_id") + " <= $2::text LIMIT $3) s";
            const std::string materialized = s->serverVersion() >= 120000 ? "MATERIALIZED " : "";
            const std::string byRange = "WITH r AS " + materialized + "(SELECT r." + col("event_id") + " AS id, r." + col("status")
                + " AS status, r." + col("entity_key") + " AS entity_key, r." + col("event_type") + " AS event_type"
                + sliceColumn + " FROM " + registry + " r WHERE " + inRange
                + ") SELECT i.ord, r.status, r.entity_key, r.event_type" + (sliced ? ", r.slice" : "")
                + " FROM unnest(" + idsParam + "::text[]) WITH ORDINALITY AS i(id, ord) JOIN r ON r.id = i.id";
            int probeOnly = 0; // batches left to probe without counting
            int sparseRun = 0;
            qsizetype rangedBatches = 0;
            std::vector<qint32> slices; // by event index: the slice of its row first seen in the window, -1: none
            std::vector<qint64> found(size_t(sliceCount) + 1, 0); // rows found a slice (the last: out of range)
            qsizetype at = 0, batches = 0;
            while (status) {
                std::shared_ptr<const IdBatch> batch;
                {
                    std::unique_lock lock(feed.mutex);
                    feed.changed.wait(lock, [&] { return feed.done || size_t(batches) < feed.batches.size(); });
                    if (size_t(batches) < feed.batches.size()) {
                        batch = feed.batches[size_t(batches)];
                        if (++feed.taken[size_t(batches)] >= feed.stores)
                            feed.batches[size_t(batches)].reset();
                    }
                }
                if (!batch)
                    break;
                ++batches;
                answer->rows.resize(batch->end, models::RowState::NoRow);
                answer->entities.resize(batch->end, 0);
                if (sliced)
                    slices.resize(size_t(batch->end), -1);
                status = s->run(storeControl, [&](pqxx::transaction_base &tx) {
                    tx.exec0(settings);
                    bool ranged = false;
                    if (bytewise && probeOnly == 0 && !batch->order.empty()) {
                        const qint64 cap = 3 * qint64(batch->order.size()) + 1;
                        const pqxx::result n = tx.exec_params(rangeCount, batch->first, batch->last, cap);
                        ranged = !n.empty() && numberOf<qint64>(n[0][0], cap) < cap;
                        sparseRun = ranged ? 0 : std::min(sparseRun * 2 + 1, 64);
                        probeOnly = sparseRun;
                    } else if (probeOnly > 0) {
                        --probeOnly;
                    }
                    pqxx::result r;
                    if (ranged) {
                        ++rangedBatches;
                        tx.exec0("SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off");
                        r = sliced ? tx.exec_params(byRange, fromText, toText, sliceOrigin, sliceWidth, batch->array,
                                                    batch->first, batch->last)
                                   : tx.exec_params(byRange, batch->array, batch->first, batch->last);
                    } else {
                        r = sliced ? tx.exec_params(byIds, fromText, toText, sliceOrigin, sliceWidth, batch->array)
                                   : tx.exec_params(byIds, batch->array);
                    }
                    const qint64 size = qint64(batch->order.size());
                    for (const auto &row : r) {
                        const qint64 ord = numberOf<qint64>(row[0], 0);
                        if (ord < 1 || ord > size)
                            continue;
                        const qsizetype i = batch->order[size_t(ord - 1)];
                        answer->rows[i] = states.of(row[1]);
                        answer->entities[i] = entityOf(row[2], row[3]);
                        if (sliced && !row[4].is_null()) {
                            const qint32 k = numberOf<qint32>(row[4], -1);
                            slices[size_t(i)] = k;
                            ++found[k >= 0 && k < sliceCount ? size_t(k) : size_t(sliceCount)];
                        }
                    }
                });
                at = batch->end;
                report(QStringLiteral("%1: %2 event_ids asked").arg(step, count(at)), -1);
            }
            if (!status) {
                answer->error = status.error();
                answer->rows.clear();
                answer->entities.clear();
                return;
            }
            log->debug("store {}: {} event_ids asked after {} ms ({} of {} batches as id ranges)", name.toStdString(), at,
                       clock.elapsed(), rangedBatches, batches);
            {
                std::unique_lock lock(feed.mutex);
                feed.changed.wait(lock, [&] { return feed.done; });
            }
            // Extra rows: first seen in the window, event_id none of the window's.
            auto addExtra = [&](const pqxx::row &row) {
                const std::string_view id = bytesOf(row[0]);
                if (source.ids.contains(QByteArrayView(id.data(), qsizetype(id.size()))))
                    return; // one of the window's events (its row came after it was asked for)
                answer->windowRows.append({models::capUntrusted(postgres::textOf(row[0])), states.of(row[1]),
                                           entityOf(row[2], row[3])});
            };
            const std::string rowColumns = "r." + col("event_id") + ", r." + col("status") + ", r." + col("entity_key")
                + ", r." + col("event_type");
            Status extra = Status::success();
            QList<qint32> searched; // the slices to search, each with more rows than found
            if (sliced && found[size_t(sliceCount)] == 0) {
                extra = s->run(storeControl, [&](pqxx::transaction_base &tx) {
                    tx.exec0(settings);
                    const pqxx::result r = tx.exec_params("SELECT " + slice + ", count(*) FROM " + registry + " r WHERE "
                                                              + firstSeen + " >= $1::timestamptz AND " + firstSeen
                                                              + " < $2::timestamptz GROUP BY 1",
                                                          fromText, toText, sliceOrigin, sliceWidth);
                    for (const auto &row : r) {
                        const qint32 k = numberOf<qint32>(row[0], -1);
                        const qint64 n = numberOf<qint64>(row[1], 0);
                        if (k < 0 || k >= sliceCount) {
                            searched = {-1}; // a slice the window does not have: search it all
                            break;
                        }
                        if (n != found[size_t(k)])
                            searched << k;
                    }
                });
            }
            if (!sliced || !extra || searched.contains(-1)) {
                // The whole window at once, against every event_id.
                std::string all = "{";
                for (qsizetype i = 0; i < source.ids.size(); ++i) {
                    if (i)
                        all += ',';
                    appendArrayElement(all, source.ids.at(i));
                }
                all += '}';
                extra = s->run(storeControl, [&](pqxx::transaction_base &tx) {
                    tx.exec0(settings);
                    const pqxx::result r = tx.exec_params("SELECT " + rowColumns + " FROM " + registry + " r WHERE "
                                                              + "r." + col("first_seen_at") + " >= $2::timestamptz AND r."
                                                              + col("first_seen_at") + " < $3::timestamptz AND r."
                                                              + col("event_id") + " <> ALL($1::text[])",
                                                          all, fromText, toText);
                    for (const auto &row : r)
                        addExtra(row);
                });
            } else if (!searched.isEmpty()) {
                // The slices with more rows than found, as first-seen ranges a
                // millisecond wider (the slice expression decides), and the
                // event_ids found in them.
                std::sort(searched.begin(), searched.end());
                QList<QPair<qint64, qint64>> ranges;
                for (const qint32 k : std::as_const(searched)) {
                    const qint64 lo = std::max(fromMs, fromMs + k * sliceMs - 1);
                    const qint64 hi = std::min(toMs, fromMs + (k + 1) * sliceMs + 1);
                    if (!ranges.isEmpty() && lo <= ranges.last().second)
                        ranges.last().second = std::max(ranges.last().second, hi);
                    else
                        ranges.append({lo, hi});
                }
                std::string los = "{", his = "{", wanted = "{", foundIds = "{";
                for (const auto &[lo, hi] : std::as_const(ranges)) {
                    los += (los.size() > 1 ? "," : "") + QDateTime::fromMSecsSinceEpoch(lo, Qt::UTC).toString(Qt::ISODateWithMs).toStdString();
                    his += (his.size() > 1 ? "," : "") + QDateTime::fromMSecsSinceEpoch(hi, Qt::UTC).toString(Qt::ISODateWithMs).toStdString();
                }
                for (const qint32 k : std::as_const(searched))
                    wanted += (wanted.size() > 1 ? "," : "") + std::to_string(k);
                for (size_t i = 0; i < slices.size(); ++i) {
                    if (slices[i] >= 0 && std::binary_search(searched.cbegin(), searched.cend(), slices[i])) {
                        if (foundIds.size() > 1)
                            foundIds += ',';
                        appendArrayElement(foundIds, source.ids.at(qsizetype(i)));
                    }
                }
                los += '}', his += '}', wanted += '}', foundIds += '}';
                extra = s->run(storeControl, [&](pqxx::transaction_base &tx) {
                    tx.exec0(settings);
                    const pqxx::result r = tx.exec_params(
                        "SELECT " + rowColumns + " FROM unnest($5::timestamptz[], $6::timestamptz[]) AS b(lo, hi) JOIN "
                            + registry + " r ON " + firstSeen + " >= b.lo AND " + firstSeen + " < b.hi WHERE " + firstSeen
                            + " >= $1::timestamptz AND " + firstSeen + " < $2::timestamptz AND " + slice
                            + " = ANY($7::int[]) AND r." + col("event_id") + " <> ALL($8::text[])",
                        fromText, toText, sliceOrigin, sliceWidth, los, his, wanted, foundIds);
                    for (const auto &row : r)
                        addExtra(row);
                });
            }
            if (!extra)
                answer->extraError = extra.error();
            log->debug("store {}: read after {} ms ({} of {} slices searched for extra rows)", name.toStdString(),
                       clock.elapsed(), searched.size(), sliceCount);
            report(QStringLiteral("%1: done").arg(step), 100);
        });
    }

    // 2. The source: distinct event_ids, copies, unreadable messages.
    kafka::KafkaReader reader(window.properties,
                              {{QStringLiteral("queued.max.messages.kbytes"), QString::number(std::max(1024, d->options.prefetchKiB))}});
    trace::EnvelopeFieldReader fields(sourceSpec.value(), true); // entity keys come from the stores' rows
    const qsizetype batchSize = std::max(1, d->options.batch);
    qsizetype published = 0;
    auto publish = [&](bool done) {
        std::vector<std::shared_ptr<const IdBatch>> made;
        for (; published < source.ids.size() && (done || source.ids.size() - published >= batchSize);) {
            const qsizetype end = std::min(source.ids.size(), published + batchSize);
            made.push_back(makeBatch(source.ids, published, end));
            published = end;
        }
        if (made.empty() && !done)
            return;
        std::lock_guard lock(feed.mutex);
        for (auto &b : made) {
            feed.batches.push_back(std::move(b));
            feed.taken.push_back(0);
        }
        feed.done = done;
        feed.changed.notify_all();
    };
    const QString readStep = QStringLiteral("read %1").arg(flow->topics.join(QStringLiteral(", ")));
    const QString *lastTopic = nullptr;
    int lastPartition = -1;
    qint32 lastIndex = -1;
    readRanges(
        reader, sourceRanges, topicControl, window.known,
        [&](const rd_kafka_message_t *record, const QString &topic) {
            ++source.messages;
            const models::RawMessage m = kafka::viewRawMessage(record, topic);
            QString problem;
            const QByteArray id = fields.readEventId(m, &problem);
            if (id.isEmpty()) {
                ++source.unreadable;
                if (source.unreadableReasons.size() < 20 || source.unreadableReasons.contains(problem))
                    ++source.unreadableReasons[models::capUntrusted(problem)];
                if (source.unreadableAt.size() < 20)
                    source.unreadableAt << QStringLiteral("%1 %2@%3").arg(m.topic).arg(m.partition).arg(m.offset);
                return;
            }
            if (&topic != lastTopic || m.partition != lastPartition) {
                lastTopic = &topic;
                lastPartition = m.partition;
                lastIndex = partitionIndex.value({m.topic, m.partition}, -1);
            }
            source.addMessage(QByteArrayView(id), lastIndex, m.offset, m.timestampMs);
            if (source.ids.size() - published >= batchSize)
                publish(false);
        },
        [&](qint64 read, qint64 total) {
            report(QStringLiteral("%1: %2 of %3 messages").arg(readStep, count(read), count(total)),
                   total > 0 ? int(read * 100 / total) : 100);
        },
        &source.notRead, &source.retentionCut);
    publish(true);
    log->debug("{}: {} source messages read after {} ms", flow->name.toStdString(), source.messages, clock.elapsed());

    // 3. The dead-letter topic from the window's start: which group gave up on which event.
    QHash<QString, QSet<QString>> deadLettered; // group -> event_ids ("" : every group)
    if (!deadRanges.isEmpty() && !control.shouldStop()) {
        QList<models::NotScannedRange> deadNotRead;
        readRanges(
            reader, deadRanges, topicControl, window.known,
            [&](const rd_kafka_message_t *record, const QString &topic) {
                const models::DecodedEnvelope e = models::decode(kafka::viewRawMessage(record, topic), deadSpec.value());
                if (!e.eventId.isEmpty() && source.ids.contains(e.eventId))
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
            reader, before, topicControl, window.known,
            [&](const rd_kafka_message_t *record, const QString &topic) {
                const QByteArray id = fields.readEventId(kafka::viewRawMessage(record, topic));
                if (!id.isEmpty())
                    source.producedBefore.insert(QByteArrayView(id));
            },
            {}, nullptr, nullptr);
    }

    // 5. The stores' answers.
    for (auto &t : threads)
        t.join();
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
