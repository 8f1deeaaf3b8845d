#include "connectors/sandbox/storedialect.h"

namespace idem::connectors::sandbox {

StoreDialect StoreDialect::conventional()
{
    return {};
}

StoreDialect StoreDialect::inbox()
{
    StoreDialect d;
    d.registryTable = QStringLiteral("inbox");
    d.registryColumns = {
        {QStringLiteral("event_id"), QStringLiteral("message_id")},
        {QStringLiteral("entity_key"), QStringLiteral("aggregate_key")},
        {QStringLiteral("event_type"), QStringLiteral("message_type")},
        {QStringLiteral("event_version"), QStringLiteral("schema_version")},
        {QStringLiteral("status"), QStringLiteral("state")},
        {QStringLiteral("attempts"), QStringLiteral("tries")},
        {QStringLiteral("first_seen_at"), QStringLiteral("received_at")},
        {QStringLiteral("processed_at"), QStringLiteral("handled_at")},
        {QStringLiteral("result"), QStringLiteral("note")},
    };
    d.attemptsTable = QStringLiteral("inbox_log");
    d.attemptColumns = {
        {QStringLiteral("event_id"), QStringLiteral("message_id")},
        {QStringLiteral("attempt"), QStringLiteral("try_no")},
        {QStringLiteral("outcome"), QStringLiteral("result")},
        {QStringLiteral("error"), QStringLiteral("failure")},
        {QStringLiteral("at"), QStringLiteral("logged_at")},
    };
    d.outcomes = {
        {QStringLiteral("processed"), QStringLiteral("done")},
        {QStringLiteral("duplicate_skipped"), QStringLiteral("duplicate")},
        {QStringLiteral("retry_scheduled"), QStringLiteral("retry")},
        {QStringLiteral("dead_lettered"), QStringLiteral("parked")},
        {QStringLiteral("failed"), QStringLiteral("error")},
    };
    return d;
}

QString StoreDialect::createTablesSql() const
{
    return QStringLiteral(
               "CREATE TABLE %1 (\n"
               "  %2 text PRIMARY KEY,\n"
               "  %3 text,\n"
               "  %4 text,\n"
               "  %5 int,\n"
               "  %6 text NOT NULL,\n"
               "  %7 int NOT NULL,\n"
               "  %8 timestamptz NOT NULL DEFAULT now(),\n"
               "  %9 timestamptz,\n"
               "  %10 text);\n")
               .arg(registryTable, reg(QStringLiteral("event_id")), reg(QStringLiteral("entity_key")),
                    reg(QStringLiteral("event_type")), reg(QStringLiteral("event_version")),
                    reg(QStringLiteral("status")), reg(QStringLiteral("attempts")),
                    reg(QStringLiteral("first_seen_at")), reg(QStringLiteral("processed_at")))
               .arg(reg(QStringLiteral("result")))
        + QStringLiteral("CREATE INDEX ON %1 (%2);\n")
              .arg(registryTable, reg(QStringLiteral("processed_at")))
        + QStringLiteral("CREATE TABLE %1 (\n"
                         "  %2 text NOT NULL,\n"
                         "  %3 int NOT NULL,\n"
                         "  %4 text NOT NULL,\n"
                         "  %5 text,\n"
                         "  %6 timestamptz NOT NULL DEFAULT clock_timestamp());\n"
                         "CREATE INDEX ON %1 (%2);\n"
                         "CREATE INDEX ON %1 (%6);\n")
              .arg(attemptsTable, att(QStringLiteral("event_id")), att(QStringLiteral("attempt")),
                   att(QStringLiteral("outcome")), att(QStringLiteral("error")),
                   att(QStringLiteral("at")));
}

} // namespace idem::connectors::sandbox
