#pragma once

// The Dead letters page: every retained dead letter of a flow, newest first,
// read lazily (DeadLetterTableModel), with whether each event was processed
// by a store after all; a filter run over the whole retained topic with
// progress, cancel and an exact account of what it read; the failure groups
// of the whole topic; and the raw record of a row, fetched only when opened.
//
// Selection API for what acts on dead letters (replay requests, traces):
// selectedDeadLetters() and selectedFailureGroup(), with selectionChanged().

#include "models/deadletters/deadlettersource.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;

namespace idem::models {
class DeadLetterTableModel;
class FailureTableModel;
}

namespace idem::ui {

class DeadLettersPage final : public QWidget
{
    Q_OBJECT

public:
    explicit DeadLettersPage(QWidget *parent = nullptr);
    ~DeadLettersPage() override;

    // The source of every answer; the page asks nothing until it has one.
    void setSource(models::DeadLetterSource *source);
    // Opens `flow`'s dead letters; with `failure`, filtered to that failure group.
    void showFlow(const QString &flow, const QString &failure = {});
    QString flow() const;

    // Runs the filter of the page's fields over the whole retained topic.
    void runFilter();
    void cancelFilter();
    // Back to every dead letter.
    void clearFilter();
    // Opens the record of a row: fetched now, shown in the record pane.
    void openRecord(int row);

    // Where the selected rows are (topic, partition, offset), in row order.
    QList<models::DeadLetterRef> selectedDeadLetters() const;
    // The failure group selected in the failure groups table (its key); empty when none.
    QString selectedFailureGroup() const;
    // What "Request replay…" hands over: the selected rows, else, with a
    // filter shown (a failure group, a text), every dead letter it matched.
    QList<models::DeadLetterRef> replaySelection() const;
    // Shows "Request replay…" (there is an ops database to request it of).
    void setReplayAvailable(bool available);

    models::DeadLetterTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString scanSummary() const;
    QString recordText() const;
    bool scanRunning() const { return m_scanTicket != 0; }

signals:
    void selectionChanged();
    // "Request replay…": the flow and its dead letters to replay.
    void replayRequested(const QString &flow, const QList<models::DeadLetterRef> &items);
    // "Trace event": the shown record's event_id.
    void traceRequested(const QString &eventId);
    void recordShown(const models::DeadLetterRef &ref);
    void scanFinished(const models::DeadLetterScan &scan);

private:
    models::DeadLetterFilter filterFromFields() const;
    void startScan(const models::DeadLetterFilter &filter);
    void onLayout(const models::DeadLetterLayout &layout);
    void onScanProgress(quint64 ticket, qint64 read, qint64 total, qint64 matched);
    void onScanFinished(quint64 ticket, const models::DeadLetterScan &scan);
    void onRecord(quint64 ticket, const models::DeadLetterRecord &record);
    void copyEventId();
    void copyPayload();
    void sortClicked(int section);
    void showOrder();

    QPointer<models::DeadLetterSource> m_source;
    models::DeadLetterTableModel *m_model = nullptr;
    models::FailureTableModel *m_failures = nullptr;
    QComboBox *m_flows = nullptr;
    QLineEdit *m_text = nullptr;
    QComboBox *m_failure = nullptr;
    QComboBox *m_group = nullptr;
    QCheckBox *m_useFrom = nullptr;
    QDateTimeEdit *m_from = nullptr;
    QCheckBox *m_useTo = nullptr;
    QDateTimeEdit *m_to = nullptr;
    QPushButton *m_filter = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_showAll = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_scanText = nullptr;
    QLabel *m_orderText = nullptr; // what a sort by time covers
    QTableView *m_view = nullptr;
    QTableView *m_failuresView = nullptr;
    QLabel *m_recordTitle = nullptr;
    QPlainTextEdit *m_record = nullptr;
    QPushButton *m_copyEventId = nullptr;
    QPushButton *m_copyPayload = nullptr;
    QPushButton *m_trace = nullptr;
    QPushButton *m_replay = nullptr;
    void updateReplayButton();

    quint64 m_scanTicket = 0;
    bool m_scanFiltered = false;
    quint64 m_recordTicket = 0;
    QString m_recordEventId;
    QByteArray m_recordPayload;
    models::DeadLetterScan m_lastScan;
    // While the topic is empty or unreadable, its offsets are asked again
    // every few seconds (while the page is visible).
    QTimer m_retry;
    bool m_scanAfterLayout = false;
};

} // namespace idem::ui
