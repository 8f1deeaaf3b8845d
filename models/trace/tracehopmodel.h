#pragma once

// The timeline of a trace as a table: one row a hop, in time order. Times in
// local time with the zone (the export keeps UTC). Texts from messages and
// stores are capped and shown as plain text.

#include "models/trace/trace.h"

#include <QAbstractTableModel>

namespace idem::models {

class TraceHopModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Time, Hop, System, Location, Status, Attempt, Detail, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    void setHops(const QList<TraceHop> &hops);
    const TraceHop *hop(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<TraceHop> m_hops;
};

// The raw record of a hop for people: headers, key, the payload pretty-printed
// when it is JSON, as hex when binary, cut at kMaxRecordPayload with its size.
QString describeRecord(const TraceHop &hop);

} // namespace idem::models
