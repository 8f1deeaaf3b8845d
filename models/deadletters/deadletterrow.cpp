#include "models/deadletters/deadletterrow.h"

#include "models/core/untrustedtext.h"

#include <QCoreApplication>

namespace idem::models {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("DeadLetters", text);
}

constexpr qsizetype kMaxError = 1000; // characters of an error kept per row

QStringList problemTexts(const DecodedEnvelope &d)
{
    QStringList problems;
    for (const FieldProblem &p : d.problems)
        problems << capUntrusted(p.text(), kMaxError);
    return problems;
}

QString errorTextOf(const QString &errorClass, const QString &error, const QStringList &problems)
{
    QString text;
    if (!errorClass.isEmpty() && !error.isEmpty())
        text = errorClass + QStringLiteral(": ") + error;
    else
        text = errorClass.isEmpty() ? error : errorClass;
    if (!problems.isEmpty())
        text = (text.isEmpty() ? QString() : QString(text + QStringLiteral(" — "))) + tr("decode problem: ")
            + problems.join(QStringLiteral("; "));
    return text;
}

// The filter's tests in order of cost; the values are asked for only when a
// test needs them.
template<typename Group, typename Failure, typename Text>
bool filterMatches(const DeadLetterFilter &f, int partition, qint64 offset, qint64 timestampMs, Group consumerGroup,
                   Failure failure, Text text)
{
    if (f.partition && partition != *f.partition)
        return false;
    if (f.maxOffset && offset > *f.maxOffset)
        return false;
    if (f.from.isValid() && (timestampMs < 0 || timestampMs < f.from.toMSecsSinceEpoch()))
        return false;
    if (f.to.isValid() && (timestampMs < 0 || timestampMs >= f.to.toMSecsSinceEpoch()))
        return false;
    if (!f.consumerGroup.isEmpty() && consumerGroup() != f.consumerGroup)
        return false;
    if (!f.failure.isEmpty()) {
        const auto [key, label] = failure();
        if (key != f.failure && !label.contains(f.failure, Qt::CaseInsensitive))
            return false;
    }
    return f.text.isEmpty() || text();
}


} // namespace

QString DeadLetterRef::text() const
{
    return QStringLiteral("%1:%2:%3").arg(topic).arg(partition).arg(offset);
}

std::optional<DeadLetterRef> DeadLetterRef::parse(const QString &text)
{
    // The topic may itself hold colons: partition and offset are the last two parts.
    const qsizetype lastColon = text.lastIndexOf(QLatin1Char(':'));
    if (lastColon <= 0)
        return std::nullopt;
    const qsizetype middle = text.lastIndexOf(QLatin1Char(':'), lastColon - 1);
    if (middle <= 0)
        return std::nullopt;
    bool okPartition = false;
    bool okOffset = false;
    DeadLetterRef ref;
    ref.topic = text.left(middle);
    ref.partition = text.mid(middle + 1, lastColon - middle - 1).toInt(&okPartition);
    ref.offset = text.mid(lastColon + 1).toLongLong(&okOffset);
    if (!okPartition || !okOffset || ref.partition < 0 || ref.offset < 0)
        return std::nullopt;
    return ref;
}

QString DeadLetterRow::typeAndVersion() const
{
    if (eventVersion.isEmpty())
        return eventType;
    return eventType.isEmpty() ? QString(QStringLiteral("v") + eventVersion)
                               : QString(eventType + QStringLiteral(" v") + eventVersion);
}

QString DeadLetterRow::errorText() const
{
    return errorTextOf(errorClass, error, problems);
}

QString DeadLetterRow::originText() const
{
    if (originalTopic.isEmpty() && !originalPartition && !originalOffset)
        return {};
    QString text = originalTopic;
    if (originalPartition)
        text += QLatin1Char('[') + QString::number(*originalPartition) + QLatin1Char(']');
    if (originalOffset)
        text += QLatin1Char('@') + QString::number(*originalOffset);
    return text;
}

QDateTime DeadLetterRow::deadLetteredAt() const
{
    return timestampMs >= 0 ? QDateTime::fromMSecsSinceEpoch(timestampMs, Qt::UTC) : QDateTime();
}

DeadLetterRow makeDeadLetterRow(const RawMessage &message, const EnvelopeSpec &spec)
{
    return makeDeadLetterRow(message, decodeFields(message, spec));
}

