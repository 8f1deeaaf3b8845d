#include "connectors/ops/replayplanning.h"

#include "connectors/kafka/kafkareader.h"
#include "connectors/ops/replaystore.h"
#include "connectors/postgres/pgconninfo.h"
#include "connectors/postgres/pgsession.h"
#include "models/envelope/envelope.h"
#include "models/envelope/failuregroup.h"
#include "models/envelope/presets.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QSet>

#include <pqxx/pqxx>

namespace idem::connectors::ops {

namespace {

constexpr int kLookupBatch = 5000;

// A PostgreSQL array literal of text values: {"a","b\"c"}.
std::string textArray(const QStringList &values, qsizetype from, qsizetype count)
{
    std::string out = "{";
    for (qsizetype i = from; i < from + count && i < values.size(); ++i) {
        if (i > from)
            out += ',';
        out += '"';
        for (const char c : values[i].toStdString()) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

} // namespace

Result<QList<DeadLetterAddress>> parseDeadLetterAddresses(const QString &text)
{
    QList<DeadLetterAddress> out;
    static const QRegularExpression form(QStringLiteral("^(.+):(\\d+):(\\d+)$"));
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const auto m = form.match(part.trimmed());
        if (!m.hasMatch())
            return makeError(QStringLiteral("\"%1\" is not a dead letter's address: write TOPIC:PARTITION:OFFSET, "
                                            "e.g. orders.dlq:0:42")
                                 .arg(part.trimmed().left(200)));
        out.append({m.captured(1), m.captured(2).toInt(), m.captured(3).toLongLong()});
    }
    if (out.isEmpty())
        return makeError(QStringLiteral("no dead letters named: write TOPIC:PARTITION:OFFSET,…"));
    return out;
}

QList<models::StoreConfig> storesOnTopic(const models::EnvironmentConfig &env, const models::FlowConfig &flow,
                                         const QString &topic, QStringList *unwatched)
{
    QList<models::StoreConfig> stores;
    if (!flow.topics.contains(topic))
        return stores;
    for (const auto &group : flow.groups) {
        const models::StoreConfig *store = group.store.isEmpty() ? nullptr : env.store(group.store);
        if (!store) {
            if (unwatched)
                *unwatched << group.name;
            continue;
        }
        if (std::none_of(stores.cbegin(), stores.cend(), [&](const auto &s) { return s.name == store->name; }))
            stores << *store;
    }
    return stores;
}

struct ProcessedLookup::Store
{
    models::StoreConfig config;
    std::unique_ptr<postgres::PgSession> session;
};

ProcessedLookup::ProcessedLookup(QList<models::StoreConfig> stores)
{
    for (auto &config : stores) {
        postgres::PgSessionOptions options;
        options.label = QStringLiteral("store %1").arg(config.name);
        options.readOnly = true;
        options.statementTimeoutMs = config.statementTimeoutMs;
        auto store = std::make_unique<Store>();
        store->session = std::make_unique<postgres::PgSession>(config.connection, options);
        store->config = std::move(config);
        m_stores.push_back(std::move(store));
    }
}

ProcessedLookup::~ProcessedLookup() = default;

QStringList ProcessedLookup::storeNames() const
{
    QStringList names;
    for (const auto &s : m_stores)
        names << s->config.name;
    return names;
}

Result<QHash<QString, QStringList>> ProcessedLookup::processedIn(const QStringList &eventIds, const PollControl &control)
{
    QHash<QString, QStringList> found;
    for (const auto &store : m_stores) {
        const auto table = postgres::parseTableName(store->config.registry.table);
        if (!table)
            return makeError(QStringLiteral("store %1: %2").arg(store->config.name, table.error()));
        const QString id = postgres::quoteIdentifier(store->config.registry.column(QStringLiteral("event_id")));
        const QString status = postgres::quoteIdentifier(store->config.registry.column(QStringLiteral("status")));
        // The parameter's type is left to the server: an ANY over the column's own array type, so its index serves.
        const std::string sql = QStringLiteral("SELECT %1::text FROM %2 WHERE %1 = ANY($1) AND %3::text = $2")
                                    .arg(id, table->quoted(), status)
                                    .toStdString();
        const std::string processed = store->config.outcomeValue(QStringLiteral("processed")).toStdString();
        for (qsizetype from = 0; from < eventIds.size(); from += kLookupBatch) {
            auto st = store->session->run(control, [&](pqxx::transaction_base &tx) {
                for (const auto &row : tx.exec_params(sql, textArray(eventIds, from, kLookupBatch), processed))
                    found[QString::fromStdString(row[0].as<std::string>())] << store->config.name;
            });
            if (!st)
                return makeError(st.error());
        }
    }
    return found;
}

Status dryRun(const models::EnvironmentConfig &env, const models::FlowConfig &flow, QList<models::ReplayItemSpec> &items,
              const PollControl &control)
{
    QHash<QString, QList<int>> byTopic;
    for (int i = 0; i < items.size(); ++i)
        byTopic[items[i].targetTopic] << i;
    for (auto it = byTopic.cbegin(); it != byTopic.cend(); ++it) {
        QStringList unwatched;
        const auto stores = storesOnTopic(env, flow, it.key(), &unwatched);
        if (stores.isEmpty()) {
            for (int i : it.value()) {
                items[i].dryRunSkip = false;
                items[i].dryRunReason = QStringLiteral("no watched store consumes %1").arg(it.key());
            }
            continue;
        }
        QStringList ids;
        for (int i : it.value())
            ids << items[i].eventId;
        ProcessedLookup lookup(stores);
        auto found = lookup.processedIn(ids, control);
        if (!found)
            return makeError(QStringLiteral("dry run: %1").arg(found.error()));
        for (int i : it.value()) {
            const QStringList in = found->value(items[i].eventId);
            QStringList missing;
            for (const auto &s : stores) {
                if (!in.contains(s.name))
                    missing << s.name;
            }
            items[i].dryRunSkip = missing.isEmpty();
            items[i].dryRunReason = missing.isEmpty()
                ? QStringLiteral("already processed in %1").arg(in.join(QStringLiteral(", ")))
                : QStringLiteral("not processed in %1").arg(missing.join(QStringLiteral(", ")));
        }
    }
    return {};
}

QString payloadHash(const std::optional<QByteArray> &value)
{
    if (!value)
        return {};
    return QString::fromLatin1(QCryptographicHash::hash(*value, QCryptographicHash::Sha256).toHex());
}

Result<QList<models::ReplayItemSpec>> collectItems(const models::EnvironmentConfig &env, const models::FlowConfig &flow,
                                                   const QList<DeadLetterAddress> &addresses, const QString &failure,
                                                   qint64 newest, const QString &targetTopic,
                                                   const PollControl &control)
{
    if (flow.deadLetterTopic.isEmpty() && addresses.isEmpty())
        return makeError(QStringLiteral("flow %1 has no dead-letter topic").arg(flow.name));
    const models::KafkaClusterConfig *cluster = env.cluster(flow.cluster);
    if (!cluster)
        return makeError(QStringLiteral("flow %1 names cluster %2, which the environment does not have")
                             .arg(flow.name, flow.cluster));
    auto properties = kafka::clusterProperties(*cluster);
    if (!properties)
        return makeError(properties.error());
    auto spec = models::makeEnvelopeSpec(flow.deadLetterEnvelope.preset, flow.deadLetterEnvelope.fields);
    if (!spec)
        return makeError(QStringLiteral("flow %1's dead-letter envelope: %2").arg(flow.name, spec.error()));
    kafka::KafkaReader reader(*properties);

    QList<kafka::OffsetRange> ranges;
    if (!failure.isEmpty()) {
        auto counts = reader.partitionCounts(control);
        if (!counts)
            return makeError(counts.error());
        QList<kafka::TopicPartition> parts;
        for (int p = 0; p < counts->value(flow.deadLetterTopic); ++p)
            parts.append({flow.deadLetterTopic, p});
        if (parts.isEmpty())
            return makeError(QStringLiteral("the dead-letter topic %1 does not exist").arg(flow.deadLetterTopic));
        auto wm = reader.watermarks(parts, control);
        if (!wm)
            return makeError(wm.error());
        const qint64 perPartition = std::max<qint64>(1, newest / parts.size());
        for (const auto &w : *wm) {
            if (!w.error.isEmpty())
                return makeError(w.error);
            ranges.append({w.partition.topic, w.partition.partition, std::max(w.low, w.high - perPartition), w.high});
        }
    } else {
        QMap<QPair<QString, int>, QPair<qint64, qint64>> spans;
        for (const auto &a : addresses) {
            auto key = qMakePair(a.topic, a.partition);
            auto it = spans.find(key);
            if (it == spans.end())
                spans.insert(key, {a.offset, a.offset + 1});
            else
                *it = {std::min(it->first, a.offset), std::max(it->second, a.offset + 1)};
        }
        for (auto it = spans.cbegin(); it != spans.cend(); ++it)
            ranges.append({it.key().first, it.key().second, it->first, it->second});
    }
    const kafka::ReadResult read = reader.read(ranges, 0, control);
    if (!read.error.isEmpty())
        return makeError(read.error);

    QMap<std::tuple<QString, int, qint64>, const models::RawMessage *> byAddress;
    for (const auto &m : read.messages)
        byAddress.insert({m.topic, m.partition, m.offset}, &m);
    QList<const models::RawMessage *> chosen;
    if (!failure.isEmpty()) {
        for (const auto &m : read.messages) {
            const models::DecodedEnvelope e = models::decode(m, *spec);
            const models::FailureGroup group = models::failureGroupOf(e);
            if (group.key == failure || group.label() == failure || e.error.contains(failure, Qt::CaseInsensitive)
                || group.cause.contains(failure, Qt::CaseInsensitive))
                chosen << &m;
        }
        if (chosen.isEmpty())
            return makeError(QStringLiteral("none of the newest %1 dead letters of %2 failed with \"%3\"")
                                 .arg(newest)
                                 .arg(flow.deadLetterTopic, failure.left(200)));
    } else {
        for (const auto &a : addresses) {
            const models::RawMessage *m = byAddress.value({a.topic, a.partition, a.offset});
            if (!m)
                return makeError(QStringLiteral("no dead letter at %1:%2:%3 (%4)")
                                     .arg(a.topic)
                                     .arg(a.partition)
                                     .arg(a.offset)
                                     .arg(read.complete() ? QStringLiteral("past the end, or compacted away")
                                                          : read.describeGaps()));
            chosen << m;
        }
    }
    QList<models::ReplayItemSpec> items;
    // Each event once: the dead-letter copies several groups made of the same
    // event (one per failing group) are one replay, which every group reads.
    QSet<QPair<QString, QString>> events; // (event_id, target topic)
    for (const models::RawMessage *m : chosen) {
        const models::DecodedEnvelope e = models::decode(*m, *spec);
        models::ReplayItemSpec item;
        item.dlqTopic = m->topic;
        item.dlqPartition = m->partition;
        item.dlqOffset = m->offset;
        item.eventId = e.eventId;
        if (item.eventId.isEmpty())
            return makeError(QStringLiteral("the dead letter at %1 has no readable event_id: %2")
                                 .arg(item.dlqAddress(), e.problems.isEmpty() ? QString() : e.problems.first().text()));
        item.targetTopic = !targetTopic.isEmpty() ? targetTopic
            : !e.originalTopic.isEmpty()          ? e.originalTopic
                                                  : flow.topics.value(0);
        if (item.targetTopic.isEmpty())
            return makeError(QStringLiteral("the dead letter at %1 does not say its original topic and flow %2 has "
                                            "none: give a target topic")
                                 .arg(item.dlqAddress(), flow.name));
        item.key = m->key;
        item.payloadHash = payloadHash(m->value);
        if (events.contains({item.eventId, item.targetTopic}))
            continue;
        events.insert({item.eventId, item.targetTopic});
        items << item;
    }
    return items;
}

Result<PreparedRequest> requestReplay(const models::EnvironmentConfig &env, ReplayStore &store, const QString &flowName,
                                      const QList<DeadLetterAddress> &addresses, const QString &failure, qint64 newest,
                                      const QString &reason, const QString &targetTopic, const PollControl &control)
{
    const models::FlowConfig *flow = env.flow(flowName);
    if (!flow)
        return makeError(flowName.isEmpty() ? QStringLiteral("a replay request needs a flow")
                                            : QStringLiteral("no flow %1 in environment %2").arg(flowName, env.name));
    auto items = collectItems(env, *flow, addresses, failure, newest, targetTopic, control);
    if (!items)
        return makeError(items.error());
    if (auto dry = dryRun(env, *flow, *items, control); !dry)
        return makeError(dry.error());
    auto id = store.request(flow->name, reason, *items, targetTopic, control);
    if (!id)
        return makeError(id.error());
    PreparedRequest prepared{*id, int(items->size()), 0};
    for (const auto &i : *items)
        prepared.skip += i.dryRunSkip ? 1 : 0;
    return prepared;
}

Result<Decided> decideReplay(const models::EnvironmentConfig &env, ReplayStore &store, qint64 id, bool approve,
                             const QString &itemsHash, const QString &comment, bool overrideProcessed,
                             const PollControl &control)
{
    auto shown = store.show(id, control);
    if (!shown)
        return makeError(shown.error());
    Decided decided;
    decided.items = shown->items.size();
    QMap<int, QPair<bool, QString>> dry;
    // Whom the database will refuse anyway gets its reason without a dry run first.
    auto who = store.identity(control);
    if (!who)
        return makeError(who.error());
    const bool mayDecide = models::decisionRefusal(shown->request, *who, QDateTime::currentDateTimeUtc()).isEmpty();
    if (approve && mayDecide) {
        const models::FlowConfig *flow = env.flow(shown->request.flow);
        if (!flow)
            return makeError(QStringLiteral("replay %1 is for flow %2, which environment %3 does not have")
                                 .arg(id)
                                 .arg(shown->request.flow, env.name));
        QList<models::ReplayItemSpec> specs;
        for (const auto &i : shown->items)
            specs << i.spec;
        if (auto st = dryRun(env, *flow, specs, control); !st)
            return makeError(st.error());
        for (int n = 0; n < specs.size(); ++n) {
            dry.insert(shown->items[n].item, {specs[n].dryRunSkip, specs[n].dryRunReason});
            decided.skip += specs[n].dryRunSkip ? 1 : 0;
        }
    }
    auto status = store.decide(id, approve, itemsHash.isEmpty() ? shown->request.itemsHash : itemsHash, comment,
                               overrideProcessed, dry, control);
    if (!status)
        return makeError(status.error());
    decided.status = *status;
    return decided;
}

} // namespace idem::connectors::ops
