#pragma once

// The Reconcile page's table: one row per consumer group, the columns the
// source's events and copies, then each class's count (reconcile.h), then
// the verdict. Replaced whole when a reconcile finishes.

#include "models/reconcile/reconcile.h"

#include <QAbstractTableModel>

namespace idem::models {

class ReconcileTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Group,
        Store,
        SourceEvents,
        Copies,
        FirstClass, // Processed … LogicalDuplicate follow in ReconcileClass order
        Verdict = FirstClass + kReconcileClassCount,
        ColumnCount
    };

    using QAbstractTableModel::QAbstractTableModel;

    void setReport(const ReconcileReport &report);
    const ReconcileReport &report() const { return m_report; }
    // The class a column shows; nullopt for the other columns.
    static std::optional<ReconcileClass> classOf(int column);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    ReconcileReport m_report;
};

} // namespace idem::models
