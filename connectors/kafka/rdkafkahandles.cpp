#include "connectors/kafka/rdkafkahandles.h"

#include "connectors/common/secrets.h"
#include "connectors/kafka/kafkalog.h"
#include "models/config/kafkasafety.h"

#include <QStringList>

namespace idem::connectors::kafka {

Result<KafkaHandle> createClient(rd_kafka_type_t type, const KafkaProperties &properties,
                                 const std::function<void(rd_kafka_conf_t *)> &configure)
{
    KafkaConf conf(rd_kafka_conf_new());
    routeClientLogs(conf.get()); // librdkafka's lines go to the "kafka" logger, not to stderr
    char error[512];
    // The last gate: no property that loads code or runs a command reaches
    // librdkafka, whichever way it came (file, dialog, sandbox, a test).
    if (!models::unsafeKafkaPropertiesAllowed()) {
        for (const auto &[key, value] : properties) {
            const QString why = models::unsafeKafkaPropertyReason(key, value);
            if (!why.isEmpty())
                return makeError(models::unsafeKafkaPropertyMessage(key, why));
        }
    }
    for (const auto &[key, value] : properties) {
        if (rd_kafka_conf_set(conf.get(), key.toUtf8().constData(), value.toUtf8().constData(),
                              error, sizeof error)
            != RD_KAFKA_CONF_OK) {
            return makeError(QStringLiteral("Kafka property \"%1\" was refused: %2")
                                 .arg(key, QString::fromUtf8(error)));
        }
    }
    if (configure)
        configure(conf.get());
    rd_kafka_t *rk = rd_kafka_new(type, conf.get(), error, sizeof error);
    if (!rk)
        return makeError(QStringLiteral("cannot create a Kafka client: %1").arg(QString::fromUtf8(error)));
    conf.release(); // rd_kafka_new() took ownership
    return KafkaHandle(rk);
}

QString describe(const rd_kafka_topic_partition_list_t *list)
{
    QStringList parts;
    for (int i = 0; list && i < list->cnt; ++i) {
        const auto &p = list->elems[i];
        parts << QStringLiteral("%1[%2]=%3").arg(QString::fromUtf8(p.topic)).arg(p.partition).arg(p.offset);
    }
    return parts.join(QStringLiteral(", "));
}

Result<KafkaProperties> clusterProperties(const models::KafkaClusterConfig &cluster)
{
    KafkaProperties properties;
    for (const auto &[key, value] : cluster.properties) {
        QString error;
        const QString expanded = expandRegisteringSecrets(value, models::isSecretKey(key), &error);
        if (!error.isEmpty())
            return makeError(QStringLiteral("property %1: %2").arg(key, error));
        properties.append({key, expanded});
    }
    return properties;
}

} // namespace idem::connectors::kafka
