#include "connectors/ops/replayexecutor.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/kafkaproducer.h"
#include "connectors/kafka/kafkareader.h"
#include "connectors/ops/replayplanning.h"
#include "connectors/ops/replaystore.h"

#include <QElapsedTimer>
#include <QSet>

#include <thread>

namespace idem::connectors::ops {

namespace {

const QByteArray kRequestHeader = QByteArrayLiteral("idem-replay-request");
const QByteArray kItemHeader = QByteArrayLiteral("idem-replay-item");
const QByteArray kApprovedHeader = QByteArrayLiteral("idem-approved-by");
const QByteArray kOriginHeader = QByteArrayLiteral("idem-original-dlq");

std::optional<QByteArray> header(const models::RawMessage &m, const QByteArray &name)
{
    for (const auto &h : m.headers) {
        if (h.name == name)
            return h.value;
    }
    return std::nullopt;
}

QString partitionKey(const QString &topic, int partition)
{
    return topic + QLatin1Char(':') + QString::number(partition);
}

} // namespace

bool isDeadLetterHeader(const QByteArray &name)
{
    static const QSet<QByteArray> exact{"attempt", "error", "error_class", "stack_trace", "failed_at",
                                        "consumer_group", "original_topic", "original_partition",
                                        "original_offset", "original_timestamp"};
    return exact.contains(name) || name.startsWith("__connect.errors.") || name.startsWith("kafka_dlt-")
        || name.startsWith("idem-");
}

ReplayExecutor::ReplayExecutor(models::EnvironmentConfig env, ReplayStore &store, ExecutorOptions options)
    : m_env(std::move(env)), m_store(store), m_options(std::move(options))
{
}

Result<ExecutionReport> ReplayExecutor::run(qint64 request, const PollControl &control, const ProgressFn &progress)
{
    auto log = logger("replay");
    auto before = m_store.show(request, control);
    if (!before)
        return makeError(before.error());
    const models::FlowConfig *flow = m_env.flow(before->request.flow);
    if (!flow)
        return makeError(QStringLiteral("replay %1 is for flow %2, which this environment does not have")
                             .arg(request)
                             .arg(before->request.flow));
    const models::KafkaClusterConfig *cluster = m_env.cluster(flow->cluster);
    if (!cluster)
        return makeError(QStringLiteral("flow %1 names cluster %2, which the environment does not have")
                             .arg(flow->name, flow->cluster));
    auto properties = kafka::clusterProperties(*cluster);
    if (!properties)
        return makeError(properties.error());
    kafka::KafkaReader reader(*properties);

    // The high watermarks of every target partition, recorded with the claim.
    QSet<QString> topics;
    for (const auto &item : before->items)
        topics.insert(item.spec.targetTopic);
    auto counts = reader.partitionCounts(control);
    if (!counts)
        return makeError(counts.error());
    QList<kafka::TopicPartition> partitions;
    for (const QString &topic : topics) {
        if (!counts->contains(topic))
            return makeError(QStringLiteral("the target topic %1 does not exist").arg(topic));
        for (int p = 0; p < counts->value(topic); ++p)
            partitions.append({topic, p});
    }
    auto marks = reader.watermarks(partitions, control);
    if (!marks)
        return makeError(marks.error());
    QHash<QString, qint64> highs;
    for (const auto &w : *marks) {
        if (!w.error.isEmpty())
            return makeError(QStringLiteral("%1[%2]: %3").arg(w.partition.topic).arg(w.partition.partition).arg(w.error));
        highs.insert(partitionKey(w.partition.topic, w.partition.partition), w.high);
    }
    auto claim = m_store.claim(request, highs, control);
    if (!claim)
        return makeError(claim.error());
    ExecutionReport report;
    report.request = request;
    report.attempt = claim->attempt;
    report.resumed = claim->resume;
    report.claimedAt = QDateTime::currentDateTimeUtc();
    QElapsedTimer sinceClaim;
    sinceClaim.start();

    // What the previous executor recorded is final; read it under the claim.
    auto details = m_store.show(request, control);
    if (!details)
        return makeError(details.error());
    report.approvedAt = details->request.approvedAt;
    ExecutionProgress &done = report.counts;
    done.request = request;
    done.items = details->items.size();

    QList<ItemResult> pendingResults;
    auto flushResults = [&](bool force) -> Status {
        if (pendingResults.isEmpty() || (!force && pendingResults.size() < m_options.recordBatch))
            return {};
        auto st = m_store.recordItems(request, pendingResults, control);
        pendingResults.clear();
        if (progress)
            progress(done);
        return st;
    };

    QList<const models::ReplayItem *> toSend;
    QList<const models::ReplayItem *> toVerify;
    for (const auto &item : details->items) {
        if (item.state == QLatin1String("pending")) {
            if (item.spec.dryRunSkip && !claim->overrideProcessed) {
                pendingResults.append({item.item, QStringLiteral("skipped"), {}, {}, item.spec.dryRunReason});
                ++done.skipped;
            } else {
                toSend << &item;
            }
        } else if (item.state == QLatin1String("sent")) {
            ++done.sent;
            toVerify << &item;
        } else if (item.state == QLatin1String("skipped")) {
            ++done.skipped;
        } else if (item.state == QLatin1String("confirmed")) {
            ++done.confirmed;
        } else {
            ++done.failed;
        }
    }
    if (auto st = flushResults(true); !st)
        return makeError(st.error());

    // A resumed run: items an earlier executor produced without recording.
    if (claim->resume && !toSend.isEmpty()) {
        QList<kafka::OffsetRange> ranges;
        for (auto it = highs.cbegin(); it != highs.cend(); ++it) {
            const QString topic = it.key().section(QLatin1Char(':'), 0, -2);
            const int partition = it.key().section(QLatin1Char(':'), -1).toInt();
            const qint64 from = claim->firstWatermarks.value(it.key(), 0);
            if (it.value() > from)
                ranges.append({topic, partition, from, it.value()});
        }
        const kafka::ReadResult scanned = reader.read(ranges, 0, control);
        if (!scanned.complete())
            return makeError(QStringLiteral("cannot look for the items an earlier run sent: %1")
                                 .arg(scanned.error.isEmpty() ? scanned.describeGaps() : scanned.error));
        const QByteArray wanted = QByteArray::number(request);
        QHash<int, QPair<int, qint64>> found;
        for (const auto &m : scanned.messages) {
            if (header(m, kRequestHeader).value_or(QByteArray()) != wanted)
                continue;
            const int item = header(m, kItemHeader).value_or(QByteArray()).toInt();
            if (!found.contains(item))
                found.insert(item, {m.partition, m.offset});
        }
        QList<const models::ReplayItem *> still;
        for (const models::ReplayItem *item : toSend) {
            if (auto f = found.constFind(item->item); f != found.cend()) {
                pendingResults.append({item->item, QStringLiteral("sent"), f->first, f->second,
                                       QStringLiteral("found on the topic, sent by an earlier run")});
                ++done.sent;
                ++report.foundFromEarlierRun;
                toVerify << item;
            } else {
                still << item;
            }
        }
        toSend = still;
        if (auto st = flushResults(true); !st)
            return makeError(st.error());
        log->info("replay {}: resumed, {} items found sent by an earlier run, {} to send", request,
                  report.foundFromEarlierRun, toSend.size());
    }

    if (!toSend.isEmpty()) {
        // The dead letters themselves, read by range per dead-letter partition.
        QMap<QPair<QString, int>, QPair<qint64, qint64>> spans;
        for (const models::ReplayItem *item : toSend) {
            auto key = qMakePair(item->spec.dlqTopic, item->spec.dlqPartition);
            auto it = spans.find(key);
            if (it == spans.end())
                spans.insert(key, {item->spec.dlqOffset, item->spec.dlqOffset + 1});
            else
                *it = {std::min(it->first, item->spec.dlqOffset), std::max(it->second, item->spec.dlqOffset + 1)};
        }
        QList<kafka::OffsetRange> ranges;
        for (auto it = spans.cbegin(); it != spans.cend(); ++it)
            ranges.append({it.key().first, it.key().second, it->first, it->second});
        const kafka::ReadResult letters = reader.read(ranges, 0, control);
        if (!letters.error.isEmpty())
            return makeError(QStringLiteral("cannot read the dead letters: %1").arg(letters.error));
        QMap<std::tuple<QString, int, qint64>, const models::RawMessage *> byAddress;
        for (const auto &m : letters.messages)
            byAddress.insert({m.topic, m.partition, m.offset}, &m);

        auto producer = kafka::KafkaProducer::create(*properties, m_options.producerOverrides);
        if (!producer)
            return makeError(producer.error());
        QHash<quint64, int> ticketItem;
        const QByteArray requestText = QByteArray::number(request);
        const QByteArray approvedBy = claim->approvedBy.toUtf8();
        QElapsedTimer pace;
        pace.start();
        int produced = 0;
        QElapsedTimer sinceRecord;
        sinceRecord.start();
        auto collect = [&]() {
            (*producer)->serve();
            const auto deliveries = (*producer)->takeDeliveries();
            for (auto it = deliveries.cbegin(); it != deliveries.cend(); ++it) {
                const int item = ticketItem.take(it.key());
                if (it->ok()) {
                    if (!report.firstProducedAt.isValid())
                        report.firstProducedAt = QDateTime::currentDateTimeUtc();
                    pendingResults.append({item, QStringLiteral("sent"), it->partition, it->offset, {}});
                    ++done.sent;
                    ++report.producedNow;
                } else {
                    pendingResults.append({item, QStringLiteral("failed"), {}, {},
                                           QStringLiteral("the cluster did not take it: %1").arg(it->error)});
                    ++done.failed;
                }
            }
        };
        for (const models::ReplayItem *item : toSend) {
            if (control.shouldStop())
                break;
            const models::RawMessage *letter = byAddress.value({item->spec.dlqTopic, item->spec.dlqPartition,
                                                                item->spec.dlqOffset});
            if (!letter || payloadHash(letter->value) != item->spec.payloadHash) {
                pendingResults.append({item->item, QStringLiteral("failed"), {}, {},
                                       letter ? QStringLiteral("the dead letter at %1 is not the one approved (its "
                                                               "payload hash differs)")
                                                    .arg(item->spec.dlqAddress())
                                              : QStringLiteral("the dead letter at %1 can no longer be read")
                                                    .arg(item->spec.dlqAddress())});
                ++done.failed;
                continue;
            }
            if (m_options.rateLimit > 0) {
                const qint64 due = qint64(1000.0 * produced / m_options.rateLimit);
                while (pace.elapsed() < due && !control.shouldStop()) {
                    collect();
                    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<qint64>(5, due - pace.elapsed())));
                }
            }
            models::RawMessage out;
            out.topic = item->spec.targetTopic;
            out.key = item->spec.key;
            out.value = letter->value;
            for (const auto &h : letter->headers) {
                if (!isDeadLetterHeader(h.name))
                    out.headers.append(h);
            }
            out.headers.append({kRequestHeader, requestText});
            out.headers.append({kItemHeader, QByteArray::number(item->item)});
            out.headers.append({kApprovedHeader, approvedBy});
            out.headers.append({kOriginHeader, item->spec.dlqAddress().toUtf8()});
            auto ticket = (*producer)->produce(out, control);
            if (!ticket)
                return makeError(QStringLiteral("replay %1 stopped at item %2: %3").arg(request).arg(item->item).arg(ticket.error()));
            ticketItem.insert(*ticket, item->item);
            toVerify << item;
            ++produced;
            if (produced % 256 == 0 || sinceRecord.elapsed() > 250) {
                collect();
                if (pendingResults.size() >= m_options.recordBatch || sinceRecord.elapsed() > 250) {
                    if (auto st = flushResults(true); !st)
                        return makeError(st.error());
                    sinceRecord.restart();
                }
            }
        }
        const Status flushed = (*producer)->flush(control);
        collect();
        if (auto st = flushResults(true); !st)
            return makeError(st.error());
        if (!flushed)
            return makeError(QStringLiteral("replay %1: %2").arg(request).arg(flushed.error()));
        if (control.shouldStop())
            return makeError(QStringLiteral("replay %1 was stopped; the next claim resumes it").arg(request));
    }
    report.sendSeconds = sinceClaim.elapsed() / 1000.0;

    // Verification: each sent event processed in the stores of its topic.
    QHash<QString, QList<const models::ReplayItem *>> byTopic;
    for (const models::ReplayItem *item : toVerify)
        byTopic[item->spec.targetTopic] << item;
    QStringList unconfirmedWhy;
    int unconfirmed = 0;
    for (auto it = byTopic.cbegin(); it != byTopic.cend(); ++it) {
        QStringList unwatched;
        const auto stores = storesOnTopic(m_env, *flow, it.key(), &unwatched);
        if (stores.isEmpty()) {
            unconfirmed += it.value().size();
            unconfirmedWhy << QStringLiteral("%1 items on %2 cannot be confirmed: no watched store consumes it")
                                  .arg(it.value().size())
                                  .arg(it.key());
            continue;
        }
        ProcessedLookup lookup(stores);
        QHash<QString, const models::ReplayItem *> open;
        for (const models::ReplayItem *item : it.value())
            open.insert(item->spec.eventId, item);
        QDeadlineTimer verifyDeadline(m_options.verifyTimeout);
        QString lastError;
        while (!open.isEmpty()) {
            auto found = lookup.processedIn(open.keys(), control);
            if (!found) {
                lastError = found.error();
            } else {
                for (auto f = found->cbegin(); f != found->cend(); ++f) {
                    if (f->size() < stores.size())
                        continue;
                    if (const models::ReplayItem *item = open.take(f.key())) {
                        pendingResults.append({item->item, QStringLiteral("confirmed"), {}, {},
                                               QStringLiteral("processed in %1").arg(f->join(QStringLiteral(", ")))});
                        ++done.confirmed;
                    }
                }
                if (auto st = flushResults(true); !st)
                    return makeError(st.error());
            }
            if (open.isEmpty() || verifyDeadline.hasExpired() || control.shouldStop())
                break;
            std::this_thread::sleep_for(std::min(m_options.verifyInterval, control.slice(m_options.verifyInterval)));
        }
        if (!open.isEmpty()) {
            unconfirmed += open.size();
            QStringList names;
            for (const auto &s : stores)
                names << s.name;
            const QString why = lastError.isEmpty()
                ? QStringLiteral("not processed in every one of %1 within %2 s")
                      .arg(names.join(QStringLiteral(", ")))
                      .arg(m_options.verifyTimeout.count() / 1000.0)
                : lastError;
            for (const models::ReplayItem *item : std::as_const(open))
                pendingResults.append({item->item, QStringLiteral("sent"), {}, {}, why});
            unconfirmedWhy << QStringLiteral("%1 items on %2 unconfirmed: %3").arg(open.size()).arg(it.key(), why);
            if (auto st = flushResults(true); !st)
                return makeError(st.error());
        }
    }
    if (control.shouldStop())
        return makeError(QStringLiteral("replay %1 was stopped while confirming; the next claim resumes it").arg(request));
    report.detail = unconfirmedWhy.join(QStringLiteral("; "));
    if (done.failed > 0)
        report.detail = QStringLiteral("%1 items failed%2").arg(done.failed).arg(report.detail.isEmpty() ? QString() : QStringLiteral("; ") + report.detail);
    auto finished = m_store.finish(request, report.detail, control);
    if (!finished)
        return makeError(finished.error());
    report.status = *finished;
    if (progress)
        progress(done);
    log->info("replay {}: {} ({} sent, {} skipped, {} confirmed, {} failed, {} unconfirmed)", request,
              report.status.toStdString(), done.sent, done.skipped, done.confirmed, done.failed, unconfirmed);
    return report;
}

} // namespace idem::connectors::ops
