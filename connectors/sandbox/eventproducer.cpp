#include "connectors/sandbox/eventproducer.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/kafkaproducer.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

#include <random>
#include <vector>

namespace idem::connectors::sandbox {

using namespace std::chrono_literals;

namespace {

struct Order
{
    QString id;
    int stage = 0; // 0 created, 1 confirmed, 2 paid
    qint64 amountCents = 0;
};

struct Payment
{
    QString id;
    qint64 amountCents = 0;
};

QString uuid(std::mt19937_64 &rng)
{
    QByteArray bytes(16, Qt::Uninitialized);
    const quint64 a = rng(), b = rng();
    memcpy(bytes.data(), &a, 8);
    memcpy(bytes.data() + 8, &b, 8);
    bytes[6] = char((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = char((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
    return QUuid::fromRfc4122(bytes).toString(QUuid::WithoutBraces);
}

struct OutMessage
{
    QByteArray topic;
    QByteArray key;
    QByteArray payload;
    QList<QPair<QByteArray, QByteArray>> headers;
};

} // namespace

EventProducer::EventProducer(const SandboxOptions &options, QString bootstrapServers,
                             WorldCounters &counters, const FaultSchedule &faults)
    : m_options(options)
    , m_bootstrap(std::move(bootstrapServers))
    , m_counters(counters)
    , m_faults(faults)
{}

EventProducer::~EventProducer()
{
    stop();
}

void EventProducer::start()
{
    m_thread = std::thread([this] { run(); });
}

void EventProducer::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

void EventProducer::run()
{
    auto log = logger("sandbox");
    auto client = kafka::KafkaProducer::create({{QStringLiteral("bootstrap.servers"), m_bootstrap}},
                                               {{QStringLiteral("linger.ms"), QStringLiteral("5")}});
    if (!client) {
        log->error("producer: {}", client.error().toStdString());
        return;
    }
    std::unique_ptr<kafka::KafkaProducer> producer = std::move(client.value());
    // Waits while the local queue is full (a broker down), until stopped.
    const PollControl untilStopped{QDeadlineTimer(QDeadlineTimer::Forever), &m_stop};

    std::mt19937_64 rng(m_options.seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<Order> openOrders;
    std::vector<Payment> settledPayments;
    const bool duplicates = m_faults.enabled(Fault::DuplicateSends);
    const bool poison = m_faults.enabled(Fault::Poison);
    const bool schemaBump = m_faults.enabled(Fault::SchemaBump);

    auto send = [&](const OutMessage &m) {
        models::RawMessage raw;
        raw.topic = QString::fromUtf8(m.topic);
        raw.key = m.key;
        raw.value = m.payload;
        for (const auto &[name, value] : m.headers)
            raw.headers.append({name, value});
        if (const auto sent = producer->produce(raw, untilStopped); sent) {
            ++m_counters.produced;
        } else if (!m_stop) {
            log->warn("producer: {}", sent.error().toStdString());
        }
    };

    auto nextOrderEvent = [&]() -> OutMessage {
        // Open a new order while few are open, otherwise move one along its lifecycle.
        QString type;
        Order order;
        if (openOrders.size() < 40 || unit(rng) < 0.3) {
            order = {uuid(rng), 0, qint64(500 + rng() % 50000)};
            openOrders.push_back(order);
            type = QStringLiteral("order.created");
        } else {
            const size_t index = rng() % openOrders.size();
            Order &open = openOrders[index];
            const double r = unit(rng);
            if (open.stage == 0 && r < 0.85) {
                open.stage = 1;
                type = QStringLiteral("order.confirmed");
            } else if (open.stage == 1 && r < 0.9) {
                open.stage = 2;
                type = QStringLiteral("order.paid");
            } else if (open.stage == 2) {
                type = QStringLiteral("order.shipped");
            } else {
                type = QStringLiteral("order.cancelled");
            }
            order = open;
            if (type == QLatin1String("order.shipped") || type == QLatin1String("order.cancelled")) {
                openOrders[index] = openOrders.back();
                openOrders.pop_back();
            }
        }
        const QString eventId = uuid(rng);
        const int version = schemaBump && unit(rng) < 0.005 ? 2 : 1;
        const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
        QJsonObject payload{{QStringLiteral("event_id"), eventId},
                            {QStringLiteral("event_type"), type},
                            {QStringLiteral("event_version"), version},
                            {QStringLiteral("occurred_at"), now}};
        if (version == 1) {
            payload.insert(QStringLiteral("order_id"), order.id);
            payload.insert(QStringLiteral("amount_cents"), order.amountCents);
            payload.insert(QStringLiteral("currency"), QStringLiteral("EUR"));
        } else {
            // Version 2 nests the order; shipping was never taught to read it.
            payload.insert(QStringLiteral("order"),
                           QJsonObject{{QStringLiteral("id"), order.id},
                                       {QStringLiteral("total"),
                                        QJsonObject{{QStringLiteral("cents"), order.amountCents},
                                                    {QStringLiteral("currency"), QStringLiteral("EUR")}}}});
        }
        OutMessage m{"orders.events", order.id.toUtf8(),
                     QJsonDocument(payload).toJson(QJsonDocument::Compact),
                     {{"event_id", eventId.toUtf8()},
                      {"entity_key", order.id.toUtf8()},
                      {"event_type", type.toUtf8()},
                      {"event_version", QByteArray::number(version)}}};
        if (poison && unit(rng) < 0.003)
            m.payload = m.payload.left(m.payload.size() / 2); // cut mid-document: invalid JSON
        return m;
    };

    auto nextPaymentEvent = [&]() -> OutMessage {
        Payment payment;
        QString type;
        if (settledPayments.size() > 20 && unit(rng) < 0.1) {
            const size_t index = rng() % settledPayments.size();
            payment = settledPayments[index];
            settledPayments[index] = settledPayments.back();
            settledPayments.pop_back();
            type = QStringLiteral("payment.refunded");
        } else {
            payment = {uuid(rng), qint64(500 + rng() % 50000)};
            if (settledPayments.size() < 1000)
                settledPayments.push_back(payment);
            type = QStringLiteral("payment.succeeded");
        }
        const QJsonObject payload{
            {QStringLiteral("event_id"), uuid(rng)},
            {QStringLiteral("event_type"), type},
            {QStringLiteral("event_version"), 1},
            {QStringLiteral("payment_id"), payment.id},
            {QStringLiteral("amount_cents"), payment.amountCents},
            {QStringLiteral("occurred_at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}};
        OutMessage m{"payments.events", payment.id.toUtf8(),
                     QJsonDocument(payload).toJson(QJsonDocument::Compact), {}};
        if (poison && unit(rng) < 0.003)
            m.payload = m.payload.left(m.payload.size() / 2);
        return m;
    };

    log->info("producing about {} events/s (seed {})", m_options.rate, m_options.seed);
    auto next = std::chrono::steady_clock::now();
    while (!m_stop) {
        const double rate = m_options.rate * (m_faults.burstActive() ? 3.0 : 1.0);
        next += std::chrono::microseconds(qint64(1e6 / rate));
        const OutMessage m = unit(rng) < 0.7 ? nextOrderEvent() : nextPaymentEvent();
        send(m);
        if (duplicates && unit(rng) < 0.01)
            send(m); // the at-least-once producer retried after a lost acknowledgement
        producer->serve();
        for (const kafka::Delivery &d : producer->takeDeliveries()) {
            if (!d.ok())
                log->debug("producer: a message was not delivered: {}", d.error.toStdString());
        }
        auto now = std::chrono::steady_clock::now();
        if (now - next > 1s)
            next = now; // fell behind (broker down): do not try to catch up in one burst
        while (next > now && !m_stop) {
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(next - now, 100ms));
            now = std::chrono::steady_clock::now();
        }
    }
    if (const auto flushed = producer->flush(PollControl::within(10s)); !flushed)
        log->warn("producer: {} at stop", flushed.error().toStdString());
}

} // namespace idem::connectors::sandbox
