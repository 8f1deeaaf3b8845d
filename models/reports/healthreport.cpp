#include "models/reports/healthreport.h"

#include "models/reports/reporttext.h"

#include <QJsonArray>

namespace idem::models {

QStringList HealthReport::notesOf(const ConnectionHealth &connection) const
{
    return connection.kind == ConnectionHealth::Kind::Cluster ? clusterNotes.value(connection.name) : QStringList();
}

int HealthReport::down() const
{
    return int(std::count_if(connections.cbegin(), connections.cend(),
                             [](const ConnectionHealth &c) { return c.state == HealthState::Down; }));
}

QString connectionKindKey(ConnectionHealth::Kind kind)
{
    switch (kind) {
    case ConnectionHealth::Kind::Cluster:
        return QStringLiteral("cluster");
    case ConnectionHealth::Kind::Store:
        return QStringLiteral("store");
    case ConnectionHealth::Kind::OpsDatabase:
        return QStringLiteral("ops");
    }
    return {};
}

QJsonObject toJson(const HealthReport &report)
{
    QJsonArray connections;
    for (const ConnectionHealth &c : report.connections)
        connections.append(QJsonObject{{QStringLiteral("kind"), connectionKindKey(c.kind)},
                                       {QStringLiteral("name"), c.name},
                                       {QStringLiteral("state"), healthStateName(c.state)},
                                       {QStringLiteral("latency_ms"), jsonCount(c.latencyMs)},
                                       {QStringLiteral("detail"), c.detail},
                                       {QStringLiteral("notes"), QJsonArray::fromStringList(report.notesOf(c))}});
    QJsonArray flows;
    for (const FlowFigures &f : report.flows)
        flows.append(QJsonObject{{QStringLiteral("flow"), f.flow},
                                 {QStringLiteral("status"), lagStatusName(f.status)},
                                 {QStringLiteral("worst_group"), f.worstGroup},
                                 {QStringLiteral("lag"), f.lag},
                                 {QStringLiteral("retry_share"), jsonRatio(f.retryShare)},
                                 {QStringLiteral("errors_per_minute"), jsonRatio(f.errorsPerMinute)},
                                 {QStringLiteral("error_share"), jsonRatio(f.errorShare)},
                                 {QStringLiteral("dead_letters"), jsonCount(f.deadLetters)},
                                 {QStringLiteral("window_seconds"), f.windowMs / 1000.0}});
    QJsonArray stores;
    for (const StoreFigures &s : report.stores)
        stores.append(QJsonObject{{QStringLiteral("store"), s.store},
                                  {QStringLiteral("processed"), s.processed},
                                  {QStringLiteral("duplicates_skipped"), s.duplicatesSkipped},
                                  {QStringLiteral("retried"), s.retried},
                                  {QStringLiteral("failed"), s.failed},
                                  {QStringLiteral("dead_lettered"), s.deadLettered},
                                  {QStringLiteral("window_seconds"), s.windowMs / 1000.0}});
    return QJsonObject{{QStringLiteral("connections"), connections},
                       {QStringLiteral("flows"), flows},
                       {QStringLiteral("stores"), stores}};
}

QString toText(const HealthReport &report)
{
    // Concatenated, never QString::arg chained over text from outside: a
    // name holding "%2" must print as itself.
    auto pad = [](const QString &text, int width) -> QString {
        QString cell = text.leftJustified(width);
        cell += QLatin1Char(' ');
        return cell;
    };
    const QString noCells = pad(QString(), 8) + pad(QString(), 16) + pad(QString(), 9);
    QStringList lines;
    for (const ConnectionHealth &c : report.connections) {
        const QString latency = c.latencyMs < 0 ? QString() : QString::number(c.latencyMs) + QStringLiteral(" ms");
        QString line = pad(healthStateName(c.state), 8);
        line += pad(forTerminal(c.name), 16);
        line += pad(latency, 9);
        line += forTerminal(c.detail.section(QLatin1Char('\n'), 0, 0));
        lines << line;
        for (const QString &note : report.notesOf(c))
            lines << noCells + QStringLiteral("note: ") + forTerminal(note);
    }
    auto percent = [](double v) { return v < 0 ? QStringLiteral("?") : QString::number(v * 100, 'f', 2) + QLatin1Char('%'); };
    for (const FlowFigures &f : report.flows)
        lines << QStringLiteral("flow ") + forTerminal(f.flow) + QStringLiteral(": ") + lagStatusName(f.status)
                + QStringLiteral(" (worst group ") + forTerminal(f.worstGroup) + QStringLiteral("), lag ")
                + QString::number(f.lag) + QStringLiteral(", retry share ") + percent(f.retryShare)
                + QStringLiteral(", errors ")
                + (f.errorsPerMinute < 0 ? QStringLiteral("?") : QString::number(f.errorsPerMinute, 'f', 2))
                + QStringLiteral("/min (") + percent(f.errorShare) + QStringLiteral(" of source), dead letters ")
                + (f.deadLetters < 0 ? QStringLiteral("-") : QString::number(f.deadLetters));
    for (const StoreFigures &s : report.stores)
        lines << QStringLiteral("store ") + forTerminal(s.store) + QStringLiteral(", last ")
                + QString::number(s.windowMs / 1000.0, 'f', 0) + QStringLiteral(" s: ")
                + QString::number(s.processed) + QStringLiteral(" processed, ") + QString::number(s.duplicatesSkipped)
                + QStringLiteral(" duplicates skipped, ") + QString::number(s.retried) + QStringLiteral(" retried, ")
                + QString::number(s.failed) + QStringLiteral(" failed, ") + QString::number(s.deadLettered)
                + QStringLiteral(" dead-lettered");
    QString out;
    for (QString &line : lines) {
        while (line.endsWith(QLatin1Char(' ')))
            line.chop(1);
        out += line + QLatin1Char('\n');
    }
    return out;
}

} // namespace idem::models
