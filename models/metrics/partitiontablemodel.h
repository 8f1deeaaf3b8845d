#pragma once

// The partitions table of the Flows page: one row per flow, group, topic and
// partition of the latest lag snapshots, one per cluster, with each
// partition's share of its group's lag. Rows are replaced
// when a cluster's snapshot arrives; rows of other clusters stay.

#include "models/metrics/flowmetrics.h"
#include "models/metrics/lagsnapshot.h"

#include <QAbstractTableModel>
#include <QHash>

namespace idem::models {

class PartitionTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Flow, Group, Topic, Partition, Committed, Low, High, Lag, LagShare, LagSeconds, Status, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit PartitionTableModel(QObject *parent = nullptr);

    // `statuses` (from a MetricsTracker) give the Status column; partitions
    // without one show UNKNOWN. `groups` give the group's membership, shown
    // as the tooltip of its Group and Status cells.
    void applySnapshot(const LagSnapshot &snapshot, const QList<PartitionStatus> &statuses = {},
                       const QList<GroupFigures> &groups = {});
    // "2 members, Stable", "no members (Empty)", "members unknown: …"; with
    // ", discovered …" for a group the flow does not name.
    static QString membershipText(const GroupFigures &group);
    void clear();
    const PartitionLag &row(int row) const { return m_rows.at(row).second; }
    qsizetype knownGroups() const { return m_membership.size(); } // groups with a membership text

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<QPair<QString, PartitionLag>> m_rows; // cluster, row
    QList<LagStatus> m_status;                  // per row
    QHash<QPair<QString, QString>, QString> m_membership; // (flow, group) -> membershipText
    QHash<QPair<QString, QString>, qint64> m_groupLag; // (flow, group) -> lag over all its rows
    void updateGroupLag();
};

} // namespace idem::models
