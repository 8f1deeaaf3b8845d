#include "models/reports/reporttext.h"

namespace idem::models {

QJsonValue jsonCount(qint64 value)
{
    return value < 0 ? QJsonValue() : QJsonValue(value);
}

QJsonValue jsonOptional(const std::optional<double> &value)
{
    return value ? QJsonValue(*value) : QJsonValue();
}

QJsonValue jsonRatio(double value)
{
    return value < 0 ? QJsonValue() : QJsonValue(value);
}

TextTable::TextTable(QList<QPair<QString, int>> columns)
    : m_columns(std::move(columns))
{}

void TextTable::addRow(const QStringList &cells)
{
    m_rows.append(cells);
}

QString TextTable::line(const QStringList &cells) const
{
    QString out;
    for (int i = 0; i < m_columns.size(); ++i) {
        const QString cell = escapeForTerminal(cells.value(i));
        const int width = m_columns[i].second;
        if (i > 0)
            out += QLatin1Char(' ');
        if (width > 0)
            out += cell.leftJustified(width);
        else if (width < 0)
            out += cell.rightJustified(-width);
        else
            out += cell;
    }
    // Trailing padding of empty last columns carries nothing.
    while (out.endsWith(QLatin1Char(' ')))
        out.chop(1);
    return out + QLatin1Char('\n');
}

QString TextTable::toText() const
{
    QStringList header;
    for (const auto &c : m_columns)
        header << c.first;
    QString out = line(header);
    for (const QStringList &row : m_rows)
        out += line(row);
    return out;
}

} // namespace idem::models
