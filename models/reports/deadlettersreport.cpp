#include "models/reports/deadlettersreport.h"

#include "models/envelope/envelopefield.h"
#include "models/reports/reporttext.h"

#include <QJsonArray>

namespace idem::models {

namespace {

QJsonValue utcOrNull(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QString basisName(FailureGroup::Basis basis)
{
    switch (basis) {
    case FailureGroup::Basis::StackTrace:
        return QStringLiteral("stack_trace");
    case FailureGroup::Basis::ErrorCause:
        return QStringLiteral("error_cause");
    default:
        return QStringLiteral("none");
    }
}

} // namespace

QJsonObject toJson(const DeadLetterDigest &d)
{
    const TopicDecodeErrors errors = d.decodeErrors().topic(d.topic());
    QJsonObject byField;
    for (EnvelopeField field : allEnvelopeFields()) {
        if (errors.failedOn(field) > 0)
            byField.insert(envelopeFieldName(field), errors.failedOn(field));
    }
    QJsonArray recent;
    for (const auto &sample : errors.recent)
        recent.append(QJsonObject{{QStringLiteral("partition"), sample.partition},
                                  {QStringLiteral("offset"), sample.offset},
                                  {QStringLiteral("problem"), sample.problem}});
    QJsonArray failures;
    for (const FailureCount &f : d.failures())
        failures.append(QJsonObject{{QStringLiteral("failure"), f.group.label()},
                                    {QStringLiteral("basis"), basisName(f.group.basis)},
                                    {QStringLiteral("exception_class"), f.group.exceptionClass},
                                    {QStringLiteral("first_frame"), f.group.firstFrame},
                                    {QStringLiteral("cause"), f.group.cause},
                                    {QStringLiteral("count"), f.count},
                                    {QStringLiteral("consumer_groups"), QJsonArray::fromStringList(f.consumerGroups)},
                                    {QStringLiteral("more_consumer_groups"), qint64(f.otherConsumerGroups())},
                                    {QStringLiteral("more_consumer_groups_capped"), f.otherConsumerGroupsCapped()},
                                    {QStringLiteral("oldest"), utcOrNull(f.oldest)},
                                    {QStringLiteral("newest"), utcOrNull(f.newest)},
                                    {QStringLiteral("example_event_id"), f.exampleEventId},
                                    {QStringLiteral("example_error"), f.exampleError}});
    return {{QStringLiteral("flow"), d.flow()},
            {QStringLiteral("topic"), d.topic()},
            {QStringLiteral("read"), d.read()},
            {QStringLiteral("oldest"), utcOrNull(d.oldest())},
            {QStringLiteral("decode_errors"), QJsonObject{{QStringLiteral("messages"), errors.messages},
                                                          {QStringLiteral("failed"), errors.failed},
                                                          {QStringLiteral("by_field"), byField},
                                                          {QStringLiteral("recent"), recent}}},
            {QStringLiteral("failures"), failures}};
}

QJsonObject toJson(const DeadLettersReport &report)
{
    QJsonArray flows;
    for (const DeadLetterDigest &d : report.flows)
        flows.append(toJson(d));
    return {{QStringLiteral("flows"), flows}};
}

QString toText(const DeadLettersReport &report)
{
    QString out;
    for (const DeadLetterDigest &d : report.flows) {
        const TopicDecodeErrors errors = d.decodeErrors().topic(d.topic());
        out += escapeForTerminal(d.flow()) + QStringLiteral("  ") + escapeForTerminal(d.topic()) + QStringLiteral(": ")
            + QString::number(d.read()) + QStringLiteral(" dead letters read")
            + (d.oldest().isValid() ? QStringLiteral(" since ") + d.oldest().toUTC().toString(Qt::ISODateWithMs) : QString())
            + QStringLiteral("; decode errors: ") + QString::number(errors.failed) + QLatin1Char('\n');
        for (const FailureCount &f : d.failures())
            out += QStringLiteral("  ") + QString::number(f.count).rightJustified(8) + QStringLiteral("  ")
                + escapeForTerminal(f.group.label()) + QStringLiteral("  [") + escapeForTerminal(f.consumerGroupsText())
                + QStringLiteral("]\n");
        for (const auto &sample : errors.recent)
            out += QStringLiteral("  decode error at [") + QString::number(sample.partition) + QStringLiteral("] offset ")
                + QString::number(sample.offset) + QStringLiteral(": ") + escapeForTerminal(sample.problem) + QLatin1Char('\n');
    }
    return out;
}

} // namespace idem::models
