#include "models/reconcile/reconcile.h"

#include "models/core/untrustedtext.h"

#include <QHashFunctions>
#include <QJsonArray>
#include <QLocale>
#include <QTimeZone>

#include <algorithm>

namespace idem::models {

namespace {

QString count(qint64 n)
{
    return QLocale::c().toString(n).replace(QLatin1Char(','), QChar(0x202F));
}

QString iso(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

QString plural(qint64 n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(count(n), QString::fromLatin1(n == 1 ? one : many));
}

void add(ClassIds &ids, const QString &id, int cap)
{
    ++ids.count;
    if (ids.eventIds.size() < cap)
        ids.eventIds.append(id);
}

QString csvField(const QString &text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n'))
        && !text.contains(QLatin1Char('\r')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace

QString reconcileClassName(ReconcileClass c)
{
    switch (c) {
    case ReconcileClass::Processed:
        return QStringLiteral("processed");
    case ReconcileClass::DeadLettered:
        return QStringLiteral("dead_lettered");
    case ReconcileClass::InRetry:
        return QStringLiteral("in_retry");
    case ReconcileClass::Pending:
        return QStringLiteral("pending");
    case ReconcileClass::Missing:
        return QStringLiteral("missing");
    case ReconcileClass::Extra:
        return QStringLiteral("extra");
    case ReconcileClass::LogicalDuplicate:
        return QStringLiteral("logical_duplicates");
    }
    return {};
}

QString reconcileClassTitle(ReconcileClass c)
{
    switch (c) {
    case ReconcileClass::Processed:
        return QStringLiteral("Processed");
    case ReconcileClass::DeadLettered:
        return QStringLiteral("Dead-lettered");
    case ReconcileClass::InRetry:
        return QStringLiteral("In retry");
    case ReconcileClass::Pending:
        return QStringLiteral("Pending");
    case ReconcileClass::Missing:
        return QStringLiteral("Missing");
    case ReconcileClass::Extra:
        return QStringLiteral("Extra");
    case ReconcileClass::LogicalDuplicate:
        return QStringLiteral("Logical duplicates");
    }
    return {};
}

ReconcileWindow presetWindow(WindowPreset preset, const QDateTime &now)
{
    const QDateTime local = now.toLocalTime();
    const QDateTime today(local.date(), QTime(0, 0), local.timeZone());
    switch (preset) {
    case WindowPreset::Today:
        return {today.toUTC(), now.toUTC()};
    case WindowPreset::Yesterday:
        return {today.addDays(-1).toUTC(), today.toUTC()};
    case WindowPreset::LastHour:
    case WindowPreset::Custom:
        break;
    }
    return {now.toUTC().addSecs(-3600), now.toUTC()};
}

QString checkReconcileWindow(const QDateTime &from, const QDateTime &to, const QDateTime &now)
{
    if (!from.isValid() || !to.isValid())
        return QStringLiteral("the window needs a start and an end");
    if (from >= to)
        return QStringLiteral("the window's start (%1) is not before its end (%2): give --from before --to")
            .arg(iso(from), iso(to));
    if (from > now)
        return QStringLiteral("the window starts in the future (%1, now is %2): nothing has been produced in it yet")
            .arg(iso(from), iso(now));
    return {};
}

RowState rowStateOf(const QString &logicalStatus)
{
    if (logicalStatus == QLatin1String("dead_lettered"))
        return RowState::DeadLettered;
    if (logicalStatus == QLatin1String("retry_scheduled") || logicalStatus == QLatin1String("failed"))
        return RowState::InRetry;
    return RowState::Processed; // processed, duplicate_skipped and words the mapping does not name: a row
}

quint64 entityHashUtf8(QByteArrayView entityKey, QByteArrayView eventType)
{
    if (entityKey.isEmpty() || eventType.isEmpty())
        return 0;
    // Each part's hash seeds the next: ("ab", "c") and ("a", "bc") differ.
    const size_t key = qHashBits(entityKey.data(), size_t(entityKey.size()), 0x2545f4914f6cdd1dull);
    const quint64 v = quint64(qHashBits(eventType.data(), size_t(eventType.size()), key));
    return v ? v : 1;
}

quint64 entityHash(const QString &entityKey, const QString &eventType)
{
    return entityHashUtf8(QByteArrayView(entityKey.toUtf8()), QByteArrayView(eventType.toUtf8()));
}

qsizetype SourceScan::addMessage(QByteArrayView eventId, qint32 partition, qint64 offset, qint64 timestampMs)
{
    bool added = false;
    const qsizetype i = ids.insert(eventId, &added);
    if (added) {
        events.append({partition, 1, offset, timestampMs});
    } else {
        ++events[i].copies;
        laterCopies[i].append({partition, offset});
    }
    return i;
}

bool SourceScan::complete() const
{
    return notRead.isEmpty();
}

bool GroupReconcile::reconciled() const
{
    return checked() && extraError.isEmpty() && of(ReconcileClass::Missing).count == 0
        && of(ReconcileClass::Extra).count == 0;
}

GroupReconcile classifyGroup(const SourceScan &source, const GroupEvidence &evidence, int idCap)
{
    GroupReconcile g;
    g.flow = evidence.flow;
    g.group = evidence.group;
    g.store = evidence.store;
    g.sourceEvents = source.events.size();
    g.copies = source.copies();
    g.extraError = evidence.extraError;
    if (!evidence.error.isEmpty()) {
        g.error = QStringLiteral("could not check %1: %2").arg(evidence.store.isEmpty() ? evidence.group : evidence.store,
                                                               evidence.error);
        g.verdict = g.error;
        return g;
    }
    auto &c = g.classes;
    auto committedPast = [&](qint32 partition, qint64 offset) {
        return partition >= 0 && partition < evidence.committed.size() && evidence.committed[partition] > offset;
    };
    // The dead letters by event index: a lookup a dead letter, not one an event.
    std::vector<bool> deadLettered(size_t(source.events.size()), false);
    for (const QString &id : evidence.deadLettered) {
        const qsizetype i = source.ids.indexOf(QByteArrayView(id.toUtf8()));
        if (i >= 0 && i < source.events.size())
            deadLettered[size_t(i)] = true;
    }
    // Each class's first `idCap` events by index (in source order, as read), turned into text at the end.
    std::array<std::vector<qsizetype>, kReconcileClassCount> firsts;
    // Logical duplicates: the rows' entities (key and type) sorted, then ids
    // only for entities seen more than once (a hash of a million entries
    // took seconds; a sort takes a tenth of that).
    std::vector<quint64> entities;
    entities.reserve(size_t(evidence.rowEntities.size() + evidence.windowRows.size()));
    const qsizetype rowCount = evidence.rows.size();
    const qsizetype entityCount = evidence.rowEntities.size();
    for (qsizetype i = 0; i < source.events.size(); ++i) {
        const RowState row = i < rowCount ? evidence.rows[i] : RowState::NoRow;
        ReconcileClass cls = ReconcileClass::Processed;
        if (row == RowState::Processed) {
            cls = ReconcileClass::Processed;
        } else if (row == RowState::DeadLettered || deadLettered[size_t(i)]) {
            cls = ReconcileClass::DeadLettered;
        } else if (row == RowState::InRetry) {
            cls = ReconcileClass::InRetry;
        } else {
            const SourceEvent &e = source.events[i];
            bool past = committedPast(e.partition, e.offset);
            if (const auto copies = source.laterCopies.constFind(i); copies != source.laterCopies.cend()) {
                for (const auto &copy : *copies)
                    past = past || committedPast(copy.first, copy.second);
            }
            cls = past ? ReconcileClass::Missing : ReconcileClass::Pending;
        }
        ClassIds &ids = c[size_t(cls)];
        ++ids.count;
        if (firsts[size_t(cls)].size() < size_t(std::max(idCap, 0)))
            firsts[size_t(cls)].push_back(i);
        if (row != RowState::NoRow && i < entityCount && evidence.rowEntities[i])
            entities.push_back(evidence.rowEntities[i]);
    }
    for (size_t k = 0; k < firsts.size(); ++k) {
        c[k].eventIds.reserve(qsizetype(firsts[k].size()));
        for (const qsizetype i : firsts[k])
            c[k].eventIds.append(source.eventId(i));
    }
    ClassIds &extra = c[size_t(ReconcileClass::Extra)];
    QStringList extraIds;
    for (const GroupEvidence::Row &r : evidence.windowRows) {
        if (source.producedBefore.contains(r.eventId))
            continue;
        extraIds << r.eventId;
        if (r.entity)
            entities.push_back(r.entity);
    }
    extraIds.sort();
    for (const QString &id : std::as_const(extraIds))
        add(extra, id, idCap);
    std::sort(entities.begin(), entities.end());
    std::vector<quint64> repeated;
    for (size_t k = 1; k < entities.size(); ++k) {
        if (entities[k] == entities[k - 1] && (repeated.empty() || repeated.back() != entities[k]))
            repeated.push_back(entities[k]);
    }
    entities = {};
    QStringList dups;
    auto duplicated = [&](quint64 entity) { return entity && std::binary_search(repeated.begin(), repeated.end(), entity); };
    for (qsizetype i = 0; !repeated.empty() && i < source.events.size() && i < entityCount; ++i) {
        if (i < rowCount && evidence.rows[i] != RowState::NoRow && duplicated(evidence.rowEntities[i]))
            dups << source.eventId(i);
    }
    for (const GroupEvidence::Row &r : evidence.windowRows) {
        if (!repeated.empty() && !source.producedBefore.contains(r.eventId) && duplicated(r.entity))
            dups << r.eventId;
    }
    dups.sort();
    for (const QString &id : std::as_const(dups))
        add(c[size_t(ReconcileClass::LogicalDuplicate)], id, idCap);
    for (ClassIds &ids : c)
        std::sort(ids.eventIds.begin(), ids.eventIds.end());

    if (extra.count > 0) {
        g.extraExplanation = !source.retentionCut.isEmpty()
            ? QStringLiteral("the window starts before the retained log of %1 (low watermark): likely past retention")
                  .arg(source.retentionCut.join(QStringLiteral(", ")))
            : QStringLiteral("not on the source topics in the window nor in the %1 s before it: produced elsewhere")
                  .arg(source.lookbackMs / 1000);
    }

    // The verdict, worst first.
    QStringList problems;
    const qint64 missing = g.of(ReconcileClass::Missing).count;
    if (missing > 0)
        problems << QStringLiteral("%1 missing — committed past, no row: likely lost by %2")
                        .arg(plural(missing, "event", "events"), g.group);
    if (extra.count > 0)
        problems << QStringLiteral("%1 — %2").arg(plural(extra.count, "extra row", "extra rows"), g.extraExplanation);
    if (!g.extraError.isEmpty())
        problems << QStringLiteral("extra rows not checked: %1").arg(g.extraError);
    QStringList also;
    if (const qint64 n = g.of(ReconcileClass::DeadLettered).count)
        also << QStringLiteral("%1 dead-lettered").arg(count(n));
    if (const qint64 n = g.of(ReconcileClass::InRetry).count)
        also << QStringLiteral("%1 in retry").arg(count(n));
    if (const qint64 n = g.of(ReconcileClass::Pending).count)
        also << QStringLiteral("%1 pending (not committed yet: lag, not loss)").arg(count(n));
    if (const qint64 n = g.of(ReconcileClass::LogicalDuplicate).count)
        also << QStringLiteral("%1 in logical duplicates").arg(plural(n, "row", "rows"));
    if (!problems.isEmpty()) {
        g.verdict = QStringLiteral("%1: %2").arg(g.group, problems.join(QStringLiteral("; ")));
    } else {
        g.verdict = QStringLiteral("%1: reconciled: %2 processed, %3 skipped")
                        .arg(g.group, count(g.of(ReconcileClass::Processed).count), plural(g.copies, "copy", "copies"));
    }
    if (!also.isEmpty())
        g.verdict += QStringLiteral("; ") + also.join(QStringLiteral(", "));
    return g;
}

bool ReconcileReport::reconciled() const
{
    if (!error.isEmpty() || !sourceComplete())
        return false;
    for (const GroupReconcile &g : groups) {
        if (!g.reconciled())
            return false;
    }
    return true;
}

bool ReconcileReport::complete() const
{
    if (!error.isEmpty() || !sourceComplete())
        return false;
    for (const GroupReconcile &g : groups) {
        if (!g.checked() || !g.extraError.isEmpty())
            return false;
    }
    return true;
}

ReconcileReport buildReconcileReport(const QString &flow, const ReconcileWindow &window, const QStringList &topics,
                                     const SourceScan &source, const QList<GroupEvidence> &groups, int idCap)
{
    ReconcileReport r;
    r.flow = flow;
    r.from = window.from;
    r.to = window.to;
    r.sourceTopics = topics;
    r.messages = source.messages;
    r.sourceEvents = source.events.size();
    r.copies = source.copies();
    r.unreadable = source.unreadable;
    r.unreadableReasons = source.unreadableReasons;
    r.unreadableAt = source.unreadableAt;
    r.notRead = source.notRead;
    r.retentionCut = source.retentionCut;
    QStringList notes;
    if (!source.notRead.isEmpty()) {
        QStringList parts;
        for (const NotScannedRange &n : source.notRead)
            parts << QStringLiteral("%1[%2] [%3, %4): %5").arg(n.topic).arg(n.partition).arg(n.from).arg(n.to).arg(n.detail);
        notes << QStringLiteral("INCOMPLETE: not read: %1").arg(parts.join(QStringLiteral("; ")));
    }
    if (source.messages == 0 && source.notRead.isEmpty())
        notes << QStringLiteral("no messages on %1 between %2 and %3").arg(topics.join(QStringLiteral(", ")), iso(window.from), iso(window.to));
    if (!source.retentionCut.isEmpty())
        notes << QStringLiteral("the window starts before the retained log of %1: events produced before the low "
                                "watermark were deleted and cannot be reconciled")
                     .arg(source.retentionCut.join(QStringLiteral(", ")));
    if (source.unreadable > 0)
        notes << QStringLiteral("%1 whose event_id cannot be read").arg(plural(source.unreadable, "message", "messages"));
    r.sourceNote = notes.isEmpty() ? QStringLiteral("read entirely") : notes.join(QStringLiteral("; "));
    for (const GroupEvidence &e : groups) {
        GroupReconcile g = classifyGroup(source, e, idCap);
        if (!source.notRead.isEmpty() && g.checked())
            g.verdict += QStringLiteral(" (source read only in part: see the source line)");
        r.groups.append(g);
    }
    return r;
}

QJsonObject reconcileToJson(const ReconcileReport &report, int idCap, bool withProcessed)
{
    QJsonObject o;
    o.insert(QStringLiteral("flow"), report.flow);
    o.insert(QStringLiteral("from"), iso(report.from));
    o.insert(QStringLiteral("to"), iso(report.to));
    if (!report.error.isEmpty()) {
        o.insert(QStringLiteral("error"), report.error);
        o.insert(QStringLiteral("reconciled"), false);
        return o;
    }
    QJsonObject source;
    source.insert(QStringLiteral("topics"), QJsonArray::fromStringList(report.sourceTopics));
    source.insert(QStringLiteral("messages"), report.messages);
    source.insert(QStringLiteral("events"), report.sourceEvents);
    source.insert(QStringLiteral("copies"), report.copies);
    source.insert(QStringLiteral("unreadable"), report.unreadable);
    QJsonObject reasons;
    for (auto it = report.unreadableReasons.cbegin(); it != report.unreadableReasons.cend(); ++it)
        reasons.insert(it.key(), it.value());
    source.insert(QStringLiteral("unreadable_reasons"), reasons);
    source.insert(QStringLiteral("unreadable_at"), QJsonArray::fromStringList(report.unreadableAt));
    QJsonArray notRead;
    for (const NotScannedRange &n : report.notRead)
        notRead.append(QJsonObject{{QStringLiteral("topic"), n.topic},
                                   {QStringLiteral("partition"), n.partition},
                                   {QStringLiteral("from"), n.from},
                                   {QStringLiteral("to"), n.to},
                                   {QStringLiteral("reason"), notScannedReasonName(n.reason)},
                                   {QStringLiteral("detail"), n.detail}});
    source.insert(QStringLiteral("not_read"), notRead);
    source.insert(QStringLiteral("past_retention"), QJsonArray::fromStringList(report.retentionCut));
    source.insert(QStringLiteral("complete"), report.sourceComplete());
    source.insert(QStringLiteral("note"), report.sourceNote);
    o.insert(QStringLiteral("source"), source);
    QJsonArray groups;
    for (const GroupReconcile &g : report.groups) {
        QJsonObject j;
        j.insert(QStringLiteral("group"), g.group);
        j.insert(QStringLiteral("store"), g.store);
        j.insert(QStringLiteral("checked"), g.checked());
        if (!g.checked())
            j.insert(QStringLiteral("error"), g.error);
        if (!g.extraError.isEmpty())
            j.insert(QStringLiteral("extra_error"), g.extraError);
        j.insert(QStringLiteral("source_events"), g.sourceEvents);
        j.insert(QStringLiteral("copies"), g.copies);
        QJsonObject counts, ids;
        for (int i = 0; i < kReconcileClassCount; ++i) {
            const auto c = ReconcileClass(i);
            counts.insert(reconcileClassName(c), g.classes[size_t(i)].count);
            if (c == ReconcileClass::Processed && !withProcessed)
                continue;
            ids.insert(reconcileClassName(c), QJsonArray::fromStringList(g.classes[size_t(i)].eventIds.mid(0, idCap)));
        }
        if (g.checked()) {
            j.insert(QStringLiteral("counts"), counts);
            j.insert(QStringLiteral("event_ids"), ids);
            j.insert(QStringLiteral("event_ids_cap"), idCap);
        }
        if (!g.extraExplanation.isEmpty())
            j.insert(QStringLiteral("extra_explanation"), g.extraExplanation);
        j.insert(QStringLiteral("reconciled"), g.reconciled());
        j.insert(QStringLiteral("verdict"), g.verdict);
        groups.append(j);
    }
    o.insert(QStringLiteral("groups"), groups);
    o.insert(QStringLiteral("complete"), report.complete());
    o.insert(QStringLiteral("reconciled"), report.reconciled());
    o.insert(QStringLiteral("elapsed_ms"), report.elapsedMs);
    return o;
}

QString reconcileToText(const ReconcileReport &report, int idCap)
{
    QStringList lines;
    lines << QStringLiteral("Reconcile %1 from %2 to %3").arg(report.flow, iso(report.from), iso(report.to));
    if (!report.error.isEmpty()) {
        lines << QStringLiteral("error: %1").arg(report.error);
        return lines.join(QLatin1Char('\n'));
    }
    lines << QStringLiteral("source %1: %2, %3 event_ids, %4; %5")
                 .arg(report.sourceTopics.join(QStringLiteral(", ")), plural(report.messages, "message", "messages"),
                      count(report.sourceEvents), plural(report.copies, "copy", "copies"), report.sourceNote);
    for (auto it = report.unreadableReasons.cbegin(); it != report.unreadableReasons.cend(); ++it)
        lines << QStringLiteral("  unreadable ×%1: %2").arg(count(it.value()), escapeForTerminal(it.key()));
    if (!report.unreadableAt.isEmpty())
        lines << QStringLiteral("  unreadable at: %1").arg(report.unreadableAt.join(QStringLiteral(", ")));
    for (const GroupReconcile &g : report.groups) {
        lines << QString();
        lines << escapeForTerminal(g.verdict);
        if (!g.checked())
            continue;
        QStringList counts;
        for (int i = 0; i < kReconcileClassCount; ++i)
            counts << QStringLiteral("%1 %2").arg(reconcileClassName(ReconcileClass(i))).arg(count(g.classes[size_t(i)].count));
        lines << QStringLiteral("  %1 (store %2): %3 source events, %4 copies; %5")
                     .arg(g.group, g.store, count(g.sourceEvents), count(g.copies), counts.join(QStringLiteral(", ")));
        for (int i = 1; i < kReconcileClassCount; ++i) {
            const ClassIds &ids = g.classes[size_t(i)];
            if (ids.count == 0)
                continue;
            const QStringList shown = ids.eventIds.mid(0, idCap);
            QStringList escaped;
            for (const QString &id : shown)
                escaped << escapeForTerminal(id);
            QString line = QStringLiteral("  %1: %2").arg(reconcileClassName(ReconcileClass(i)), escaped.join(QStringLiteral(" ")));
            if (ids.count > shown.size())
                line += QStringLiteral(" … and %1 more").arg(count(ids.count - shown.size()));
            lines << line;
        }
    }
    lines << QString();
    lines << (report.reconciled() ? QStringLiteral("reconciled")
                                  : report.complete() ? QStringLiteral("differences found")
                                                      : QStringLiteral("not every system could be read"));
    return lines.join(QLatin1Char('\n'));
}

QString reconcileToCsv(const ReconcileReport &report, bool withProcessed)
{
    QString out = QStringLiteral("flow,from,to,group,store,class,count,event_id\r\n");
    const QString head = QStringLiteral("%1,%2,%3,").arg(csvField(report.flow), iso(report.from), iso(report.to));
    for (const GroupReconcile &g : report.groups) {
        const QString group = head + csvField(g.group) + QLatin1Char(',') + csvField(g.store) + QLatin1Char(',');
        if (!g.checked()) {
            out += group + QStringLiteral("error,,") + csvField(g.error) + QStringLiteral("\r\n");
            continue;
        }
        for (int i = 0; i < kReconcileClassCount; ++i) {
            const auto c = ReconcileClass(i);
            const ClassIds &ids = g.classes[size_t(i)];
            const QString prefix = group + reconcileClassName(c) + QLatin1Char(',') + QString::number(ids.count) + QLatin1Char(',');
            if (ids.eventIds.isEmpty() || (c == ReconcileClass::Processed && !withProcessed)) {
                out += prefix + QStringLiteral("\r\n");
                continue;
            }
            for (const QString &id : ids.eventIds)
                out += prefix + csvField(id) + QStringLiteral("\r\n");
        }
    }
    return out;
}

} // namespace idem::models
