#pragma once

// "Test connection": one attempt to reach a Kafka cluster, a consumer store
// or the ops database, step by step, each step's result in words
// (models::ProbeReport). Blocking, bounded by the PollControl: run on a
// worker (ConnectionToolsService) or in idemctl.
//
// Kafka: the bootstrap list is checked, the first brokers' names resolved
// and their TCP ports tried; then a librdkafka client asks for metadata,
// which makes the TLS handshake and the SASL authentication that are
// configured (security.protocol, sasl.*, ssl.*); authorization is the
// metadata of the flows' topics and the committed offsets of their groups
// (OffsetFetch, what Describe on a group allows).
// PostgreSQL: the connection string (with service file, .pgpass and the
// environment, as libpq reads them) gives the host and port; then name
// resolution, TCP, and a PgSession connect (TLS as sslmode asks,
// authentication, database); authorization is a read of every mapped column
// of the store's tables (LIMIT 0) or, for the ops database, its schema and
// the idem_* roles of the user.

#include "connectors/common/pollcontrol.h"
#include "models/config/config.h"
#include "models/config/storemapping.h"
#include "models/core/result.h"
#include "models/health/probereport.h"

#include <QStringList>

namespace idem::connectors::probe {

models::ProbeReport probeCluster(const models::KafkaClusterConfig &cluster, const QStringList &topics,
                                 const QStringList &groups, const PollControl &control);

models::ProbeReport probeStore(const models::StoreConfig &store, const PollControl &control);
models::ProbeReport probeOps(const models::OpsDatabaseConfig &ops, const PollControl &control);

// The store's tables and columns visible to its user (information_schema,
// read-only), system schemas left out.
Result<QList<models::TableInfo>> describeStore(const models::StoreConfig &store, const PollControl &control);

// Up to `limit` rows of `columns` of `table` (as configured: "t" or
// "schema.t"), each value's text capped at 200 characters.
struct SampleRows
{
    QStringList columns;
    QList<QStringList> rows;
};
Result<SampleRows> sampleRows(const models::StoreConfig &store, const QString &table, const QStringList &columns,
                              int limit, const PollControl &control);

// "0.4 ms", "12 ms": a duration in the reports.
inline QString milliseconds(qint64 nanoseconds)
{
    return QStringLiteral("%1 ms").arg(double(nanoseconds) / 1e6, 0, 'f', nanoseconds < 10'000'000 ? 1 : 0);
}

// Words for the steps, as the tests and the dialog use them.
namespace step {
inline const QString settings = QStringLiteral("Settings");
inline const QString nameResolution = QStringLiteral("Name resolution");
inline const QString tcp = QStringLiteral("TCP connect");
inline const QString tls = QStringLiteral("TLS handshake");
inline const QString sasl = QStringLiteral("SASL authentication");
inline const QString authentication = QStringLiteral("Authentication");
inline const QString database = QStringLiteral("Database");
inline const QString authorization = QStringLiteral("Authorization");
inline const QString roundTrip = QStringLiteral("Round trip");
} // namespace step

} // namespace idem::connectors::probe
