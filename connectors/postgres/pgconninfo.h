#pragma once

// Connection strings for the PostgreSQL databases Idem reads, built one way:
// the text as configured (keyword/value, postgresql:// URI or service=) is
// parsed by libpq first, ${NAME} references are then expanded in each value
// separately, and a keyword='value' string is rebuilt with every value
// quoted. A value taken from the environment can therefore neither add nor
// override a keyword, whatever characters it holds. Every password and every
// value that came from a reference is registered as a secret
// (connectors/common/secrets.h).
//
// Timeouts libpq does not set by itself are added unless the text sets them:
// connect_timeout, tcp_user_timeout and keepalives (connect_timeout alone
// covers neither a server that accepts and never answers nor a dropped
// network), and application_name.

#include "models/core/result.h"

#include <QList>
#include <QPair>
#include <QString>

namespace idem::connectors::postgres {

struct ConnectionDefaults
{
    int connectTimeoutSeconds = 5;
    int tcpUserTimeoutMs = 10000;
    int keepalivesIdleSeconds = 30;
    int keepalivesIntervalSeconds = 10;
    int keepalivesCount = 3;
    QString applicationName = QStringLiteral("idem");
};

using ConnectionKeywords = QList<QPair<QString, QString>>;

// The keyword='value' string to connect with, or why `connection` cannot be
// used (malformed, or a ${NAME} that is not set). Errors never repeat a
// value of the string.
Result<QString> buildConnectionString(const QString &connection, const ConnectionDefaults &defaults = {});

// The keywords libpq reads from `conninfo`, in libpq's order, values as
// given (no defaults filled in). For checks and tests.
Result<ConnectionKeywords> parseConnectionKeywords(const QString &conninfo);

// Quotes `name` as an SQL identifier ("a""b").
QString quoteIdentifier(const QString &name);

// A table name as configured: "table" or "schema.table", where either part
// may be double-quoted (and may then hold dots, or "" for a quote).
// Unquoted parts are folded to lower case, as PostgreSQL does. The probe and
// every query use the same parsed name, so a table that probes ok reads.
struct QualifiedName
{
    QString schema; // empty: the search_path decides
    QString table;

    // "schema"."table" or "table", each part quoted.
    QString quoted() const;
};
Result<QualifiedName> parseTableName(const QString &configured);

} // namespace idem::connectors::postgres
