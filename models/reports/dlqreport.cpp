#include "models/reports/dlqreport.h"

#include "models/reports/reporttext.h"

#include <QJsonArray>

namespace idem::models {

namespace {

QString processedName(ProcessedState::Kind kind)
{
    switch (kind) {
    case ProcessedState::Kind::Pending:
        return QStringLiteral("pending");
    case ProcessedState::Kind::Processed:
        return QStringLiteral("processed");
    case ProcessedState::Kind::NotProcessed:
        return QStringLiteral("not_processed");
    case ProcessedState::Kind::Unknown:
        return QStringLiteral("unknown");
    case ProcessedState::Kind::NoStores:
        return QStringLiteral("no_stores");
    }
    return {};
}

QJsonValue optionalNumber(const std::optional<qint64> &v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

QString formName(RecordBytesView::Form form)
{
    switch (form) {
    case RecordBytesView::Form::Absent:
        return QStringLiteral("null");
    case RecordBytesView::Form::Text:
        return QStringLiteral("text");
    case RecordBytesView::Form::Json:
        return QStringLiteral("json");
    case RecordBytesView::Form::Hex:
        return QStringLiteral("hex");
    }
    return {};
}

QJsonObject toJson(const RecordBytesView &v)
{
    return {{QStringLiteral("form"), formName(v.form)},
            {QStringLiteral("size"), v.size},
            {QStringLiteral("truncated"), v.truncated},
            {QStringLiteral("text"), v.form == RecordBytesView::Form::Absent ? QJsonValue() : QJsonValue(v.text)}};
}

} // namespace

QJsonObject toJson(const DeadLetterRow &r, const ProcessedState &processed)
{
    return {{QStringLiteral("topic"), r.ref.topic},
            {QStringLiteral("partition"), r.ref.partition},
            {QStringLiteral("offset"), r.ref.offset},
            {QStringLiteral("dead_lettered_at"),
             r.timestampMs >= 0 ? QJsonValue(r.deadLetteredAt().toString(Qt::ISODateWithMs)) : QJsonValue()},
            {QStringLiteral("event_id"), r.eventId},
            {QStringLiteral("entity_key"), r.entityKey},
            {QStringLiteral("event_type"), r.eventType},
            {QStringLiteral("event_version"), r.eventVersion},
            {QStringLiteral("error_class"), r.errorClass},
            {QStringLiteral("error"), r.error},
            {QStringLiteral("failure"), r.failureLabel},
            {QStringLiteral("attempts"), optionalNumber(r.attempts)},
            {QStringLiteral("consumer_group"), r.consumerGroup},
            {QStringLiteral("original_topic"), r.originalTopic},
            {QStringLiteral("original_partition"),
             r.originalPartition ? QJsonValue(*r.originalPartition) : QJsonValue()},
            {QStringLiteral("original_offset"), optionalNumber(r.originalOffset)},
            {QStringLiteral("size"), r.size},
            {QStringLiteral("decode_problems"), QJsonArray::fromStringList(r.problems)},
            {QStringLiteral("processed"), processedName(processed.kind)},
            {QStringLiteral("processed_by"), QJsonArray::fromStringList(processed.processedBy)},
            {QStringLiteral("stores_down"), QJsonArray::fromStringList(processed.downStores)},
            {QStringLiteral("processed_text"), processed.text()}};
}

QJsonObject toJson(const DlqListReport &report)
{
    QJsonArray rows;
    for (const DlqListEntry &e : report.rows)
        rows.append(toJson(e.row, e.processed));
    return {{QStringLiteral("flow"), report.flow},
            {QStringLiteral("topic"), report.topic},
            {QStringLiteral("retained"), report.retained},
            {QStringLiteral("filter"), report.filter},
            {QStringLiteral("scanned"), report.scanned},
            {QStringLiteral("read"), report.read},
            {QStringLiteral("matched"), report.matched},
            {QStringLiteral("summary"), report.summary},
            {QStringLiteral("not_read"), QJsonArray::fromStringList(report.gaps)},
            {QStringLiteral("rows"), rows}};
}

QString toText(const DlqListReport &report)
{
    QString out = escapeForTerminal(report.flow) + QStringLiteral("  ") + escapeForTerminal(report.topic)
        + QStringLiteral(": ") + QString::number(report.retained) + QStringLiteral(" dead letters retained");
    if (report.scanned)
        out += QStringLiteral("; filter ") + escapeForTerminal(report.filter) + QStringLiteral(": ")
            + escapeForTerminal(report.summary);
    out += QLatin1Char('\n');
    TextTable table({{QStringLiteral("DEAD-LETTERED AT"), 24},
                     {QStringLiteral("POSITION"), 16},
                     {QStringLiteral("EVENT_ID"), 24},
                     {QStringLiteral("KEY"), 12},
                     {QStringLiteral("TYPE"), 14},
                     {QStringLiteral("ATTEMPTS"), -8},
                     {QStringLiteral("GROUP"), 12},
                     {QStringLiteral("ORIGIN"), 16},
                     {QStringLiteral("PROCESSED?"), 22},
                     {QStringLiteral("ERROR"), 0}});
    for (const DlqListEntry &e : report.rows) {
        const DeadLetterRow &r = e.row;
        table.addRow({r.timestampMs >= 0 ? r.deadLetteredAt().toString(Qt::ISODateWithMs) : QStringLiteral("-"),
                      QStringLiteral("%1:%2").arg(r.ref.partition).arg(r.ref.offset), r.eventId, r.entityKey,
                      r.typeAndVersion(), r.attempts ? QString::number(*r.attempts) : QStringLiteral("-"),
                      r.consumerGroup, r.originText(), e.processed.text(), capUntrusted(r.errorText(), 200)});
    }
    out += table.toText();
    return out;
}

QJsonObject toJson(const DlqShowReport &report)
{
    QJsonObject o = toJson(report.row, report.processed);
    QJsonArray headers;
    for (const RecordHeaderView &h : report.record.headers) {
        QJsonObject header = toJson(h.value);
        header.insert(QStringLiteral("name"), h.name);
        header.insert(QStringLiteral("big_endian"), h.bigEndian ? QJsonValue(*h.bigEndian) : QJsonValue());
        headers.append(header);
    }
    o.insert(QStringLiteral("flow"), report.flow);
    o.insert(QStringLiteral("key"), toJson(report.record.key));
    o.insert(QStringLiteral("headers"), headers);
    o.insert(QStringLiteral("payload"), toJson(report.record.payload));
    o.insert(QStringLiteral("record_size"), report.record.size);
    return o;
}

QString toText(const DlqShowReport &report)
{
    const DeadLetterRow &r = report.row;
    QString out;
    const auto line = [&](const QString &name, const QString &value) {
        if (!value.isEmpty())
            out += name.leftJustified(18) + escapeForTerminal(value) + QLatin1Char('\n');
    };
    line(QStringLiteral("flow"), report.flow);
    line(QStringLiteral("event_id"), r.eventId);
    line(QStringLiteral("entity key"), r.entityKey);
    line(QStringLiteral("type"), r.typeAndVersion());
    line(QStringLiteral("error"), r.errorText());
    line(QStringLiteral("failure group"), r.failureLabel);
    line(QStringLiteral("attempts"), r.attempts ? QString::number(*r.attempts) : QString());
    line(QStringLiteral("failing group"), r.consumerGroup);
    line(QStringLiteral("origin"), r.originText());
    line(QStringLiteral("processed?"), report.processed.text());
    out += QLatin1Char('\n');
    // Multi-line: each line escaped on its own so newlines of JSON stay newlines.
    for (const QString &l : report.record.text().split(QLatin1Char('\n')))
        out += escapeForTerminal(l) + QLatin1Char('\n');
    return out;
}

} // namespace idem::models
