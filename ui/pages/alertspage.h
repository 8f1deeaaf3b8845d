#pragma once

// The Alerts page: open and past alerts as the ops database records them
// (the same for every console), acknowledged with a comment by the signed-in
// person (the database records who, their role and when), each one click
// (double-click or Show charts) from its flow's charts at that time.

#include "models/alerts/alert.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace idem::models {
class AlertTableModel;
class HistorySource;
}

namespace idem::ui {

class AlertsPage final : public QWidget
{
    Q_OBJECT

public:
    explicit AlertsPage(QWidget *parent = nullptr);

    // Without a source the page says alerts need an ops database.
    void setSource(models::HistorySource *source);
    void refresh();

    QTableView *view() const { return m_view; }
    models::AlertTableModel *model() const { return m_model; }
    // Acknowledges the selected alert with `comment` (what the dialog asks for).
    void acknowledgeSelected(const QString &comment);

signals:
    void alertsUpdated(const QList<idem::models::AlertRecord> &alerts);
    // Show `flow`'s charts around `at`.
    void chartsRequested(const QString &flow, const QDateTime &at);

private:
    void updateButtons();
    const models::AlertRecord *selected() const;

    models::HistorySource *m_source = nullptr;
    models::AlertTableModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    QCheckBox *m_past = nullptr;
    QPushButton *m_ack = nullptr;
    QPushButton *m_charts = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace idem::ui
