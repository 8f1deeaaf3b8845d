#pragma once

// models::ConnectionTools on a worker thread: tests, store descriptions and
// sample rows run one after another on a RequestWorker; the keychain is used
// through its asynchronous jobs on this (the main) thread.

#include "connectors/common/requestworker.h"
#include "models/config/connectiontools.h"

namespace idem::connectors::probe {

class ConnectionToolsService final : public models::ConnectionTools
{
    Q_OBJECT

public:
    explicit ConnectionToolsService(QObject *parent = nullptr);
    ~ConnectionToolsService() override;

    quint64 testCluster(const models::KafkaClusterConfig &cluster, const QStringList &topics,
                        const QStringList &groups) override;
    quint64 testStore(const models::StoreConfig &store) override;
    quint64 testOps(const models::OpsDatabaseConfig &ops) override;
    quint64 describeStore(const models::StoreConfig &store) override;
    quint64 sampleRows(const models::StoreConfig &store, const QString &table, const QStringList &columns,
                       int limit) override;
    void checkKeychain() override;
    void storeSecret(const QString &name, const QString &value) override;

private:
    quint64 test(const QString &target, std::function<models::ProbeReport(const PollControl &)> work);

    RequestWorker m_worker;
};

} // namespace idem::connectors::probe
