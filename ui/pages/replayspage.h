#pragma once

// The Replays page: pending, approved and finished replay requests, live
// (every console sees another's request or decision within a second); a
// request's items, dry run, reason and requester; approve or reject with a
// comment, cancel one's own request, run an approved one. Buttons the
// database would refuse are disabled with the reason beside them (the
// database refuses anyway). In the sandbox, "Sign in as" switches between
// its demo people. An approver gets a tray message when a request awaits them.

#include "models/replay/replay.h"

#include <QSet>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSystemTrayIcon;
class QTableWidget;
class QTabWidget;

namespace idem::models {
class ReplaySource;
}

namespace idem::ui {

class ReplaysPage final : public QWidget
{
    Q_OBJECT

public:
    explicit ReplaysPage(models::ReplaySource *source, QWidget *parent = nullptr);

    models::ReplaySource *source() const { return m_source; }
    const models::OpsIdentity &identity() const { return m_identity; }
    // The request shown in the details pane (0: none).
    qint64 shownRequest() const { return m_details.request.id; }
    QPushButton *approveButton() const { return m_approve; }
    QString decisionNote() const;
    int rowCount(models::ReplayBucket bucket) const;

signals:
    // "bob (approver)" or why nobody is signed in: for the main window's status bar.
    void signedInChanged(const QString &text);
    // Pending requests someone else made, for an approver (0 otherwise).
    void awaitingApproval(int count);

private:
    void applyIdentity(const models::OpsIdentity &who, const QString &error);
    void applyRequests(const QList<models::ReplayRequest> &requests);
    void applyDetails(const models::ReplayDetails &details);
    void applyActionDone(const QString &action, qint64 id, bool ok, bool refused, const QString &message);
    void updateButtons();
    void select(qint64 id);

    models::ReplaySource *m_source;
    models::OpsIdentity m_identity;
    QList<models::ReplayRequest> m_requests;
    models::ReplayDetails m_details;
    QSet<qint64> m_seenPending;
    bool m_firstList = true;
    qint64 m_selecting = 0; // asked for, details not arrived yet

    QLabel *m_who = nullptr;
    QComboBox *m_signInAs = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableWidget *m_tables[3] = {nullptr, nullptr, nullptr};
    QLabel *m_title = nullptr;
    QLabel *m_summary = nullptr;
    QTableWidget *m_items = nullptr;
    QLineEdit *m_comment = nullptr;
    QCheckBox *m_override = nullptr;
    QPushButton *m_approve = nullptr;
    QPushButton *m_reject = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_run = nullptr;
    QLabel *m_note = nullptr;
    QLabel *m_result = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
};

} // namespace idem::ui
