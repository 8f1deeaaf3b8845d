#include "models/core/statuscolours.h"
#include "models/trace/tracehopmodel.h"

#include "models/core/untrustedtext.h"

#include <QBrush>
#include <QColor>
#include <QJsonDocument>
#include <QLocale>

namespace idem::models {

void TraceHopModel::setHops(const QList<TraceHop> &hops)
{
    beginResetModel();
    m_hops = hops;
    endResetModel();
}

const TraceHop *TraceHopModel::hop(int row) const
{
    return row >= 0 && row < m_hops.size() ? &m_hops[row] : nullptr;
}

int TraceHopModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_hops.size());
}

int TraceHopModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TraceHopModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_hops.size())
        return {};
    const TraceHop &h = m_hops[index.row()];
    if (role == Qt::ForegroundRole && index.column() == Hop) {
        switch (h.kind) {
        case HopKind::Failed:
        case HopKind::DeadLettered:
        case HopKind::CheckFailed:
            return QBrush(statusColour(StatusColour::Error));
        case HopKind::Processed:
            return QBrush(statusColour(StatusColour::Ok));
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    QString text;
    switch (Column(index.column())) {
    case Time:
        text = h.time.isValid() ? h.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz t")) : QString();
        break;
    case Hop:
        text = hopKindTitle(h.kind);
        break;
    case System:
        text = h.system;
        break;
    case Location:
        text = h.onTopic() ? QStringLiteral("%1@%2").arg(h.partition).arg(h.offset) : QString();
        if (h.onTopic() && h.system != h.topic)
            text = h.location();
        break;
    case Status:
        text = h.status;
        break;
    case Attempt:
        text = h.attempt > 0 ? QString::number(h.attempt) : QString();
        break;
    case Detail: {
        QStringList parts;
        if (!h.error.isEmpty())
            parts << h.error;
        if (!h.group.isEmpty() && h.kind == HopKind::DeadLettered)
            parts << tr("failing group %1").arg(h.group);
        if (!h.detail.isEmpty())
            parts << h.detail;
        text = parts.join(QStringLiteral("; "));
        break;
    }
    case ColumnCount:
        break;
    }
    return role == Qt::ToolTipRole ? QVariant(plainTextToolTip(text)) : QVariant(text);
}

QVariant TraceHopModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Time:
        return tr("Time");
    case Hop:
        return tr("Hop");
    case System:
        return tr("System");
    case Location:
        return tr("Partition@offset");
    case Status:
        return tr("Status");
    case Attempt:
        return tr("Attempt");
    case Detail:
        return tr("Error / detail");
    case ColumnCount:
        break;
    }
    return {};
}

namespace {

bool isText(const QByteArray &bytes)
{
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return false;
    }
    return QString::fromUtf8(bytes).toUtf8() == bytes;
}

QString hexDump(const QByteArray &bytes)
{
    QStringList lines;
    for (qsizetype at = 0; at < bytes.size(); at += 16) {
        const QByteArray row = bytes.mid(at, 16);
        QString ascii;
        for (const char c : row)
            ascii += (c >= 0x20 && c < 0x7f) ? QLatin1Char(c) : QLatin1Char('.');
        lines << QStringLiteral("%1  %2  %3")
                     .arg(at, 8, 16, QLatin1Char('0'))
                     .arg(QString::fromLatin1(row.toHex(' ')), -47)
                     .arg(ascii);
    }
    return lines.join(QLatin1Char('\n'));
}

QString bytesText(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return QStringLiteral("(empty)");
    if (!isText(bytes))
        return QStringLiteral("(binary, %1 bytes)\n").arg(bytes.size()) + hexDump(bytes);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (error.error == QJsonParseError::NoError && !doc.isNull())
        return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
    return QString::fromUtf8(bytes);
}

} // namespace

QString describeRecord(const TraceHop &hop)
{
    if (!hop.record)
        return QObject::tr("No record: this hop is not a message on a topic.");
    const RawMessage &m = *hop.record;
    QStringList out;
    out << QStringLiteral("%1 partition %2 offset %3").arg(m.topic).arg(m.partition).arg(m.offset);
    if (m.timestampMs >= 0)
        out << QObject::tr("timestamp %1").arg(QDateTime::fromMSecsSinceEpoch(m.timestampMs, Qt::UTC).toString(Qt::ISODateWithMs));
    out << QString() << QObject::tr("Headers (%1)").arg(m.headers.size());
    for (const RawHeader &h : m.headers)
        out << QStringLiteral("  %1: %2").arg(escapeForTerminal(QString::fromUtf8(h.name)),
                                              h.value ? escapeForTerminal(QString::fromUtf8(*h.value)) : QObject::tr("(no value)"));
    out << QString() << QObject::tr("Key");
    out << (m.key ? bytesText(*m.key) : QObject::tr("(null)"));
    out << QString();
    if (!m.value) {
        out << QObject::tr("Payload: none (tombstone)");
    } else {
        const qint64 size = hop.payloadBytes >= 0 ? hop.payloadBytes : m.value->size();
        if (size > m.value->size())
            out << QObject::tr("Payload (%1 bytes, the first %2 shown)")
                       .arg(QLocale::c().toString(size), QLocale::c().toString(m.value->size()));
        else
            out << QObject::tr("Payload (%1 bytes)").arg(QLocale::c().toString(size));
        // A cut JSON payload is not JSON any more: shown as text.
        out << bytesText(*m.value);
    }
    return out.join(QLatin1Char('\n'));
}

} // namespace idem::models
