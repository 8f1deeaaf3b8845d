#include "connectors/deadletters/processedlookup.h"

#include "connectors/postgres/pgconninfo.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/postgres/pgvalues.h"

#include <pqxx/pqxx>

namespace idem::connectors::deadletters {

ProcessedLookup::ProcessedLookup(models::EnvironmentConfig env, QString flow)
    : m_env(std::move(env))
    , m_flow(std::move(flow))
{
}

ProcessedLookup::~ProcessedLookup() = default;

QMap<QString, QStringList> ProcessedLookup::storesFor(const QString &topic) const
{
    QStringList topics;
    if (topic.isEmpty()) {
        if (const models::FlowConfig *f = m_env.flow(m_flow))
            topics = f->topics;
    } else {
        topics << topic;
    }
    QMap<QString, QStringList> stores;
    for (const auto &flow : m_env.flows) {
        bool on = false;
        for (const QString &t : std::as_const(topics))
            on = on || flow.topics.contains(t);
        if (!on)
            continue;
        for (const auto &group : flow.groups) {
            if (!group.store.isEmpty() && !stores[group.store].contains(group.name))
                stores[group.store].append(group.name);
        }
    }
    return stores;
}

std::string ProcessedLookup::arrayLiteral(const QStringList &values)
{
    return postgres::textArrayLiteral(values);
}

postgres::PgSession &ProcessedLookup::session(const models::StoreConfig &store)
{
    auto &s = m_sessions[store.name];
    if (!s) {
        postgres::PgSessionOptions options;
        options.label = QStringLiteral("store %1").arg(store.name);
        options.readOnly = true;
        options.statementTimeoutMs = store.statementTimeoutMs;
        s = std::make_shared<postgres::PgSession>(store.connection, options);
    }
    return *s;
}

QHash<QString, models::ProcessedState> ProcessedLookup::lookup(const QHash<QString, QString> &events,
                                                                const PollControl &control)
{
    // Which events each store is asked about.
    QMap<QString, QStringList> idsByStore;
    QHash<QString, QStringList> storesByEvent;
    QMap<QString, QStringList> groupsByStore;
    QHash<QString, QMap<QString, QStringList>> topicStores; // by topic, computed once
    for (auto it = events.cbegin(); it != events.cend(); ++it) {
        if (it.key().contains(QChar(0)))
            continue; // a text column cannot hold it: never in a store
        if (!topicStores.contains(it.value()))
            topicStores.insert(it.value(), storesFor(it.value()));
        const auto &stores = topicStores[it.value()];
        for (auto s = stores.cbegin(); s != stores.cend(); ++s) {
            idsByStore[s.key()].append(it.key());
            storesByEvent[it.key()].append(s.key());
            for (const QString &g : s.value()) {
                if (!groupsByStore[s.key()].contains(g))
                    groupsByStore[s.key()].append(g);
            }
        }
    }
    QHash<QString, models::StoreAnswer> answers;
    for (auto it = idsByStore.cbegin(); it != idsByStore.cend(); ++it) {
        models::StoreAnswer &answer = answers[it.key()];
        answer.store = it.key();
        answer.groups = groupsByStore.value(it.key());
        const models::StoreConfig *store = m_env.store(it.key());
        if (!store) {
            answer.error = QStringLiteral("store %1 is not defined").arg(it.key());
            continue;
        }
        answer.processedValue = store->outcomeValue(QStringLiteral("processed"));
        const auto table = postgres::parseTableName(store->registry.table);
        if (!table) {
            answer.error = table.error();
            continue;
        }
        const std::string sql = "SELECT "
            + postgres::quoteIdentifier(store->registry.column(QStringLiteral("event_id"))).toStdString() + ", "
            + postgres::quoteIdentifier(store->registry.column(QStringLiteral("status"))).toStdString() + " FROM "
            + table->quoted().toStdString() + " WHERE "
            + postgres::quoteIdentifier(store->registry.column(QStringLiteral("event_id"))).toStdString()
            + " = ANY($1::text[])";
        const std::string ids = arrayLiteral(it.value());
        const Status status = session(*store).run(control, [&](pqxx::transaction_base &tx) {
            const pqxx::result rows = tx.exec_params(sql, ids);
            for (const auto &row : rows)
                answer.status.insert(QString::fromStdString(row[0].as<std::string>()),
                                     QString::fromStdString(row[1].as<std::string>("")));
        });
        if (!status)
            answer.error = status.error();
    }
    QHash<QString, models::ProcessedState> out;
    for (auto it = events.cbegin(); it != events.cend(); ++it) {
        QList<models::StoreAnswer> mine;
        for (const QString &s : storesByEvent.value(it.key()))
            mine.append(answers.value(s));
        out.insert(it.key(), models::combineProcessed(it.key(), mine));
    }
    return out;
}

} // namespace idem::connectors::deadletters
