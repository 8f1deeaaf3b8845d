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

QString forTerminal(const QString &text)
{
    auto isBidiControl = [](char32_t c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F
            || c == 0x061C;
    };
    QString out;
    out.reserve(text.size());
    for (const char32_t c : text.toUcs4()) {
        if (c == U'\t') {
            out += QLatin1Char(' ');
        } else if (c < 0x20 || c == 0x7F) {
            out += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
        } else if ((c >= 0x80 && c <= 0x9F) || isBidiControl(c)) {
            out += QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0'));
        } else {
            out += QString::fromUcs4(&c, 1);
        }
    }
    return out;
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
        const QString cell = forTerminal(cells.value(i));
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
