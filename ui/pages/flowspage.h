#pragma once

// The Flows page: the total lag of every consumer group over time, and the
// partitions table below it (group, topic, partition, committed, watermarks,
// lag), sortable and filterable. Charts replot at most 25 times a second, and
// only when new data arrived and the page is visible.

#include "models/metrics/lagsnapshot.h"

#include <QHash>
#include <QTimer>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace idem::models {
class PartitionTableModel;
}

namespace idem::ui {

class FlowsPage final : public QWidget
{
    Q_OBJECT

public:
    explicit FlowsPage(models::PartitionTableModel *partitions, QWidget *parent = nullptr);

    void addSnapshot(const models::LagSnapshot &snapshot);

    QCustomPlot *lagChart() const { return m_chart; }
    QTableView *partitionsView() const { return m_view; }

private:
    void replotIfDirty();

    QCustomPlot *m_chart = nullptr;
    QTableView *m_view = nullptr;
    QLineEdit *m_filter = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QHash<QString, QCPGraph *> m_graphs; // "flow / group"
    QTimer m_replot;
    bool m_dirty = false;
};

} // namespace idem::ui
