#pragma once

// The Reconcile page: a flow and a window (the last hour, today, yesterday
// or custom), Run with progress and Cancel; a table of the flow's groups ×
// {source events, copies, processed, dead-lettered, in retry, pending,
// missing, extra, logical duplicates} and a one-line verdict per group.
// Clicking a count lists its event_ids; double-clicking one (or Trace
// event) opens its trace. Export CSV and JSON of the report shown. The work
// runs on the source's threads; the page only applies the finished report.

#include "models/reconcile/reconcile.h"
#include "models/reconcile/reconciletablemodel.h"

#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QTableView;

namespace idem::models {
class ReconcileSource;
}

namespace idem::ui {

class ReconcilePage final : public QWidget
{
    Q_OBJECT

public:
    explicit ReconcilePage(QWidget *parent = nullptr);

    // Where reconciles run; nullptr: not available (no configuration yet).
    void setSource(models::ReconcileSource *source);
    void selectFlow(const QString &flow);
    // A custom window (UTC times, shown in local time).
    void setWindow(const QDateTime &from, const QDateTime &to);
    // Starts a reconcile of the chosen flow and window; bad input is refused
    // with the reason on the page. Returns whether it started.
    bool run();
    void cancel();
    // Shows a report as if a run had just finished (the source's, or a test's).
    void showReport(const models::ReconcileReport &report);

    models::ReconcileTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QListWidget *eventList() const { return m_ids; }
    QPushButton *runButton() const { return m_run; }
    QString statusText() const;

signals:
    void traceRequested(const QString &eventId);

private:
    void applyPreset();
    void showIds(int row, models::ReconcileClass cls);
    void exportTo(bool json);
    void setBusy(bool busy);

    models::ReconcileSource *m_source = nullptr;
    models::ReconcileTableModel *m_model;
    quint64 m_running = 0;
    QComboBox *m_flow = nullptr;
    QComboBox *m_preset = nullptr;
    QDateTimeEdit *m_from = nullptr;
    QDateTimeEdit *m_to = nullptr;
    QPushButton *m_run = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_exportCsv = nullptr;
    QPushButton *m_exportJson = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_source_ = nullptr;
    QLabel *m_verdicts = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_idsTitle = nullptr;
    QListWidget *m_ids = nullptr;
    QPushButton *m_trace = nullptr;
};

} // namespace idem::ui
