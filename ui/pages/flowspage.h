#pragma once

// The Flows page: for the chosen flow, five live charts (lag in messages and
// in seconds per group, retry share, error rate, dead letters) over a range
// from five minutes to a day, following the newest data or paused; below,
// every partition with its committed offset, watermarks, lag, lag in seconds
// and status, sortable and filterable; beside it, the flow's dead letters
// grouped by failure, with the dead-letter topic's decode errors. Right-click
// a chart to export it.

#include "models/envelope/deadletterdigest.h"
#include "models/metrics/flowmetrics.h"
#include "models/metrics/timeseries.h"

#include <QMap>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTabWidget;

namespace idem::models {
class HistorySource;
class FailureTableModel;
class PartitionTableModel;
}

namespace idem::ui {

class MetricChart;

class FlowsPage final : public QWidget
{
    Q_OBJECT

public:
    FlowsPage(models::PartitionTableModel *partitions, const models::MetricHistory *history,
              QWidget *parent = nullptr);

    // The flows and their groups, as the tracker knows them.
    void setFlows(const QList<models::GroupFigures> &groups);
    void showFlow(const QString &flow);
    void setFlowStores(const QMap<QString, QStringList> &stores);
    void setFlowThresholds(const QMap<QString, QMap<QString, double>> &thresholds);
    QString currentFlow() const;
    void setRange(int index); // 0: 5 min … 4: 24 h, 5: 7 days, 6: 30 days (from the ops database)
    // Where the 7- and 30-day ranges are read (the ops database); without one
    // the range selector stops at 24 h.
    void setHistorySource(models::HistorySource *source);
    void setFollowing(bool follow);
    // Forgets every flow, its groups and dead letters (the configuration changed).
    void clear();
    // The latest digest of a flow's dead letters.
    void applyDeadLetters(const models::DeadLetterDigest &digest);

    void markDirty();
    void replotIfDirty();

    QList<MetricChart *> charts() const { return m_charts; }
    MetricChart *chart(const QString &title) const;
    QTableView *partitionsView() const { return m_view; }
    QTableView *failuresView() const { return m_failuresView; }
    // "orders.dlq: 3 of 1 204 dead letters could not be fully read" or the like.
    QString decodeErrorsText() const;

    static QList<qint64> rangesMs();

signals:
    // A failure's example event_id was double-clicked: trace it.
    void traceRequested(const QString &eventId);

protected:
    // While hidden, the partitions table is neither re-sorted nor re-filtered
    // on every poll (thousands of rows at many flows); shown, it is brought
    // up to date at once.
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void updateSeries();
    void updateDeadLetters();
    void readLongRange();

    QComboBox *m_flow = nullptr;
    QComboBox *m_range = nullptr;
    QCheckBox *m_follow = nullptr;
    QLineEdit *m_filter = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    QTabWidget *m_tabs = nullptr;
    models::FailureTableModel *m_failures = nullptr;
    QTableView *m_failuresView = nullptr;
    QLabel *m_decodeErrors = nullptr;
    QList<MetricChart *> m_charts;
    QMap<QString, QStringList> m_groups; // flow -> groups
    QMap<QString, QStringList> m_stores; // flow -> stores of its groups
    QMap<QString, QMap<QString, double>> m_thresholds;
    const models::MetricHistory *m_history = nullptr;
    models::HistorySource *m_source = nullptr;
    models::MetricHistory m_long{1, models::SeriesResolution::full()}; // the 7- or 30-day range read from the database
};

} // namespace idem::ui
