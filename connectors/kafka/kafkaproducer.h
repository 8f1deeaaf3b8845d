#pragma once

// The one Kafka producer: writes models::RawMessage byte for byte (key and
// value, null or empty, headers in order with repeated names and null
// values, an explicit partition or the partitioner's choice, a timestamp),
// idempotent so a retry never writes a record twice, with a delivery report
// per message naming its partition and offset.
//
// Blocking where it waits (a full queue, flush); use it from a worker thread.
// Not for use from two threads at once.

#include "connectors/common/pollcontrol.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/core/result.h"
#include "models/envelope/rawmessage.h"

#include <QHash>

#include <memory>

namespace idem::connectors::kafka {

struct Delivery
{
    qint32 partition = -1;
    qint64 offset = -1;
    QString error; // non-empty: the cluster did not take the message

    bool ok() const { return error.isEmpty(); }
};

class KafkaProducer final
{
public:
    // `properties`: the cluster's client properties; `overrides` come after
    // the producer's own settings (e.g. linger.ms).
    static Result<std::unique_ptr<KafkaProducer>> create(const KafkaProperties &properties,
                                                         const KafkaProperties &overrides = {});
    ~KafkaProducer();
    KafkaProducer(const KafkaProducer &) = delete;
    KafkaProducer &operator=(const KafkaProducer &) = delete;

    // Queues `message` for message.topic: partition < 0 lets the partitioner
    // choose (by key), timestampMs <= 0 stamps it now. Waits while the local
    // queue is full, at most until `control` stops. Returns a ticket whose
    // delivery report takeDeliveries() gives once the cluster answered.
    Result<quint64> produce(const models::RawMessage &message, const PollControl &control);

    // Serves delivery reports until every queued message is answered or
    // `control` stops (an error saying how many are still in flight).
    Status flush(const PollControl &control);

    // produce() and flush(): the delivery of this one message.
    Result<Delivery> produceAndWait(const models::RawMessage &message, const PollControl &control);

    // Serves delivery reports that have arrived, without waiting.
    void serve();
    // The delivery reports received since the last call, by ticket.
    QHash<quint64, Delivery> takeDeliveries();
    // Messages produced and not answered yet.
    int inFlight() const;

private:
    KafkaProducer() = default;
    static void onDelivery(rd_kafka_t *, const rd_kafka_message_t *message, void *opaque);

    KafkaHandle m_producer;
    quint64 m_nextTicket = 1;
    QHash<quint64, Delivery> m_deliveries;
};

} // namespace idem::connectors::kafka
