#include "models/metrics/partitiontablemodel.h"

#include <QLocale>

namespace idem::models {

PartitionTableModel::PartitionTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void PartitionTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_status.clear();
    m_membership.clear();
    m_groupLag.clear();
    endResetModel();
}

QString PartitionTableModel::membershipText(const GroupFigures &group)
{
    QString text;
    if (!group.members)
        text = tr("members unknown: the cluster does not describe its groups, or the group commits without joining");
    else if (*group.members == 0)
        text = group.state.isEmpty() ? tr("no members") : tr("no members (%1)").arg(group.state);
    else {
        text = *group.members == 1 ? tr("1 member") : tr("%1 members").arg(*group.members);
        if (!group.state.isEmpty())
            text += QStringLiteral(", ") + group.state;
    }
    if (group.discovered)
        text += tr("; discovered: the flow does not name this group, its members are assigned the flow's topics");
    return text;
}

void PartitionTableModel::applySnapshot(const LagSnapshot &snapshot, const QList<PartitionStatus> &statuses,
                                        const QList<GroupFigures> &groups)
{
    for (const auto &g : groups)
        m_membership.insert({g.flow, g.group}, membershipText(g));
    QMap<std::tuple<QString, QString, QString, int>, LagStatus> statusOf;
    for (const auto &st : statuses)
        statusOf.insert({st.partition.flow, st.partition.group, st.partition.topic, st.partition.partition}, st.status);
    auto status = [&](const PartitionLag &p) {
        return statusOf.value({p.flow, p.group, p.topic, p.partition}, LagStatus::NotEnoughData);
    };
    // Rows of the cluster keep their places when the layout is unchanged, so
    // selections and sorting survive a refresh.
    QList<int> mine;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].first == snapshot.cluster)
            mine << i;
    }
    const bool sameLayout = mine.size() == snapshot.partitions.size()
        && std::equal(mine.begin(), mine.end(), snapshot.partitions.begin(), [&](int i, const PartitionLag &p) {
               const PartitionLag &old = m_rows[i].second;
               return old.flow == p.flow && old.group == p.group && old.topic == p.topic
                   && old.partition == p.partition;
           });
    if (sameLayout) {
        for (int k = 0; k < mine.size(); ++k) {
            m_rows[mine[k]].second = snapshot.partitions[k];
            m_status[mine[k]] = status(snapshot.partitions[k]);
        }
        updateGroupLag();
        if (!mine.isEmpty())
            emit dataChanged(index(mine.first(), Committed), index(mine.last(), Status));
        return;
    }
    beginResetModel();
    QList<QPair<QString, PartitionLag>> rows;
    QList<LagStatus> rowStatus;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].first != snapshot.cluster) {
            rows.append(m_rows[i]);
            rowStatus.append(m_status[i]);
        }
    }
    for (const auto &p : snapshot.partitions) {
        rows.append({snapshot.cluster, p});
        rowStatus.append(status(p));
    }
    m_rows = rows;
    m_status = rowStatus;
    updateGroupLag();
    endResetModel();
}

void PartitionTableModel::updateGroupLag()
{
    m_groupLag.clear();
    for (const auto &row : std::as_const(m_rows))
        m_groupLag[{row.second.flow, row.second.group}] += row.second.lag();
    // A group with no row left leaves no membership text behind.
    for (auto it = m_membership.begin(); it != m_membership.end();) {
        if (m_groupLag.contains(it.key()))
            ++it;
        else
            it = m_membership.erase(it);
    }
}

int PartitionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int PartitionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PartitionTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const PartitionLag &p = m_rows[index.row()].second;
    auto number = [&](qint64 value) -> QVariant {
        if (role == SortRole)
            return value;
        return value < 0 ? tr("none") : QLocale().toString(value);
    };
    if (role == Qt::ToolTipRole) {
        if (index.column() == Group || index.column() == Status)
            return m_membership.value({p.flow, p.group});
        return {};
    }
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Partition && index.column() <= LagSeconds ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                             : QVariant();
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    switch (Column(index.column())) {
    case Flow:
        return p.flow;
    case Group:
        return p.group;
    case Topic:
        return p.topic;
    case Partition:
        return role == SortRole ? QVariant(p.partition) : QVariant(QString::number(p.partition));
    case Committed:
        return number(p.committed);
    case Low:
        return number(p.low);
    case High:
        return number(p.high);
    case Lag:
        return number(p.lag());
    case LagShare: {
        const std::optional<double> share = lagShare(p.lag(), m_groupLag.value({p.flow, p.group}));
        if (role == SortRole)
            return share.value_or(-1.0);
        return share ? QStringLiteral("%1 %").arg(QLocale().toString(*share * 100, 'f', 1)) : QStringLiteral("–");
    }
    case LagSeconds:
        if (role == SortRole)
            return p.lagMs;
        return p.lagMs < 0 ? tr("unknown") : QLocale().toString(p.lagMs / 1000.0, 'f', 1);
    case Status:
        return role == SortRole ? QVariant(lagStatusSeverity(m_status[index.row()]))
                                : QVariant(lagStatusName(m_status[index.row()]));
    case ColumnCount:
        break;
    }
    return {};
}

QVariant PartitionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == LagShare)
        return tr("The partition's share of its group's lag");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Flow:
        return tr("Flow");
    case Group:
        return tr("Group");
    case Topic:
        return tr("Topic");
    case Partition:
        return tr("Partition");
    case Committed:
        return tr("Committed");
    case Low:
        return tr("Low");
    case High:
        return tr("High");
    case Lag:
        return tr("Lag");
    case LagShare:
        return tr("Lag share");
    case LagSeconds:
        return tr("Lag (s)");
    case Status:
        return tr("Status");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace idem::models
