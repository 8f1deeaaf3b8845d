#pragma once

// Test support: reads a whole topic with a plain librdkafka consumer of its
// own (no group, partitions assigned explicitly), so tests can check what the
// sandbox and Idem report against an independent read.

#include <QByteArray>
#include <QList>
#include <QMultiMap>
#include <QString>

namespace idem::testsupport {

struct Record
{
    QString topic;
    int partition = 0;
    qint64 offset = 0;
    qint64 timestampMs = 0;
    QByteArray key;
    QByteArray payload;
    QList<QPair<QByteArray, QByteArray>> headers;

    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
};

struct Watermarks
{
    qint64 low = -1;
    qint64 high = -1;
};

// Every retained record of `topic`, in partition then offset order. Fails the
// current test (returns what it has) when the topic cannot be read in time.
QList<Record> readTopic(const QString &bootstrapServers, const QString &topic, int timeoutMs = 30000);

// Low and high watermark per partition.
QList<Watermarks> watermarks(const QString &bootstrapServers, const QString &topic);

} // namespace idem::testsupport
