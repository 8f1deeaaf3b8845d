#pragma once

// What the connections dialog needs beyond editing text: testing a cluster,
// a store or the ops database ("Test connection"), reading a store's tables
// for the mapping assistant, and the OS keychain. connectors/probe/
// implements it on a worker thread; tests use it directly or fakes. The
// dialog never waits: every call returns at once and its answer arrives as
// a signal, on the thread this object lives in.

#include "models/config/config.h"
#include "models/config/storemapping.h"
#include "models/health/probereport.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

namespace idem::models {

struct StoreSchemaReply
{
    quint64 request = 0;
    QString store;
    QList<TableInfo> tables; // read-only introspection (information_schema)
    QString error;
};

struct SampleRowsReply
{
    quint64 request = 0;
    QString table;
    QStringList columns;
    QList<QStringList> rows; // text of each value, capped; NULL shown as "NULL"
    QString error;
};

class ConnectionTools : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Each returns the request's id (never 0); tested() reports it once. The
    // configs are as written (${…} references unexpanded: they are expanded
    // on the worker). `topics` and `groups` are the flows' on that cluster.
    virtual quint64 testCluster(const KafkaClusterConfig &cluster, const QStringList &topics,
                                const QStringList &groups) = 0;
    virtual quint64 testStore(const StoreConfig &store) = 0;
    virtual quint64 testOps(const OpsDatabaseConfig &ops) = 0;

    // The store's tables and columns (storeDescribed), and up to `limit` rows
    // of `columns` of `table` (rowsSampled).
    virtual quint64 describeStore(const StoreConfig &store) = 0;
    virtual quint64 sampleRows(const StoreConfig &store, const QString &table, const QStringList &columns,
                               int limit) = 0;

    // Whether a keychain service answers (keychainChecked), and storing a
    // secret in it under NAME for ${keychain:NAME} (secretStored).
    virtual void checkKeychain() = 0;
    virtual void storeSecret(const QString &name, const QString &value) = 0;

signals:
    void tested(quint64 request, const idem::models::ProbeReport &report);
    void storeDescribed(const idem::models::StoreSchemaReply &reply);
    void rowsSampled(const idem::models::SampleRowsReply &reply);
    void keychainChecked(bool available, const QString &reason);
    void secretStored(const QString &name, const QString &error);
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::StoreSchemaReply)
Q_DECLARE_METATYPE(idem::models::SampleRowsReply)
