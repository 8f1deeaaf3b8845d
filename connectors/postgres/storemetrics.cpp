#include "connectors/postgres/storemetrics.h"

#include "connectors/postgres/storeprobe.h"

#include <pqxx/pqxx>

#include <algorithm>

namespace idem::connectors::postgres {

Result<models::StoreFigures> readStoreFigures(const models::StoreConfig &store, std::chrono::seconds window)
{
    auto conninfo = sessionConnectionString(store.connection, true, store.statementTimeoutMs);
    if (!conninfo)
        return makeError(QStringLiteral("store %1: %2").arg(store.name, conninfo.error()));
    try {
        pqxx::connection conn(conninfo->toStdString());
        pqxx::read_transaction tx(conn);
        auto col = [&](const char *logical) {
            return tx.quote_name(store.attempts.column(QString::fromLatin1(logical)).toStdString());
        };
        const std::string duplicate = store.outcomeValue(QStringLiteral("duplicate_skipped")).toStdString();
        const pqxx::result rows = tx.exec_params(
            "SELECT " + col("outcome") + ", count(*), count(*) FILTER (WHERE " + col("attempt") + " > 1 AND " +
                col("outcome") + " <> $2) FROM " + tx.quote_name(store.attempts.table.toStdString()) + " WHERE " +
                col("at") + " > now() - make_interval(secs => $1) GROUP BY 1",
            double(window.count()), duplicate);
        // A store younger than the window is measured over its own age, so
        // rates are not diluted.
        const pqxx::row span = tx.exec_params1(
            "SELECT coalesce(extract(epoch FROM now() - min(" + col("at") + ")), 0) FROM " +
                tx.quote_name(store.attempts.table.toStdString()) + " WHERE " + col("at") +
                " > now() - make_interval(secs => $1)",
            double(window.count()));
        models::StoreFigures f;
        f.store = store.name;
        f.takenAt = QDateTime::currentDateTimeUtc();
        f.windowMs = std::clamp<qint64>(qint64(span[0].as<double>() * 1000), 1000, qint64(window.count()) * 1000);
        for (const auto &row : rows) {
            const QString outcome = QString::fromStdString(row[0].as<std::string>(""));
            const qint64 count = row[1].as<qint64>();
            f.retried += row[2].as<qint64>();
            if (outcome == store.outcomeValue(QStringLiteral("processed")))
                f.processed += count;
            else if (outcome == store.outcomeValue(QStringLiteral("duplicate_skipped")))
                f.duplicatesSkipped += count;
            if (outcome == store.outcomeValue(QStringLiteral("dead_lettered")))
                f.deadLettered += count;
            if (outcome == store.outcomeValue(QStringLiteral("dead_lettered"))
                || outcome == store.outcomeValue(QStringLiteral("retry_scheduled"))
                || outcome == store.outcomeValue(QStringLiteral("failed")))
                f.failed += count;
        }
        return f;
    } catch (const std::exception &e) {
        return makeError(QStringLiteral("store %1: cannot read its figures: %2")
                             .arg(store.name, QString::fromUtf8(e.what()).trimmed()));
    }
}

} // namespace idem::connectors::postgres
