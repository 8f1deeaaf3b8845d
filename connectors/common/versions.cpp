#include "connectors/common/versions.h"

#include <librdkafka/rdkafka.h>
#include <libpq-fe.h>
#include <pqxx/version.hxx>
#include <spdlog/version.h>

namespace idem::connectors {

QString libpqVersionText(int version)
{
    if (version >= 100000)
        return QStringLiteral("%1.%2").arg(version / 10000).arg(version % 10000);
    return QStringLiteral("%1.%2.%3").arg(version / 10000).arg(version / 100 % 100).arg(version % 100);
}

QList<QPair<QString, QString>> libraryVersions()
{
    return {
        {QStringLiteral("librdkafka"), QString::fromLatin1(rd_kafka_version_str())},
        {QStringLiteral("libpqxx"), QStringLiteral(PQXX_VERSION)},
        {QStringLiteral("libpq (PostgreSQL client)"), libpqVersionText(PQlibVersion())},
        {QStringLiteral("spdlog"),
         QStringLiteral("%1.%2.%3").arg(SPDLOG_VER_MAJOR).arg(SPDLOG_VER_MINOR).arg(SPDLOG_VER_PATCH)},
    };
}

} // namespace idem::connectors
