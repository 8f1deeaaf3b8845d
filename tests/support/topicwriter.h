#pragma once

// Test support: writes records to a topic with Idem's producer
// (connectors/kafka/kafkaproducer.h), byte for byte as the test gives them
// (key, value, headers), the way the producers and dead-letter handlers Idem
// reads would have written them.

#include "models/envelope/rawmessage.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace idem::testsupport {

using RecordHeaders = QList<QPair<QByteArray, QByteArray>>;

struct OutgoingRecord
{
    QByteArray key; // null: a null key
    QByteArray value;
    RecordHeaders headers; // a null header value is written as a header without a value
    int partition = -1; // -1: partitioned by key
};

// Writes `records` to `topic` and waits until the cluster has them. Fails the
// current test when it cannot.
void produce(const QString &bootstrapServers, const QString &topic,
             const QList<OutgoingRecord> &records);

// Writes `records` (each to its own topic and partition) as they are: null
// keys, tombstones, null header values, timestamps.
void produce(const QString &bootstrapServers, const QList<models::RawMessage> &records);

// Commits `offsets` (partition, offset) of `topic` for consumer `group`, as a
// consumer of that group would, without joining it. Fails the current test
// when it cannot.
void commitOffsets(const QString &bootstrapServers, const QString &group, const QString &topic,
                   const QList<QPair<int, qint64>> &offsets);

// Big-endian binary integers, as Spring Kafka writes partition, offset and
// timestamp headers.
QByteArray bigEndian32(qint32 value);
QByteArray bigEndian64(qint64 value);

} // namespace idem::testsupport
