#include "models/reports/alertsreport.h"

#include "models/core/untrustedtext.h"

#include <QJsonArray>

namespace idem::models {

namespace {

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

} // namespace

int AlertsReport::openCount() const
{
    int n = 0;
    for (const AlertRecord &a : alerts)
        n += a.open() ? 1 : 0;
    return n;
}

QJsonObject toJson(const AlertsReport &report)
{
    QJsonArray list;
    for (const AlertRecord &a : report.alerts) {
        QJsonArray acks;
        for (const AlertAck &ack : a.acks)
            acks.append(QJsonObject{{QStringLiteral("by"), ack.by},
                                    {QStringLiteral("role"), ack.role},
                                    {QStringLiteral("at"), iso(ack.at)},
                                    {QStringLiteral("comment"), ack.comment}});
        list.append(QJsonObject{{QStringLiteral("id"), a.id},
                                {QStringLiteral("open"), a.open()},
                                {QStringLiteral("rule"), a.rule},
                                {QStringLiteral("flow"), a.flow},
                                {QStringLiteral("subject"), a.subject},
                                {QStringLiteral("severity"), a.severity},
                                {QStringLiteral("fired_at"), iso(a.firedAt)},
                                {QStringLiteral("resolved_at"), a.open() ? QJsonValue() : QJsonValue(iso(a.resolvedAt))},
                                {QStringLiteral("worst"), a.worst},
                                {QStringLiteral("text"), a.text},
                                {QStringLiteral("acknowledgements"), acks}});
    }
    return {{QStringLiteral("open"), report.openCount()}, {QStringLiteral("alerts"), list}};
}

QString toText(const AlertsReport &report)
{
    QStringList lines;
    if (report.alerts.isEmpty())
        return report.openOnly ? QStringLiteral("no open alerts") : QStringLiteral("no alerts recorded");
    for (const AlertRecord &a : report.alerts) {
        QString line = QStringLiteral("#%1 %2 %3 %4 flow %5: %6 (fired %7")
                           .arg(a.id)
                           .arg(a.open() ? QStringLiteral("OPEN    ") : QStringLiteral("resolved"), a.severity, a.rule,
                                a.flow, escapeForTerminal(a.text), iso(a.firedAt));
        if (!a.open())
            line += QStringLiteral(", resolved %1").arg(iso(a.resolvedAt));
        line += QLatin1Char(')');
        lines << line;
        for (const AlertAck &ack : a.acks)
            lines << QStringLiteral("    acknowledged by %1 (%2) at %3: %4")
                         .arg(ack.by, ack.role, iso(ack.at), escapeForTerminal(ack.comment));
    }
    lines << QStringLiteral("%1 open").arg(report.openCount());
    return lines.join(QLatin1Char('\n'));
}

} // namespace idem::models
