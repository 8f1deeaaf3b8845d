#pragma once

// A consumed Kafka record as Idem sees it, before any envelope is applied.
// Connectors fill it from librdkafka; everything in models/envelope/ reads it
// and never touches the broker.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <optional>

namespace idem::models {

// Kafka allows a header without a value, distinct from an empty value, and the
// same name more than once; both happen in real dead-letter topics.
struct RawHeader
{
    QByteArray name;
    std::optional<QByteArray> value;

    bool operator==(const RawHeader &) const = default;
};

enum class TimestampType {
    NotAvailable,
    CreateTime,
    LogAppendTime,
};

struct RawMessage
{
    QString topic;
    qint32 partition = -1;
    qint64 offset = -1;
    qint64 timestampMs = -1; // -1: the record carries no timestamp
    TimestampType timestampType = TimestampType::NotAvailable;
    std::optional<QByteArray> key; // nullopt: a null key, not the same as an empty one
    std::optional<QByteArray> value; // nullopt: a tombstone
    QList<RawHeader> headers; // in record order; names may repeat

    // How many headers carry `name` (byte-exact, as Kafka compares them).
    qsizetype headerCount(QByteArrayView name) const
    {
        qsizetype n = 0;
        for (const RawHeader &h : headers)
            n += h.name == name ? 1 : 0;
        return n;
    }

    bool hasHeader(QByteArrayView name) const
    {
        for (const RawHeader &h : headers) {
            if (h.name == name)
                return true;
        }
        return false;
    }

    bool operator==(const RawMessage &) const = default;
};

} // namespace idem::models
