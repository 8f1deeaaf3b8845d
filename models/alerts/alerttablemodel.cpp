#include "models/alerts/alerttablemodel.h"

#include "models/core/untrustedtext.h"

#include <algorithm>

namespace idem::models {

namespace {

QString localTime(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss t")) : QString();
}

} // namespace

void AlertTableModel::setAlerts(const QList<AlertRecord> &alerts)
{
    beginResetModel();
    m_alerts = alerts;
    std::stable_sort(m_alerts.begin(), m_alerts.end(), [](const AlertRecord &a, const AlertRecord &b) {
        if (a.open() != b.open())
            return a.open();
        return a.firedAt > b.firedAt;
    });
    endResetModel();
}

const AlertRecord *AlertTableModel::alert(int row) const
{
    return row >= 0 && row < m_alerts.size() ? &m_alerts[row] : nullptr;
}

int AlertTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_alerts.size());
}

int AlertTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_alerts.size())
        return {};
    const AlertRecord &a = m_alerts[index.row()];
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case State:
            return a.open() ? tr("open") : tr("resolved");
        case Severity:
            return a.severity;
        case Flow:
            return a.flow;
        case Rule:
            return a.rule;
        case Subject:
            return a.subject;
        case Fired:
            return localTime(a.firedAt);
        case Resolved:
            return localTime(a.resolvedAt);
        case Worst:
            return QString::number(a.worst, 'g', 4);
        case Acknowledged:
            if (a.acks.isEmpty())
                return QString();
            return tr("%1 (%2), %3").arg(a.acks.last().by, a.acks.last().role, localTime(a.acks.last().at));
        case Text:
            return capUntrusted(a.text, 300);
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole && index.column() == Acknowledged && !a.acks.isEmpty()) {
        QStringList lines;
        for (const AlertAck &ack : a.acks)
            lines << tr("%1 (%2) at %3: %4").arg(ack.by, ack.role, localTime(ack.at), ack.comment);
        return plainTextToolTip(lines.join(QLatin1Char('\n')));
    } else if (role == Qt::UserRole) {
        return a.id;
    }
    return {};
}

QVariant AlertTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case State:
        return tr("State");
    case Severity:
        return tr("Severity");
    case Flow:
        return tr("Flow");
    case Rule:
        return tr("Rule");
    case Subject:
        return tr("Subject");
    case Fired:
        return tr("Fired");
    case Resolved:
        return tr("Resolved");
    case Worst:
        return tr("Worst");
    case Acknowledged:
        return tr("Acknowledged");
    case Text:
        return tr("What");
    case ColumnCount:
        break;
    }
    return {};
}

QString worstOpenSeverity(const QList<AlertRecord> &alerts)
{
    QString worst;
    for (const AlertRecord &a : alerts) {
        if (!a.open())
            continue;
        if (a.severity == QLatin1String("critical"))
            return a.severity;
        worst = a.severity;
    }
    return worst;
}

} // namespace idem::models
