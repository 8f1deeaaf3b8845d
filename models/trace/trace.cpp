#include "models/trace/trace.h"

#include "models/core/untrustedtext.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <map>

namespace idem::models {

QString hopKindName(HopKind kind)
{
    switch (kind) {
    case HopKind::Produced:
        return QStringLiteral("produced");
    case HopKind::Consumed:
        return QStringLiteral("consumed");
    case HopKind::Processed:
        return QStringLiteral("processed");
    case HopKind::SkippedDuplicate:
        return QStringLiteral("skipped_duplicate");
    case HopKind::Failed:
        return QStringLiteral("failed");
    case HopKind::Retried:
        return QStringLiteral("retried");
    case HopKind::DeadLettered:
        return QStringLiteral("dead_lettered");
    case HopKind::ReplayRequested:
        return QStringLiteral("replay_requested");
    case HopKind::ReplayApproved:
        return QStringLiteral("replay_approved");
    case HopKind::ReplayExecuted:
        return QStringLiteral("replay_executed");
    case HopKind::CheckFailed:
        return QStringLiteral("check_failed");
    case HopKind::LogicalDuplicate:
        return QStringLiteral("logical_duplicate");
    }
    return {};
}

QString hopKindTitle(HopKind kind)
{
    switch (kind) {
    case HopKind::Produced:
        return QStringLiteral("Produced");
    case HopKind::Consumed:
        return QStringLiteral("Committed past by");
    case HopKind::Processed:
        return QStringLiteral("Processed");
    case HopKind::SkippedDuplicate:
        return QStringLiteral("Skipped as duplicate");
    case HopKind::Failed:
        return QStringLiteral("Failed");
    case HopKind::Retried:
        return QStringLiteral("Retried");
    case HopKind::DeadLettered:
        return QStringLiteral("Dead-lettered");
    case HopKind::ReplayRequested:
        return QStringLiteral("Replay requested");
    case HopKind::ReplayApproved:
        return QStringLiteral("Replay approved");
    case HopKind::ReplayExecuted:
        return QStringLiteral("Replayed");
    case HopKind::CheckFailed:
        return QStringLiteral("Could not check");
    case HopKind::LogicalDuplicate:
        return QStringLiteral("Logical duplicate");
    }
    return {};
}

QString TraceHop::location() const
{
    if (!onTopic())
        return {};
    return QStringLiteral("%1 %2@%3").arg(topic).arg(partition).arg(offset);
}

QString notScannedReasonName(NotScannedReason reason)
{
    switch (reason) {
    case NotScannedReason::Retention:
        return QStringLiteral("retention");
    case NotScannedReason::Budget:
        return QStringLiteral("budget");
    case NotScannedReason::Cancelled:
        return QStringLiteral("cancel");
    case NotScannedReason::Deadline:
        return QStringLiteral("deadline");
    case NotScannedReason::LocationKnown:
        return QStringLiteral("location_known");
    case NotScannedReason::Indexed:
        return QStringLiteral("indexed");
    case NotScannedReason::Error:
        return QStringLiteral("error");
    }
    return {};
}

QString traceStepStateName(TraceStep::State state)
{
    switch (state) {
    case TraceStep::State::Pending:
        return QStringLiteral("pending");
    case TraceStep::State::Running:
        return QStringLiteral("running");
    case TraceStep::State::Done:
        return QStringLiteral("done");
    case TraceStep::State::Failed:
        return QStringLiteral("failed");
    case TraceStep::State::TimedOut:
        return QStringLiteral("timed out");
    case TraceStep::State::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

QString checkEventId(const QString &eventId)
{
    if (eventId.isEmpty())
        return QStringLiteral("the event_id is empty: give the event_id to trace");
    if (eventId.size() > kMaxEventIdLength)
        return QStringLiteral("the event_id is %1 characters long; an event_id has at most %2")
            .arg(eventId.size())
            .arg(kMaxEventIdLength);
    for (qsizetype i = 0; i < eventId.size(); ++i) {
        const QChar c = eventId.at(i);
        if (c.category() == QChar::Other_Control)
            return QStringLiteral("the event_id holds a control character (U+%1 at position %2); "
                                  "paste the event_id alone, without line breaks or tabs")
                .arg(c.unicode(), 4, 16, QLatin1Char('0'))
                .arg(i + 1);
    }
    return {};
}

Result<QDateTime> parseTraceTime(const QString &text, const QDateTime &now)
{
    const QString t = text.trimmed();
    if (t.compare(QLatin1String("now"), Qt::CaseInsensitive) == 0)
        return now.toUTC();
    static const QRegularExpression age(QStringLiteral("^-(\\d{1,9})([smhd])$"));
    if (const auto m = age.match(t); m.hasMatch()) {
        const qint64 n = m.captured(1).toLongLong();
        const QChar unit = m.captured(2).at(0);
        const qint64 seconds = unit == u's' ? n : unit == u'm' ? n * 60 : unit == u'h' ? n * 3600 : n * 86400;
        return now.toUTC().addSecs(-seconds);
    }
    QString iso = t;
    if (iso.size() > 10 && iso.at(10) == QLatin1Char(' '))
        iso[10] = QLatin1Char('T');
    QDateTime parsed = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (parsed.isValid() && parsed.timeSpec() == Qt::LocalTime)
        parsed.setTimeSpec(Qt::UTC); // no zone given: UTC, as exported
    if (!parsed.isValid())
        return makeError(QStringLiteral("\"%1\" is not a time: give ISO 8601 (2026-12-01T09:00, UTC unless a zone is "
                                        "given, e.g. +01:00 or Z), \"now\", or an age such as -30m, -2h, -1d")
                             .arg(t));
    return parsed.toUTC();
}

bool TraceResult::found() const
{
    for (const TraceHop &h : hops) {
        if (h.kind != HopKind::CheckFailed && h.kind != HopKind::LogicalDuplicate)
            return true;
    }
    for (const StoreRecord &s : stores) {
        if (s.hasRow)
            return true;
    }
    return false;
}

QList<TraceHop> TraceResult::hopsOf(HopKind kind) const
{
    QList<TraceHop> out;
    for (const TraceHop &h : hops) {
        if (h.kind == kind)
            out.append(h);
    }
    return out;
}

void sortHops(QList<TraceHop> &hops)
{
    // A hop without a time takes the time of the last timed hop before it in
    // the order they were added (a commit follows its copy).
    QList<qint64> keys;
    keys.reserve(hops.size());
    qint64 last = std::numeric_limits<qint64>::min();
    for (const TraceHop &h : std::as_const(hops)) {
        if (h.time.isValid())
            last = h.time.toMSecsSinceEpoch();
        keys.append(h.time.isValid() ? last : (last == std::numeric_limits<qint64>::min() ? std::numeric_limits<qint64>::max() : last));
    }
    QList<int> order(hops.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return keys[a] < keys[b]; });
    QList<TraceHop> sorted;
    sorted.reserve(hops.size());
    for (int i : order)
        sorted.append(hops[i]);
    hops = std::move(sorted);
}

QList<ScannedRange> mergeRanges(QList<ScannedRange> ranges)
{
    std::sort(ranges.begin(), ranges.end(), [](const ScannedRange &a, const ScannedRange &b) {
        return std::tie(a.topic, a.partition, a.from) < std::tie(b.topic, b.partition, b.from);
    });
    // An empty range says a partition was looked at and holds nothing in
    // the window: kept where nothing else of that partition was read.
    QSet<QPair<QString, int>> read;
    for (const ScannedRange &r : std::as_const(ranges)) {
        if (r.to > r.from)
            read.insert({r.topic, r.partition});
    }
    QList<ScannedRange> out;
    for (const ScannedRange &r : std::as_const(ranges)) {
        if (r.to <= r.from) {
            const bool seen = !out.isEmpty() && out.last().topic == r.topic && out.last().partition == r.partition;
            if (!read.contains({r.topic, r.partition}) && !seen)
                out.append({r.topic, r.partition, r.from, r.from});
            continue;
        }
        if (!out.isEmpty() && out.last().topic == r.topic && out.last().partition == r.partition
            && r.from <= out.last().to) {
            out.last().to = std::max(out.last().to, r.to);
            continue;
        }
        out.append(r);
    }
    return out;
}

QString describePartitions(const QString &topic, QList<int> partitions)
{
    std::sort(partitions.begin(), partitions.end());
    partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
    QStringList runs;
    for (qsizetype i = 0; i < partitions.size();) {
        qsizetype j = i;
        while (j + 1 < partitions.size() && partitions[j + 1] == partitions[j] + 1)
            ++j;
        if (j == i)
            runs << QString::number(partitions[i]);
        else
            runs << QStringLiteral("%1–%2").arg(partitions[i]).arg(partitions[j]);
        i = j + 1;
    }
    return QStringLiteral("%1[%2]").arg(topic, runs.join(QLatin1Char(',')));
}

namespace {

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonObject recordJson(const RawMessage &m)
{
    QJsonObject o;
    QJsonArray headers;
    for (const RawHeader &h : m.headers) {
        QJsonObject ho;
        ho.insert(QStringLiteral("name"), QString::fromUtf8(h.name));
        ho.insert(QStringLiteral("value"), h.value ? QJsonValue(QString::fromUtf8(*h.value)) : QJsonValue());
        headers.append(ho);
    }
    o.insert(QStringLiteral("headers"), headers);
    o.insert(QStringLiteral("key"), m.key ? QJsonValue(QString::fromUtf8(*m.key)) : QJsonValue());
    o.insert(QStringLiteral("payload"), m.value ? QJsonValue(QString::fromUtf8(*m.value)) : QJsonValue());
    return o;
}

} // namespace

QJsonObject traceToJson(const TraceResult &result, bool withRecords)
{
    QJsonObject o;
    o.insert(QStringLiteral("event_id"), result.query.eventId);
    o.insert(QStringLiteral("found"), result.found());
    o.insert(QStringLiteral("flows"), QJsonArray::fromStringList(result.flows));
    if (result.query.from.isValid())
        o.insert(QStringLiteral("from"), iso(result.query.from));
    if (result.query.to.isValid())
        o.insert(QStringLiteral("to"), iso(result.query.to));
    QJsonArray hops;
    for (const TraceHop &h : result.hops) {
        QJsonObject j;
        j.insert(QStringLiteral("kind"), hopKindName(h.kind));
        j.insert(QStringLiteral("system"), h.system);
        if (h.onTopic()) {
            j.insert(QStringLiteral("topic"), h.topic);
            j.insert(QStringLiteral("partition"), h.partition);
            j.insert(QStringLiteral("offset"), h.offset);
        }
        if (h.time.isValid())
            j.insert(QStringLiteral("time"), iso(h.time));
        if (!h.status.isEmpty())
            j.insert(QStringLiteral("status"), h.status);
        if (h.attempt > 0)
            j.insert(QStringLiteral("attempt"), h.attempt);
        if (!h.error.isEmpty())
            j.insert(QStringLiteral("error"), h.error);
        if (!h.group.isEmpty())
            j.insert(QStringLiteral("group"), h.group);
        if (!h.otherEventId.isEmpty())
            j.insert(QStringLiteral("other_event_id"), h.otherEventId);
        if (!h.detail.isEmpty())
            j.insert(QStringLiteral("detail"), h.detail);
        if (withRecords && h.record)
            j.insert(QStringLiteral("record"), recordJson(*h.record));
        hops.append(j);
    }
    o.insert(QStringLiteral("hops"), hops);
    QJsonArray scanned;
    for (const ScannedRange &r : result.scanned) {
        scanned.append(QJsonObject{{QStringLiteral("topic"), r.topic},
                                   {QStringLiteral("partition"), r.partition},
                                   {QStringLiteral("from"), r.from},
                                   {QStringLiteral("to"), r.to}});
    }
    o.insert(QStringLiteral("scanned"), scanned);
    QJsonArray notScanned;
    for (const NotScannedRange &r : result.notScanned) {
        QJsonObject j{{QStringLiteral("topic"), r.topic},
                      {QStringLiteral("partition"), r.partition},
                      {QStringLiteral("from"), r.from},
                      {QStringLiteral("to"), r.to},
                      {QStringLiteral("reason"), notScannedReasonName(r.reason)}};
        if (!r.detail.isEmpty())
            j.insert(QStringLiteral("detail"), r.detail);
        notScanned.append(j);
    }
    o.insert(QStringLiteral("not_scanned"), notScanned);
    o.insert(QStringLiteral("messages_scanned"), result.messagesScanned);
    QJsonArray steps;
    for (const TraceStep &s : result.steps) {
        steps.append(QJsonObject{{QStringLiteral("step"), s.name},
                                 {QStringLiteral("state"), traceStepStateName(s.state)},
                                 {QStringLiteral("detail"), s.detail},
                                 {QStringLiteral("elapsed_ms"), s.elapsedMs}});
    }
    o.insert(QStringLiteral("steps"), steps);
    o.insert(QStringLiteral("verdict"),
             QJsonObject{{QStringLiteral("code"), result.verdict.code}, {QStringLiteral("text"), result.verdict.text}});
    if (!result.error.isEmpty())
        o.insert(QStringLiteral("error"), result.error);
    return o;
}

QString traceToText(const TraceResult &result)
{
    QStringList lines;
    lines << QStringLiteral("event_id %1").arg(escapeForTerminal(result.query.eventId));
    lines << escapeForTerminal(result.verdict.text);
    lines << QString();
    for (const TraceHop &h : result.hops) {
        QStringList parts;
        parts << (h.time.isValid() ? iso(h.time) : QStringLiteral("-"));
        parts << hopKindTitle(h.kind);
        parts << h.system;
        if (h.onTopic())
            parts << h.location();
        if (!h.status.isEmpty())
            parts << h.status;
        if (h.attempt > 0)
            parts << QStringLiteral("attempt %1").arg(h.attempt);
        if (!h.error.isEmpty())
            parts << QStringLiteral("error: %1").arg(h.error);
        if (!h.detail.isEmpty())
            parts << h.detail;
        lines << escapeForTerminal(parts.join(QStringLiteral("  ")));
    }
    if (!result.scanned.isEmpty() || !result.notScanned.isEmpty())
        lines << QString();
    for (const ScannedRange &r : result.scanned)
        lines << QStringLiteral("read %1[%2] [%3, %4)").arg(r.topic).arg(r.partition).arg(r.from).arg(r.to);
    for (const NotScannedRange &r : result.notScanned)
        lines << QStringLiteral("not read %1[%2] [%3, %4): %5%6")
                     .arg(r.topic)
                     .arg(r.partition)
                     .arg(r.from)
                     .arg(r.to)
                     .arg(notScannedReasonName(r.reason),
                          r.detail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(escapeForTerminal(r.detail)));
    return lines.join(QLatin1Char('\n'));
}

} // namespace idem::models