DeadLetterRow makeDeadLetterRow(const RawMessage &message, const DecodedEnvelope &d)
{
    DeadLetterRow row;
    row.ref = {message.topic, message.partition, message.offset};
    row.timestampMs = message.timestampMs;
    row.size = (message.key ? message.key->size() : 0) + (message.value ? message.value->size() : 0);
    for (const RawHeader &h : message.headers)
        row.size += h.name.size() + (h.value ? h.value->size() : 0);
    row.eventId = capUntrusted(d.eventId);
    row.entityKey = capUntrusted(d.entityKey);
    row.eventType = capUntrusted(d.eventType);
    row.eventVersion = capUntrusted(d.eventVersion, 32);
    row.errorClass = capUntrusted(d.errorClass);
    row.error = capUntrusted(d.error, kMaxError);
    const FailureGroup group = failureGroupOf(d);
    row.failureKey = capUntrusted(group.key, kMaxError);
    row.failureLabel = capUntrusted(group.label(), kMaxError);
    row.attempts = d.attempt;
    row.consumerGroup = capUntrusted(d.consumerGroup);
    row.originalTopic = capUntrusted(d.originalTopic);
    row.originalPartition = d.originalPartition;
    row.originalOffset = d.originalOffset;
    row.problems = problemTexts(d);
    return row;
}

bool DeadLetterFilter::isEmpty() const
{
    return text.isEmpty() && failure.isEmpty() && consumerGroup.isEmpty() && !from.isValid() && !to.isValid()
        && !partition && !maxOffset;
}

bool DeadLetterFilter::matches(const DeadLetterRow &row) const
{
    return filterMatches(
        *this, row.ref.partition, row.ref.offset, row.timestampMs, [&] { return row.consumerGroup; },
        [&] { return std::pair(row.failureKey, row.failureLabel); },
        [&] {
            return row.eventId.contains(text, Qt::CaseInsensitive) || row.entityKey.contains(text, Qt::CaseInsensitive)
                || row.errorText().contains(text, Qt::CaseInsensitive);
        });
}

bool DeadLetterFilter::matches(const RawMessage &message, const DecodedEnvelope &d) const
{
    return filterMatches(
        *this, message.partition, message.offset, message.timestampMs, [&] { return capUntrusted(d.consumerGroup); },
        [&] {
            const FailureGroup group = failureGroupOf(d);
            return std::pair(capUntrusted(group.key, kMaxError), capUntrusted(group.label(), kMaxError));
        },
        [&] {
            return capUntrusted(d.eventId).contains(text, Qt::CaseInsensitive)
                || capUntrusted(d.entityKey).contains(text, Qt::CaseInsensitive)
                || errorTextOf(capUntrusted(d.errorClass), capUntrusted(d.error, kMaxError), problemTexts(d))
                       .contains(text, Qt::CaseInsensitive);
        });
}

bool DeadLetterFilter::mayMatch(const RawMessage &message) const
{
    return filterMatches(
        *this, message.partition, message.offset, message.timestampMs, [&] { return consumerGroup; },
        [&] { return std::pair(failure, failure); }, [] { return true; });
}

QString DeadLetterFilter::describe() const
{
    QStringList parts;
    if (!text.isEmpty())
        parts << tr("text \"%1\"").arg(text);
    if (!failure.isEmpty())
        parts << tr("failure \"%1\"").arg(failure);
    if (!consumerGroup.isEmpty())
        parts << tr("consumer group %1").arg(consumerGroup);
    if (from.isValid())
        parts << tr("from %1").arg(from.toUTC().toString(Qt::ISODate));
    if (to.isValid())
        parts << tr("to %1").arg(to.toUTC().toString(Qt::ISODate));
    if (partition)
        parts << tr("partition %1").arg(*partition);
    if (maxOffset)
        parts << tr("offsets up to %1").arg(*maxOffset);
    return parts.isEmpty() ? tr("none") : parts.join(QStringLiteral(", "));
}

QString ProcessedState::text() const
{
    switch (kind) {
    case Kind::Pending:
        return tr("…");
    case Kind::Processed:
        return tr("processed by %1").arg(processedBy.join(QStringLiteral(", ")));
    case Kind::NotProcessed:
        return recordedAs.isEmpty() ? tr("not processed")
                                    : tr("not processed (%1)").arg(recordedAs.join(QStringLiteral(", ")));
    case Kind::Unknown:
        return tr("unknown: store %1 down").arg(downStores.join(QStringLiteral(", ")));
    case Kind::NoStores:
        return tr("unknown: no store watched");
    }
    return {};
}

ProcessedState combineProcessed(const QString &eventId, const QList<StoreAnswer> &answers)
{
    ProcessedState s;
    if (answers.isEmpty()) {
        s.kind = ProcessedState::Kind::NoStores;
        return s;
    }
    for (const StoreAnswer &a : answers) {
        if (!a.error.isEmpty()) {
            s.downStores << a.store;
            continue;
        }
        const auto it = a.status.constFind(eventId);
        if (it == a.status.constEnd())
            continue;
        const QString who = a.groups.isEmpty() ? a.store : a.groups.join(QStringLiteral(", "));
        if (*it == a.processedValue)
            s.processedBy << who;
        else
            s.recordedAs << who + QStringLiteral(": ") + capUntrusted(*it, 40);
    }
    if (!s.processedBy.isEmpty())
        s.kind = ProcessedState::Kind::Processed;
    else if (!s.downStores.isEmpty())
        s.kind = ProcessedState::Kind::Unknown;
    else
        s.kind = ProcessedState::Kind::NotProcessed;
    return s;
}

} // namespace idem::models
