#include "connectors/probe/connectiontoolsservice.h"

#include "connectors/common/keychain.h"
#include "connectors/common/logging.h"
#include "connectors/probe/connectionprobe.h"

namespace idem::connectors::probe {

namespace {

// Room for name resolution, TCP, the handshake and the checks of one test.
constexpr auto kTestTime = std::chrono::seconds(20);

QDeadlineTimer within()
{
    return QDeadlineTimer(kTestTime);
}

} // namespace

ConnectionToolsService::ConnectionToolsService(QObject *parent)
    : models::ConnectionTools(parent)
    , m_worker(QStringLiteral("connection-tools"))
{
    qRegisterMetaType<models::ProbeReport>();
    qRegisterMetaType<models::StoreSchemaReply>();
    qRegisterMetaType<models::SampleRowsReply>();
}

ConnectionToolsService::~ConnectionToolsService() = default;

quint64 ConnectionToolsService::test(const QString &target, std::function<models::ProbeReport(const PollControl &)> work)
{
    const quint64 id = m_worker.request<models::ProbeReport>(
        std::move(work),
        [this, target](quint64 request, Result<models::ProbeReport> reply) {
            models::ProbeReport report;
            if (reply) {
                report = reply.value();
            } else {
                report.target = target;
                report.fail(step::settings, reply.error());
            }
            logger("ui")->info("connection test {}: {}", request, report.summary().toStdString());
            emit tested(request, report);
        },
        within());
    return id;
}

quint64 ConnectionToolsService::testCluster(const models::KafkaClusterConfig &cluster, const QStringList &topics,
                                            const QStringList &groups)
{
    return test(QStringLiteral("cluster %1").arg(cluster.name), [cluster, topics, groups](const PollControl &control) {
        return probeCluster(cluster, topics, groups, control);
    });
}

quint64 ConnectionToolsService::testStore(const models::StoreConfig &store)
{
    return test(QStringLiteral("store %1").arg(store.name),
                [store](const PollControl &control) { return probeStore(store, control); });
}

quint64 ConnectionToolsService::testOps(const models::OpsDatabaseConfig &ops)
{
    return test(QStringLiteral("the ops database"), [ops](const PollControl &control) { return probeOps(ops, control); });
}

quint64 ConnectionToolsService::describeStore(const models::StoreConfig &store)
{
    return m_worker.request<Result<QList<models::TableInfo>>>(
        [store](const PollControl &control) { return probe::describeStore(store, control); },
        [this, name = store.name](quint64 request, Result<Result<QList<models::TableInfo>>> reply) {
            models::StoreSchemaReply out;
            out.request = request;
            out.store = name;
            if (!reply)
                out.error = reply.error();
            else if (!reply.value())
                out.error = reply.value().error();
            else
                out.tables = reply.value().value();
            emit storeDescribed(out);
        },
        within());
}

quint64 ConnectionToolsService::sampleRows(const models::StoreConfig &store, const QString &table,
                                           const QStringList &columns, int limit)
{
    return m_worker.request<Result<SampleRows>>(
        [store, table, columns, limit](const PollControl &control) {
            return probe::sampleRows(store, table, columns, limit, control);
        },
        [this, table](quint64 request, Result<Result<SampleRows>> reply) {
            models::SampleRowsReply out;
            out.request = request;
            out.table = table;
            if (!reply) {
                out.error = reply.error();
            } else if (!reply.value()) {
                out.error = reply.value().error();
            } else {
                out.columns = reply.value()->columns;
                out.rows = reply.value()->rows;
            }
            emit rowsSampled(out);
        },
        within());
}

void ConnectionToolsService::checkKeychain()
{
    connectors::checkKeychain(this, [this](bool available, const QString &reason) {
        emit keychainChecked(available, reason);
    });
}

void ConnectionToolsService::storeSecret(const QString &name, const QString &value)
{
    storeKeychainSecret(name, value, this, [this, name](const QString &error) {
        logger("ui")->info("keychain secret {} {}", name.toStdString(), error.isEmpty() ? "stored" : "not stored");
        emit secretStored(name, error);
    });
}

} // namespace idem::connectors::probe
