#pragma once

// The Trace page: one event_id, one timeline, one verdict. A search row (the
// event_id, a flow, an optional time window, recent searches), the state of
// each lookup step while it runs (with a progress bar and Cancel), the
// verdict at the top, the hops in time order, and the selected hop's raw
// record beside them. Copy the event_id or the trace, export it as JSON.
// The page never waits: it asks a models::TraceSource and shows what comes.

#include "models/trace/trace.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTreeWidget;
class QToolButton;

namespace idem::models {
class TraceHopModel;
class TraceSource;
}

namespace idem::ui {

class TracePage final : public QWidget
{
    Q_OBJECT

public:
    explicit TracePage(QWidget *parent = nullptr);
    ~TracePage() override;

    // The source traces run on; nullptr: tracing is not available yet.
    void setSource(models::TraceSource *source);

    // Traces `eventId` with the page's flow and window; bad input is refused
    // with the reason shown on the page. Returns whether it started.
    bool trace(const QString &eventId);
    void cancel();

    QString verdictText() const;
    QString verdictCode() const;
    const models::TraceResult &result() const { return m_result; }
    bool isRunning() const { return m_running != 0; }
    QStringList recentSearches() const { return m_recent; }
    // The selected hop's raw record as shown.
    QString recordText() const;

signals:
    void traceFinished(const QString &verdictCode);

private:
    void onProgress(quint64 id, const QList<models::TraceStep> &steps, qint64 scanned);
    void onFinished(quint64 id, const models::TraceResult &result);
    void showSteps(const QList<models::TraceStep> &steps);
    void showRecord();
    void remember(const QString &eventId);
    void exportJson();
    void setBusy(bool busy);

    models::TraceSource *m_source = nullptr;
    QMetaObject::Connection m_progressConnection;
    QMetaObject::Connection m_finishedConnection;
    quint64 m_running = 0;
    models::TraceResult m_result;
    QStringList m_recent;

    QLineEdit *m_eventId = nullptr;
    QComboBox *m_flow = nullptr;
    QLineEdit *m_from = nullptr;
    QLineEdit *m_to = nullptr;
    QPushButton *m_traceButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QToolButton *m_recentButton = nullptr;
    QLabel *m_input = nullptr; // why the input was refused
    QLabel *m_verdict = nullptr;
    QLabel *m_code = nullptr;
    QProgressBar *m_progress = nullptr;
    QTreeWidget *m_steps = nullptr;
    models::TraceHopModel *m_hops = nullptr;
    QTableView *m_hopsView = nullptr;
    QPlainTextEdit *m_record = nullptr;
    QLabel *m_ranges = nullptr;
    QLabel *m_index = nullptr; // the event index's summary line, where there is one
    QMetaObject::Connection m_indexConnection;
};

} // namespace idem::ui
