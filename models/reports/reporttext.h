#pragma once

// Small pieces every command-line report renders with: JSON values for
// "unknown", aligned text columns, and text made safe for a terminal.

#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace idem::models {

// A count or offset where -1 means unknown: null in JSON.
QJsonValue jsonCount(qint64 value);
QJsonValue jsonOptional(const std::optional<double> &value);
// A ratio where a negative value means unknown.
QJsonValue jsonRatio(double value);

// Text from outside Idem (topic names, error texts, payload fields) as it may
// be printed to a terminal: control characters (C0, DEL, C1) and the bidi
// controls that reorder what follows are shown as escapes (\x1b, \u202e),
// never passed through.
QString forTerminal(const QString &text);

// Columns of text: a positive width pads on the right (left-aligned), a
// negative one on the left (right-aligned), 0 leaves the column as it is (the
// last). A cell wider than its column widens it, as printf would. Every cell
// passes through forTerminal.
class TextTable
{
public:
    explicit TextTable(QList<QPair<QString, int>> columns);

    void addRow(const QStringList &cells);
    QString toText() const; // the header line, then every row, each ending in '\n'

private:
    QString line(const QStringList &cells) const;

    QList<QPair<QString, int>> m_columns;
    QList<QStringList> m_rows;
};

} // namespace idem::models
