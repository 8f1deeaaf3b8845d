#pragma once

// Reading values out of libpqxx result fields the way Idem shows them: text
// as QString (empty for NULL), times selected as milliseconds since the
// epoch (`(extract(epoch FROM t) * 1000)::bigint`) as UTC QDateTime
// (invalid for NULL). And the one way to pass a list of texts as a bound
// parameter: a text[] literal (`= ANY($1::text[])`).

#include <pqxx/pqxx> // pqxx/field alone does not compile in libpqxx 6.4

#include <QDateTime>
#include <QString>
#include <QStringList>

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

// A text[] literal of `values`: every element quoted, quotes and backslashes escaped.
inline std::string textArrayLiteral(const QStringList &values)
{
    std::string out = "{";
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += '"';
        for (char c : values[i].toStdString()) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

} // namespace idem::connectors::postgres
