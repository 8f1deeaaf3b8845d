#include "connectors/kafka/kafkaproducer.h"

namespace idem::connectors::kafka {

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::create(const KafkaProperties &properties,
                                                             const KafkaProperties &overrides)
{
    KafkaProperties props = properties;
    props.append({QStringLiteral("enable.idempotence"), QStringLiteral("true")});
    props.append({QStringLiteral("log_level"), QStringLiteral("3")});
    props.append(overrides);
    std::unique_ptr<KafkaProducer> producer(new KafkaProducer);
    KafkaProducer *self = producer.get();
    auto client = createClient(RD_KAFKA_PRODUCER, props, [self](rd_kafka_conf_t *conf) {
        rd_kafka_conf_set_opaque(conf, self);
        rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::onDelivery);
    });
    if (!client)
        return makeError(client.error());
    producer->m_producer = std::move(client.value());
    return producer;
}

KafkaProducer::~KafkaProducer()
{
    // Reports of messages still in flight arrive nowhere: purge them so
    // destroying the client does not wait for the cluster.
    if (m_producer) {
        rd_kafka_purge(m_producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(m_producer.get(), 0);
    }
}

void KafkaProducer::onDelivery(rd_kafka_t *, const rd_kafka_message_t *message, void *opaque)
{
    auto *self = static_cast<KafkaProducer *>(opaque);
    Delivery d;
    d.partition = message->partition;
    d.offset = message->offset;
    if (message->err)
        d.error = QString::fromUtf8(rd_kafka_err2str(message->err));
    self->m_deliveries.insert(quint64(reinterpret_cast<quintptr>(message->_private)), d);
}

Result<quint64> KafkaProducer::produce(const models::RawMessage &message, const PollControl &control)
{
    const QByteArray topic = message.topic.toUtf8();
    const quint64 ticket = m_nextTicket++;
    for (;;) {
        // The producer owns the headers once the message is accepted.
        rd_kafka_headers_t *headers = rd_kafka_headers_new(size_t(message.headers.size()));
        for (const models::RawHeader &h : message.headers) {
            if (h.value)
                rd_kafka_header_add(headers, h.name.constData(), h.name.size(), h.value->constData(), h.value->size());
            else
                rd_kafka_header_add(headers, h.name.constData(), h.name.size(), nullptr, 0);
        }
        const void *key = message.key ? message.key->constData() : nullptr;
        const size_t keySize = message.key ? size_t(message.key->size()) : 0;
        void *value = message.value ? const_cast<char *>(message.value->constData()) : nullptr;
        const size_t valueSize = message.value ? size_t(message.value->size()) : 0;
        const auto err = rd_kafka_producev(
            m_producer.get(), RD_KAFKA_V_TOPIC(topic.constData()),
            RD_KAFKA_V_PARTITION(message.partition < 0 ? RD_KAFKA_PARTITION_UA : message.partition),
            RD_KAFKA_V_KEY(key, keySize),
            RD_KAFKA_V_VALUE(value, valueSize),
            RD_KAFKA_V_TIMESTAMP(message.timestampMs > 0 ? message.timestampMs : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
            RD_KAFKA_V_OPAQUE(reinterpret_cast<void *>(quintptr(ticket))), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            return ticket;
        rd_kafka_headers_destroy(headers);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return makeError(QStringLiteral("cannot produce to %1: %2").arg(message.topic, QString::fromUtf8(rd_kafka_err2str(err))));
        if (control.shouldStop())
            return makeError(QStringLiteral("cannot produce to %1: the local queue stayed full until %2")
                                 .arg(message.topic, control.isCancelled() ? QStringLiteral("cancelled")
                                                                           : QStringLiteral("the deadline")));
        rd_kafka_poll(m_producer.get(), int(std::max<qint64>(1, control.slice().count())));
    }
}

Status KafkaProducer::flush(const PollControl &control)
{
    for (;;) {
        const auto err = rd_kafka_flush(m_producer.get(), int(control.slice().count()));
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            return {};
        if (control.shouldStop())
            return makeError(QStringLiteral("%1 messages not acknowledged when %2")
                                 .arg(rd_kafka_outq_len(m_producer.get()))
                                 .arg(control.isCancelled() ? QStringLiteral("cancelled")
                                                            : QStringLiteral("the deadline passed")));
    }
}

Result<Delivery> KafkaProducer::produceAndWait(const models::RawMessage &message, const PollControl &control)
{
    auto ticket = produce(message, control);
    if (!ticket)
        return makeError(ticket.error());
    const auto flushed = flush(control);
    if (m_deliveries.contains(*ticket))
        return m_deliveries.take(*ticket);
    return makeError(flushed ? QStringLiteral("no delivery report for the message to %1").arg(message.topic) : flushed.error());
}

void KafkaProducer::serve()
{
    rd_kafka_poll(m_producer.get(), 0);
}

QHash<quint64, Delivery> KafkaProducer::takeDeliveries()
{
    return std::exchange(m_deliveries, {});
}

int KafkaProducer::inFlight() const
{
    return rd_kafka_outq_len(m_producer.get());
}

} // namespace idem::connectors::kafka
