#pragma once

// Reading values out of libpqxx result fields the way Idem shows them: text
// as QString (empty for NULL), times selected as milliseconds since the
// epoch (`(extract(epoch FROM t) * 1000)::bigint`) as UTC QDateTime
// (invalid for NULL).

#include <pqxx/pqxx> // pqxx/field alone does not compile in libpqxx 6.4

#include <QDateTime>
#include <QString>

#include <string>

namespace idem::connectors::postgres {

inline QString textOf(const pqxx::field &f)
{
    return f.is_null() ? QString() : QString::fromStdString(f.as<std::string>());
}

inline QDateTime msTimeOf(const pqxx::field &f)
{
    return f.is_null() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(f.as<qint64>(), Qt::UTC);
}

} // namespace idem::connectors::postgres
