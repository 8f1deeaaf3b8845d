#pragma once

// Every connection of the environment with its latest health: the
// Connections page and the status bar read it.

#include "models/health/connectionhealth.h"

#include <QAbstractTableModel>

namespace idem::models {

class ConnectionTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Kind, Name, State, Latency, CheckedAt, Detail, ColumnCount };

    explicit ConnectionTableModel(QObject *parent = nullptr);

    // Adds the connection or replaces its health.
    void apply(const ConnectionHealth &health);
    // Forgets every connection (the configuration changed).
    void clear();
    const ConnectionHealth &connection(int row) const { return m_rows.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<ConnectionHealth> m_rows;
};

QString connectionKindName(ConnectionHealth::Kind kind);

} // namespace idem::models
