#pragma once

// Owning wrappers for librdkafka's C handles, and a checked way to build a
// client configuration from key/value properties.

#include "models/config/config.h"
#include "models/core/result.h"

#include <librdkafka/rdkafka.h>

#include <QList>
#include <QPair>
#include <QString>

#include <functional>
#include <memory>

namespace idem::connectors::kafka {

struct KafkaDeleter
{
    void operator()(rd_kafka_t *rk) const { rd_kafka_destroy(rk); }
    void operator()(rd_kafka_conf_t *conf) const { rd_kafka_conf_destroy(conf); }
    void operator()(rd_kafka_topic_partition_list_t *list) const
    {
        rd_kafka_topic_partition_list_destroy(list);
    }
    void operator()(rd_kafka_message_t *message) const { rd_kafka_message_destroy(message); }
    void operator()(rd_kafka_event_t *event) const { rd_kafka_event_destroy(event); }
    void operator()(rd_kafka_queue_t *queue) const { rd_kafka_queue_destroy(queue); }
    void operator()(rd_kafka_headers_t *headers) const { rd_kafka_headers_destroy(headers); }
    void operator()(rd_kafka_AdminOptions_t *options) const { rd_kafka_AdminOptions_destroy(options); }
    void operator()(rd_kafka_ListConsumerGroupOffsets_t *request) const
    {
        rd_kafka_ListConsumerGroupOffsets_destroy(request);
    }
};

using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaDeleter>;
using KafkaMessage = std::unique_ptr<rd_kafka_message_t, KafkaDeleter>;
using KafkaEvent = std::unique_ptr<rd_kafka_event_t, KafkaDeleter>;
using KafkaQueue = std::unique_ptr<rd_kafka_queue_t, KafkaDeleter>;

using KafkaProperties = QList<QPair<QString, QString>>;

// Creates a client of `type` from properties passed through verbatim; an
// unknown or invalid property is reported by name (its value is not echoed,
// it may be a secret).
// `configure` may install callbacks (delivery reports, rebalance) on the
// configuration before the client is created.
Result<KafkaHandle> createClient(rd_kafka_type_t type, const KafkaProperties &properties,
                                 const std::function<void(rd_kafka_conf_t *)> &configure = {});

// The cluster's librdkafka properties with ${NAME} references expanded from
// the process environment, at the moment a client is made; the error names
// the property, never its value.
Result<KafkaProperties> clusterProperties(const models::KafkaClusterConfig &cluster);

// Reads a topic partition list into "topic[partition]=offset" text, for logs.
QString describe(const rd_kafka_topic_partition_list_t *list);

} // namespace idem::connectors::kafka
