#pragma once

// How one sandbox consumer service names its processed-events registry and
// per-attempt log. billing and ledger use the conventional names; shipping
// uses its own (an "inbox"), so Idem's store mapping is exercised for real.
// The same description creates the tables and writes the config mapping.

#include <QMap>
#include <QString>

namespace idem::connectors::sandbox {

struct StoreDialect
{
    QString registryTable = QStringLiteral("processed_events");
    QMap<QString, QString> registryColumns; // logical -> real
    QString attemptsTable = QStringLiteral("processing_attempts");
    QMap<QString, QString> attemptColumns;  // logical -> real
    QMap<QString, QString> outcomes;        // logical -> stored value

    QString reg(const QString &logical) const { return registryColumns.value(logical, logical); }
    QString att(const QString &logical) const { return attemptColumns.value(logical, logical); }
    QString outcome(const QString &logical) const { return outcomes.value(logical, logical); }

    static StoreDialect conventional();
    static StoreDialect inbox();

    // CREATE TABLE statements for the registry and the attempt log.
    QString createTablesSql() const;
};

} // namespace idem::connectors::sandbox
