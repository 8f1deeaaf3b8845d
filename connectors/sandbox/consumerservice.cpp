#include "connectors/sandbox/consumerservice.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/kafkaproducer.h"
#include "connectors/kafka/kafkareader.h"

#include <pqxx/pqxx>

#include <QDateTime>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QUuid>

#include <deque>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>

namespace idem::connectors::sandbox {

using namespace std::chrono_literals;
using kafka::KafkaHandle;
using kafka::KafkaMessage;
using kafka::PartitionList;

namespace {

using Clock = std::chrono::steady_clock;

// A business failure: the event is retried, then dead-lettered.
struct ProcessingError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

struct Incoming
{
    QString topic;
    int partition = 0;
    qint64 offset = 0;
    qint64 timestampMs = 0;
    QByteArray key;
    QByteArray payload;
    QString eventId;
    QString entityKey;
    QString eventType;
    int version = 1;
    int attempt = 1;
    QString targetGroup; // set on retry messages: the group that scheduled the retry
    QString originalTopic;
    int originalPartition = 0;
    qint64 originalOffset = 0;
    QJsonObject json;
    QString parseError;
    bool replay = false; // sent by an approved Idem replay (idem-replay-request header)
};

// The last value of a header, as text ("" where absent or without a value).
QString headerValue(const models::RawMessage &raw, const char *name)
{
    for (auto it = raw.headers.crbegin(); it != raw.headers.crend(); ++it) {
        if (it->name == name)
            return it->value ? QString::fromUtf8(*it->value) : QString();
    }
    return {};
}

Incoming readIncoming(const rd_kafka_message_t *msg)
{
    const models::RawMessage raw = kafka::toRawMessage(msg);
    const models::RawMessage *headers = &raw;
    Incoming in;
    in.topic = raw.topic;
    in.partition = raw.partition;
    in.offset = raw.offset;
    in.timestampMs = raw.timestampMs;
    in.key = raw.key.value_or(QByteArray());
    in.payload = raw.value.value_or(QByteArray());

    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(in.payload, &error);
    if (error.error != QJsonParseError::NoError)
        in.parseError = QStringLiteral("invalid JSON payload at byte %1: %2")
                            .arg(error.offset)
                            .arg(error.errorString());
    else if (!doc.isObject())
        in.parseError = QStringLiteral("payload is JSON but not an object");
    else
        in.json = doc.object();

    auto pick = [&](const char *header, const QString &field) {
        const QString fromHeader = headerValue(*headers, header);
        return fromHeader.isEmpty() ? in.json.value(field).toVariant().toString() : fromHeader;
    };
    in.eventId = pick("event_id", QStringLiteral("event_id"));
    in.eventType = pick("event_type", QStringLiteral("event_type"));
    const QString version = pick("event_version", QStringLiteral("event_version"));
    in.version = version.isEmpty() ? 1 : version.toInt();
    in.entityKey = headerValue(*headers, "entity_key");
    if (in.entityKey.isEmpty())
        in.entityKey = in.json.value(QStringLiteral("order_id")).toString(
            in.json.value(QStringLiteral("payment_id")).toString(QString::fromUtf8(in.key)));
    const QString attempt = headerValue(*headers, "attempt");
    in.attempt = attempt.isEmpty() ? 1 : std::max(1, attempt.toInt());
    in.targetGroup = headerValue(*headers, "consumer_group");
    in.replay = !headerValue(*headers, "idem-replay-request").isEmpty();
    in.originalTopic = headerValue(*headers, "original_topic");
    if (in.originalTopic.isEmpty()) {
        in.originalTopic = in.topic;
        in.originalPartition = in.partition;
        in.originalOffset = in.offset;
    } else {
        in.originalPartition = headerValue(*headers, "original_partition").toInt();
        in.originalOffset = headerValue(*headers, "original_offset").toLongLong();
    }
    // A consumer that cannot read the id still has to record the message:
    // it names it by where it was first produced.
    if (in.eventId.isEmpty())
        in.eventId = QStringLiteral("%1-%2-%3").arg(in.originalTopic).arg(in.originalPartition).arg(in.originalOffset);
    return in;
}

std::string s(const QString &text)
{
    return text.toStdString();
}

struct Lifecycle
{
    QString state;
    int rank = 0;
};

std::optional<Lifecycle> billingState(const QString &type)
{
    if (type == QLatin1String("order.created"))
        return Lifecycle{QStringLiteral("open"), 1};
    if (type == QLatin1String("order.paid"))
        return Lifecycle{QStringLiteral("paid"), 3};
    if (type == QLatin1String("order.cancelled"))
        return Lifecycle{QStringLiteral("void"), 5};
    return std::nullopt;
}

std::optional<Lifecycle> shippingState(const QString &type)
{
    if (type == QLatin1String("order.confirmed"))
        return Lifecycle{QStringLiteral("preparing"), 2};
    if (type == QLatin1String("order.shipped"))
        return Lifecycle{QStringLiteral("shipped"), 4};
    if (type == QLatin1String("order.cancelled"))
        return Lifecycle{QStringLiteral("cancelled"), 5};
    return std::nullopt;
}

} // namespace

QString ConsumerService::businessTablesSql(ServiceKind kind)
{
    switch (kind) {
    case ServiceKind::Billing:
        return QStringLiteral("CREATE TABLE invoices (order_id text PRIMARY KEY, amount_cents bigint, "
                              "currency text, state text NOT NULL, state_rank int NOT NULL, "
                              "updated_at timestamptz NOT NULL DEFAULT now());");
    case ServiceKind::Shipping:
        return QStringLiteral("CREATE TABLE shipments (order_id text PRIMARY KEY, state text NOT NULL, "
                              "state_rank int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());");
    case ServiceKind::Ledger:
        return QStringLiteral("CREATE TABLE ledger_entries (entry_id text PRIMARY KEY, payment_id text "
                              "NOT NULL, amount_cents bigint NOT NULL, kind text NOT NULL, "
                              "booked_at timestamptz NOT NULL DEFAULT now());");
    }
    return {};
}

ConsumerService::ConsumerService(ServiceSpec spec, const SandboxOptions &options,
                                 QString bootstrapServers, WorldCounters &counters,
                                 const FaultSchedule &faults)
    : m_spec(std::move(spec))
    , m_options(options)
    , m_bootstrap(std::move(bootstrapServers))
    , m_counters(counters)
    , m_faults(faults)
{}

ConsumerService::~ConsumerService()
{
    stop();
}

void ConsumerService::start()
{
    m_thread = std::thread([this] {
        try {
            run();
        } catch (const std::exception &e) {
            logger("sandbox")->error("{}: stopped by an unexpected error: {}", s(m_spec.name), e.what());
        }
    });
}

void ConsumerService::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

void ConsumerService::run()
{
    auto log = logger("sandbox");
    const std::string name = s(m_spec.name);
    const StoreDialect &d = m_spec.dialect;

    std::unique_ptr<pqxx::connection> db;
    auto connect = [&] {
        while (!m_stop) {
            try {
                db = std::make_unique<pqxx::connection>(s(m_spec.connection));
                return true;
            } catch (const std::exception &e) {
                log->warn("{}: cannot reach its database {}: {}", name, s(m_spec.database), e.what());
                std::this_thread::sleep_for(1s);
            }
        }
        return false;
    };
    if (!connect())
        return;

    // Not idempotent across restarts anyway: a retry or dead letter sent
    // twice is what an at-least-once service does.
    auto producerResult = kafka::KafkaProducer::create({{QStringLiteral("bootstrap.servers"), m_bootstrap}},
                                                       {{QStringLiteral("linger.ms"), QStringLiteral("0")}});
    if (!producerResult) {
        log->error("{}: {}", name, s(producerResult.error()));
        return;
    }
    std::unique_ptr<kafka::KafkaProducer> producer = std::move(producerResult.value());

    auto makeConsumer = [&]() -> KafkaHandle {
        auto consumer = kafka::createClient(
            RD_KAFKA_CONSUMER,
            {{QStringLiteral("bootstrap.servers"), m_bootstrap},
             {QStringLiteral("group.id"), m_spec.name},
             {QStringLiteral("auto.offset.reset"), QStringLiteral("earliest")},
             {QStringLiteral("enable.auto.commit"), QStringLiteral("false")},
             {QStringLiteral("enable.partition.eof"), QStringLiteral("false")},
             {QStringLiteral("log_level"), QStringLiteral("3")}});
        if (!consumer) {
            log->error("{}: {}", name, s(consumer.error()));
            return {};
        }
        rd_kafka_poll_set_consumer(consumer->get());
        PartitionList topics(rd_kafka_topic_partition_list_new(1 + m_spec.retryTopics.size()));
        rd_kafka_topic_partition_list_add(topics.get(), m_spec.sourceTopic.toUtf8().constData(),
                                          RD_KAFKA_PARTITION_UA);
        for (const QString &retry : m_spec.retryTopics)
            rd_kafka_topic_partition_list_add(topics.get(), retry.toUtf8().constData(), RD_KAFKA_PARTITION_UA);
        if (const auto err = rd_kafka_subscribe(consumer->get(), topics.get()))
            log->error("{}: cannot subscribe: {}", name, rd_kafka_err2str(err));
        return std::move(consumer.value());
    };
    KafkaHandle consumer = makeConsumer();
    if (!consumer)
        return;

    // Partitions held back until a retry message is due (or after a hiccup):
    // paused, with the messages already fetched kept in order. No seek is
    // needed, and none is waited for.
    struct Held
    {
        std::deque<KafkaMessage> queue;
        Clock::time_point until;
    };
    std::map<QPair<QString, int>, Held> held;
    QHash<QPair<QString, int>, qint64> consumedNext; // offset after the last delivery handled
    // Retries this group sent itself and has not read back yet, by event and
    // attempt. The watermarks a consumer caches can be older than its own
    // newest retry, so they alone cannot say it is caught up.
    QSet<QPair<QString, qint64>> pendingRetries;
    auto partitionList = [](const QPair<QString, int> &key) {
        PartitionList list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), key.first.toUtf8().constData(), key.second);
        return list;
    };
    auto checkCaughtUp = [&] {
        if (!pendingRetries.isEmpty()) {
            log->debug("{}: not caught up: {} retries not read back", name, pendingRetries.size());
            return false;
        }
        if (!held.empty()) {
            log->debug("{}: not caught up: {} partitions held back", name, held.size());
            return false;
        }
        rd_kafka_topic_partition_list_t *raw = nullptr;
        if (rd_kafka_assignment(consumer.get(), &raw) || !raw)
            return false;
        PartitionList assigned(raw);
        if (assigned->cnt == 0)
            return false;
        // Non-blocking: positions and the watermarks cached from fetch
        // responses, which keep coming for every partition not held back.
        rd_kafka_position(consumer.get(), assigned.get());
        for (int i = 0; i < assigned->cnt; ++i) {
            const auto &p = assigned->elems[i];
            const qint64 next = std::max<qint64>(
                p.offset, consumedNext.value({QString::fromUtf8(p.topic), p.partition}, -1));
            int64_t low = -1, high = -1;
            if (rd_kafka_get_watermark_offsets(consumer.get(), p.topic, p.partition, &low, &high) || high < 0)
                return false;
            if (high > std::max<int64_t>(low, 0) && next < high) {
                log->debug("{}: not caught up on {}[{}]: at {}, high {}", name, p.topic, p.partition, next, high);
                return false;
            }
        }
        return true;
    };

    auto rewindToCommitted = [&] {
        rd_kafka_topic_partition_list_t *raw = nullptr;
        if (rd_kafka_assignment(consumer.get(), &raw) || !raw)
            return;
        PartitionList assigned(raw);
        if (rd_kafka_committed(consumer.get(), assigned.get(), 5000))
            return;
        held.clear();
        consumedNext.clear();
        for (int i = 0; i < assigned->cnt; ++i) {
            if (assigned->elems[i].offset >= 0)
                consumedNext[{QString::fromUtf8(assigned->elems[i].topic), assigned->elems[i].partition}] =
                    assigned->elems[i].offset;
        }
        for (int i = 0; i < assigned->cnt; ++i) {
            if (assigned->elems[i].offset < 0)
                assigned->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        }
        rd_kafka_resume_partitions(consumer.get(), assigned.get());
        // Asynchronous: a synchronous seek can wait for seconds on a fetcher.
        if (rd_kafka_error_t *error = rd_kafka_seek_partitions(consumer.get(), assigned.get(), 0))
            rd_kafka_error_destroy(error);
    };

    std::mt19937_64 rng(m_options.seed ^ qHash(m_spec.name));
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const bool redelivery = m_faults.enabled(Fault::Redelivery);
    const bool lose = m_faults.enabled(Fault::Lose);

    auto publish = [&](const Incoming &in, const QString &topic, int attempt, const QString &error) {
        models::RawMessage out;
        out.topic = topic;
        out.key = in.key;
        out.value = in.payload;
        auto add = [&](const char *key, const QString &value) { out.headers.append({QByteArray(key), value.toUtf8()}); };
        if (m_spec.retryTopics.contains(topic))
            pendingRetries.insert({in.eventId, attempt});
        add("event_id", in.eventId);
        add("entity_key", in.entityKey);
        add("event_type", in.eventType);
        add("event_version", QString::number(in.version));
        add("original_topic", in.originalTopic);
        add("original_partition", QString::number(in.originalPartition));
        add("original_offset", QString::number(in.originalOffset));
        add("attempt", QString::number(attempt));
        add("error", error);
        add("failed_at", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        add("consumer_group", m_spec.name);
        const auto delivered = producer->produceAndWait(out, PollControl::within(10s));
        if (!delivered)
            throw std::runtime_error("cannot publish to " + s(topic) + ": " + s(delivered.error()));
        if (!delivered->ok())
            throw std::runtime_error("publishing to " + s(topic) + " was not acknowledged: " + s(delivered->error));
    };

    auto business = [&](pqxx::subtransaction &tx, const Incoming &in) -> QString {
        switch (m_spec.kind) {
        case ServiceKind::Billing: {
            if (m_faults.outageActive())
                throw ProcessingError(s(QStringLiteral("payment gateway unavailable: HTTP 503 (request %1)")
                                            .arg(QUuid::createUuid().toString(QUuid::WithoutBraces))));
            QString orderId = in.json.value(QStringLiteral("order_id")).toString();
            qint64 amount = in.json.value(QStringLiteral("amount_cents")).toInteger();
            if (in.version >= 2) {
                const QJsonObject order = in.json.value(QStringLiteral("order")).toObject();
                orderId = order.value(QStringLiteral("id")).toString();
                amount = order.value(QStringLiteral("total")).toObject().value(QStringLiteral("cents")).toInteger();
            }
            if (orderId.isEmpty())
                throw ProcessingError("order event without an order id");
            const auto state = billingState(in.eventType);
            if (!state)
                return QStringLiteral("no billing change");
            tx.exec_params0("INSERT INTO invoices (order_id, amount_cents, currency, state, state_rank) "
                            "VALUES ($1, $2, 'EUR', $3, $4) ON CONFLICT (order_id) DO UPDATE SET "
                            "state = EXCLUDED.state, state_rank = EXCLUDED.state_rank, updated_at = now() "
                            "WHERE invoices.state_rank < EXCLUDED.state_rank",
                            s(orderId), amount, s(state->state), state->rank);
            return QStringLiteral("invoice %1").arg(state->state);
        }
        case ServiceKind::Shipping: {
            if (in.version != 1)
                throw ProcessingError(s(QStringLiteral("unsupported event_version %1 of %2: shipping reads "
                                                       "version 1 only")
                                            .arg(in.version)
                                            .arg(in.eventType)));
            if (m_faults.slowConsumerActive())
                std::this_thread::sleep_for(40ms);
            const QString orderId = in.json.value(QStringLiteral("order_id")).toString();
            if (orderId.isEmpty())
                throw ProcessingError("order event without order_id");
            const auto state = shippingState(in.eventType);
            if (!state)
                return QStringLiteral("no shipping change");
            tx.exec_params0("INSERT INTO shipments (order_id, state, state_rank) VALUES ($1, $2, $3) "
                            "ON CONFLICT (order_id) DO UPDATE SET state = EXCLUDED.state, "
                            "state_rank = EXCLUDED.state_rank, updated_at = now() "
                            "WHERE shipments.state_rank < EXCLUDED.state_rank",
                            s(orderId), s(state->state), state->rank);
            return QStringLiteral("shipment %1").arg(state->state);
        }
        case ServiceKind::Ledger: {
            const QString paymentId = in.json.value(QStringLiteral("payment_id")).toString();
            const qint64 amount = in.json.value(QStringLiteral("amount_cents")).toInteger();
            if (paymentId.isEmpty() || amount <= 0)
                throw ProcessingError("payment event without payment_id or a positive amount_cents");
            const bool refund = in.eventType == QLatin1String("payment.refunded");
            if (!refund && in.eventType != QLatin1String("payment.succeeded"))
                throw ProcessingError(s(QStringLiteral("unknown payment event type \"%1\"").arg(in.eventType)));
            tx.exec_params0("INSERT INTO ledger_entries (entry_id, payment_id, amount_cents, kind) "
                            "VALUES ($1, $2, $3, $4)",
                            s(in.eventId), s(paymentId), refund ? -amount : amount,
                            refund ? "refund" : "charge");
            return QStringLiteral("ledger %1 %2").arg(refund ? QStringLiteral("refund") : QStringLiteral("charge")).arg(amount);
        }
        }
        return {};
    };

    const std::string reg = s(d.registryTable), att = s(d.attemptsTable);
    auto col = [&](pqxx::work &tx, const QString &logical) { return tx.quote_name(s(d.reg(logical))); };
    auto acol = [&](pqxx::work &tx, const QString &logical) { return tx.quote_name(s(d.att(logical))); };

    // Returns false when the delivery could not be handled at all (database
    // or broker trouble): it is then tried again shortly, nothing recorded.
    auto handle = [&](const Incoming &in, const QString &nextTopic, int maxAttempts) -> bool {
        enum class Outcome { Processed, Duplicate, Retry, DeadLetter } outcome;
        try {
            pqxx::work tx(*db);
            const std::string r = tx.quote_name(reg), a = tx.quote_name(att);
            const pqxx::result row = tx.exec_params(
                "SELECT " + col(tx, QStringLiteral("status")) + ", " + col(tx, QStringLiteral("attempts")) +
                    " FROM " + r + " WHERE " + col(tx, QStringLiteral("event_id")) + " = $1 FOR UPDATE",
                s(in.eventId));
            auto logAttempt = [&](const QString &logicalOutcome, const QString &error) {
                tx.exec_params0("INSERT INTO " + a + " (" + acol(tx, QStringLiteral("event_id")) + ", " +
                                    acol(tx, QStringLiteral("attempt")) + ", " + acol(tx, QStringLiteral("outcome")) +
                                    ", " + acol(tx, QStringLiteral("error")) + ") VALUES ($1, $2, $3, $4)",
                                s(in.eventId), in.attempt, s(d.outcome(logicalOutcome)),
                                error.isEmpty() ? std::optional<std::string>() : std::optional<std::string>(s(error)));
            };
            if (!row.empty()) {
                const QString status = QString::fromStdString(row[0][0].as<std::string>());
                const int attempts = row[0][1].as<int>();
                // A replay of a dead letter is the one redelivery a dead-lettered event gets.
                if (status == d.outcome(QStringLiteral("processed")) ||
                    (!in.replay && (status == d.outcome(QStringLiteral("dead_lettered")) || in.attempt <= attempts))) {
                    logAttempt(QStringLiteral("duplicate_skipped"), {});
                    tx.commit();
                    ++m_counters.duplicatesSkipped;
                    return true;
                }
            }
            QString failure = in.parseError;
            QString result;
            if (failure.isEmpty()) {
                try {
                    pqxx::subtransaction sub(tx, "business");
                    result = business(sub, in);
                    sub.commit();
                } catch (const ProcessingError &e) {
                    failure = QString::fromStdString(e.what());
                } catch (const pqxx::sql_error &e) {
                    failure = QString::fromStdString(e.what()).trimmed();
                }
            }
            const QString logical = failure.isEmpty() ? QStringLiteral("processed")
                : in.attempt < maxAttempts               ? QStringLiteral("retry_scheduled")
                                                         : QStringLiteral("dead_lettered");
            tx.exec_params0(
                "INSERT INTO " + r + " (" + col(tx, QStringLiteral("event_id")) + ", " +
                    col(tx, QStringLiteral("entity_key")) + ", " + col(tx, QStringLiteral("event_type")) + ", " +
                    col(tx, QStringLiteral("event_version")) + ", " + col(tx, QStringLiteral("status")) + ", " +
                    col(tx, QStringLiteral("attempts")) + ", " + col(tx, QStringLiteral("processed_at")) + ", " +
                    col(tx, QStringLiteral("result")) + ") VALUES ($1, $2, $3, $4, $5, $6, " +
                    (failure.isEmpty() ? "now()" : "NULL") + ", $7) ON CONFLICT (" +
                    col(tx, QStringLiteral("event_id")) + ") DO UPDATE SET " + col(tx, QStringLiteral("status")) +
                    " = EXCLUDED." + col(tx, QStringLiteral("status")) + ", " + col(tx, QStringLiteral("attempts")) +
                    " = EXCLUDED." + col(tx, QStringLiteral("attempts")) + ", " +
                    col(tx, QStringLiteral("processed_at")) + " = EXCLUDED." +
                    col(tx, QStringLiteral("processed_at")) + ", " + col(tx, QStringLiteral("result")) +
                    " = EXCLUDED." + col(tx, QStringLiteral("result")),
                s(in.eventId), s(in.entityKey), s(in.eventType), in.version, s(d.outcome(logical)), in.attempt,
                s(failure.isEmpty() ? result : failure));
            logAttempt(logical, failure);
            if (failure.isEmpty()) {
                outcome = Outcome::Processed;
            } else if (in.attempt < maxAttempts) {
                publish(in, nextTopic, in.attempt + 1, failure);
                outcome = Outcome::Retry;
            } else {
                publish(in, m_spec.deadLetterTopic, in.attempt, failure);
                outcome = Outcome::DeadLetter;
            }
            tx.commit();
        } catch (const pqxx::broken_connection &e) {
            log->warn("{}: lost its database ({}); reconnecting", name, e.what());
            connect();
            return false;
        } catch (const std::exception &e) {
            log->warn("{}: event_id {} at {}[{}]@{} not handled, will try again: {}", name, s(in.eventId),
                      s(in.topic), in.partition, in.offset, e.what());
            return false;
        }
        switch (outcome) {
        case Outcome::Processed:
            ++m_counters.processed[m_spec.name];
            break;
        case Outcome::Retry:
            ++m_counters.retries;
            break;
        case Outcome::DeadLetter:
            ++m_counters.deadLettered;
            log->info("{}: event_id {} dead-lettered to {} after {} attempts", name, s(in.eventId),
                      s(m_spec.deadLetterTopic), in.attempt);
            break;
        case Outcome::Duplicate:
            break;
        }
        return true;
    };

    const int maxAttempts = 1 + int(m_spec.retryTopics.size());
    auto lastCaughtUpCheck = Clock::now();
    log->info("{}: consuming {} and {} retry topics into {}", name, s(m_spec.sourceTopic),
              m_spec.retryTopics.size(), s(m_spec.database));
    // Handles one delivery. Returns when to look at it again if it must wait
    // (a retry not yet due, or a database or broker hiccup); sets `rewound`
    // when the redelivery fault threw away everything fetched.
    bool rewound = false;
    auto deliver = [&](KafkaMessage &msg) -> std::optional<Clock::time_point> {
        const Incoming in = readIncoming(msg.get());
        const int level = int(m_spec.retryTopics.indexOf(in.topic));
        if (level >= 0) {
            if (in.targetGroup != m_spec.name) {
                consumedNext[{in.topic, in.partition}] = in.offset + 1;
                rd_kafka_commit_message(consumer.get(), msg.get(), 1);
                return std::nullopt; // another group's retry
            }
            const auto delay = m_options.retryDelays.value(level, 1s);
            const qint64 dueMs = in.timestampMs + delay.count();
            const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
            if (dueMs > nowMs)
                return Clock::now() + std::chrono::milliseconds(dueMs - nowMs);
            pendingRetries.remove({in.eventId, in.attempt});
        }
        m_caughtUp = false;
        if (lose && level < 0 && !in.replay && unit(rng) < 0.01) {
            // A bug that drops the event: the offset is committed, nothing is recorded.
            log->info("{}: losing event_id {} at {}[{}]@{}: committed past without recording it", name,
                      s(in.eventId), s(in.topic), in.partition, in.offset);
            ++m_counters.lost;
            consumedNext[{in.topic, in.partition}] = in.offset + 1;
            rd_kafka_commit_message(consumer.get(), msg.get(), 1);
            return std::nullopt;
        }
        const QString nextTopic = m_spec.retryTopics.value(in.attempt - 1);
        if (!handle(in, nextTopic, maxAttempts))
            return Clock::now() + 1s;
        if (redelivery && unit(rng) < 0.002) {
            // The process dies after its transaction, before the offset commit;
            // its next incarnation resumes from the committed offsets. The
            // rewind is done in place: rejoining the group costs the mock
            // cluster a session timeout.
            log->info("{}: crashing after the transaction of {}[{}]@{}, before its offset commit", name,
                      s(in.topic), in.partition, in.offset);
            msg.reset();
            rewindToCommitted();
            rewound = true;
            return std::nullopt;
        }
        consumedNext[{in.topic, in.partition}] = in.offset + 1;
        rd_kafka_commit_message(consumer.get(), msg.get(), 1);
        return std::nullopt;
    };
    auto serveHeld = [&] {
        const auto now = Clock::now();
        QList<QPair<QString, int>> keys;
        for (const auto &entry : held)
            keys << entry.first;
        for (const auto &key : keys) {
            auto it = held.find(key);
            if (it == held.end() || it->second.until > now)
                continue;
            Held &h = it->second;
            while (!h.queue.empty()) {
                rewound = false;
                const auto wait = deliver(h.queue.front());
                if (rewound)
                    return; // everything held was dropped
                if (wait) {
                    h.until = *wait;
                    break;
                }
                h.queue.pop_front();
            }
            if (h.queue.empty()) {
                rd_kafka_resume_partitions(consumer.get(), partitionList(key).get());
                held.erase(it);
            }
        }
    };

    while (!m_stop) {
        serveHeld();
        if (m_watchCaughtUp && Clock::now() - lastCaughtUpCheck > 500ms) {
            m_caughtUp = checkCaughtUp();
            lastCaughtUpCheck = Clock::now();
        }
        KafkaMessage msg(rd_kafka_consumer_poll(consumer.get(), 100));
        if (!msg)
            continue;
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log->debug("{}: {}", name, rd_kafka_message_errstr(msg.get()));
            continue;
        }
        const QPair<QString, int> key{QString::fromUtf8(rd_kafka_topic_name(msg->rkt)), msg->partition};
        if (auto it = held.find(key); it != held.end()) {
            it->second.queue.push_back(std::move(msg)); // fetched before the pause took effect
            continue;
        }
        rewound = false;
        if (const auto wait = deliver(msg); wait && !rewound) {
            rd_kafka_pause_partitions(consumer.get(), partitionList(key).get());
            Held h;
            h.queue.push_back(std::move(msg));
            h.until = *wait;
            held.emplace(key, std::move(h));
        }
    }
    held.clear(); // messages must be gone before the consumer is destroyed
    rd_kafka_consumer_close(consumer.get());
    if (const auto flushed = producer->flush(PollControl::within(5s)); !flushed)
        log->warn("{}: {}", name, s(flushed.error()));
}

} // namespace idem::connectors::sandbox
