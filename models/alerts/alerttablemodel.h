#pragma once

// The Alerts page's table: open alerts first (newest first), then past ones,
// one row each, with who acknowledged it.

#include "models/alerts/alert.h"

#include <QAbstractTableModel>

namespace idem::models {

class AlertTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { State, Severity, Flow, Rule, Subject, Fired, Resolved, Worst, Acknowledged, Text, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    void setAlerts(const QList<AlertRecord> &alerts);
    const QList<AlertRecord> &alerts() const { return m_alerts; }
    const AlertRecord *alert(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<AlertRecord> m_alerts;
};

// The worst open alert's severity: "critical", "warning", or empty when none is open.
QString worstOpenSeverity(const QList<AlertRecord> &alerts);

} // namespace idem::models
