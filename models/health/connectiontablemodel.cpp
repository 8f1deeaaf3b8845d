#include "models/health/connectiontablemodel.h"

#include "models/core/untrustedtext.h"

#include <QLocale>

namespace idem::models {

QString connectionKindName(ConnectionHealth::Kind kind)
{
    switch (kind) {
    case ConnectionHealth::Kind::Cluster:
        return QObject::tr("Kafka cluster");
    case ConnectionHealth::Kind::Store:
        return QObject::tr("Store");
    case ConnectionHealth::Kind::OpsDatabase:
        return QObject::tr("Ops database");
    }
    return {};
}

ConnectionTableModel::ConnectionTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void ConnectionTableModel::apply(const ConnectionHealth &health)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].kind == health.kind && m_rows[i].name == health.name) {
            m_rows[i] = health;
            emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
            return;
        }
    }
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
    m_rows.append(health);
    endInsertRows();
}

void ConnectionTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int ConnectionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConnectionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ConnectionHealth &h = m_rows[index.row()];
    if (role == Qt::ToolTipRole && index.column() == Detail)
        return plainTextToolTip(h.detail); // a server's words, never markup
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Kind:
        return connectionKindName(h.kind);
    case Name:
        return h.name;
    case State:
        return healthStateName(h.state);
    case Latency:
        return h.latencyMs < 0 ? QString() : tr("%1 ms").arg(h.latencyMs);
    case CheckedAt:
        return h.checkedAt.isValid()
            ? QLocale().toString(h.checkedAt.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss t"))
            : QString();
    case Detail:
        return h.detail.section(QLatin1Char('\n'), 0, 0);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant ConnectionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Kind:
        return tr("Kind");
    case Name:
        return tr("Name");
    case State:
        return tr("State");
    case Latency:
        return tr("Answered in");
    case CheckedAt:
        return tr("Checked");
    case Detail:
        return tr("Detail");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace idem::models
