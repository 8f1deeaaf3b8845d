#include "ui/pages/replayspage.h"

#include "models/core/untrustedtext.h"
#include "models/replay/replaysource.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

constexpr int kItemsShown = 1000;

QString localTime(const QDateTime &t)
{
    return t.isValid() ? QLocale().toString(t.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss t")) : QString();
}

QTableWidgetItem *cell(const QString &text)
{
    auto *item = new QTableWidgetItem(models::capUntrusted(text, 200));
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    item->setToolTip(models::plainTextToolTip(models::capUntrusted(text)));
    return item;
}

QTableWidget *makeTable(const QStringList &headers)
{
    auto *t = new QTableWidget(0, int(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->verticalHeader()->hide();
    t->horizontalHeader()->setStretchLastSection(true);
    return t;
}

} // namespace

ReplaysPage::ReplaysPage(models::ReplaySource *source, QWidget *parent) : QWidget(parent), m_source(source)
{
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_who = new QLabel(tr("Not signed in to the ops database"));
    m_who->setTextFormat(Qt::PlainText);
    top->addWidget(m_who, 1);
    if (!source->people().isEmpty()) {
        top->addWidget(new QLabel(tr("Sign in as")));
        m_signInAs = new QComboBox;
        m_signInAs->addItems(source->people());
        m_signInAs->setObjectName(QStringLiteral("signInAs"));
        top->addWidget(m_signInAs);
        connect(m_signInAs, &QComboBox::currentTextChanged, this, [this](const QString &user) { m_source->signIn(user); });
    }
    auto *refresh = new QPushButton(tr("Refresh"));
    connect(refresh, &QPushButton::clicked, this, [this] { m_source->refresh(); });
    top->addWidget(refresh);
    layout->addLayout(top);

    auto *split = new QSplitter(Qt::Horizontal);
    m_tabs = new QTabWidget;
    const QStringList headers{tr("ID"), tr("Flow"), tr("Items"), tr("Requested by"), tr("Requested"), tr("Status"),
                              tr("Reason")};
    const QStringList names{tr("Pending"), tr("Approved"), tr("Finished")};
    for (int b = 0; b < 3; ++b) {
        m_tables[b] = makeTable(headers);
        m_tabs->addTab(m_tables[b], names[b]);
        connect(m_tables[b], &QTableWidget::itemSelectionChanged, this, [this, b] {
            const auto rows = m_tables[b]->selectionModel()->selectedRows();
            if (!rows.isEmpty())
                select(m_tables[b]->item(rows.first().row(), 0)->data(Qt::UserRole).toLongLong());
        });
    }
    split->addWidget(m_tabs);

    auto *details = new QWidget;
    auto *dl = new QVBoxLayout(details);
    m_title = new QLabel(tr("Select a request"));
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.2);
    m_title->setFont(bold);
    dl->addWidget(m_title);
    m_summary = new QLabel;
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    dl->addWidget(m_summary);
    m_items = makeTable({tr("#"), tr("Dead letter"), tr("event_id"), tr("Target topic"), tr("Dry run"), tr("State"),
                         tr("Produced at"), tr("Detail")});
    dl->addWidget(m_items, 1);
    m_comment = new QLineEdit;
    m_comment->setPlaceholderText(tr("Comment (required to reject)"));
    dl->addWidget(m_comment);
    m_override = new QCheckBox(tr("Also send the items the dry run found processed (audited)"));
    dl->addWidget(m_override);
    auto *buttons = new QHBoxLayout;
    m_approve = new QPushButton(tr("Approve"));
    m_reject = new QPushButton(tr("Reject"));
    m_cancel = new QPushButton(tr("Cancel request"));
    m_run = new QPushButton(tr("Run now"));
    for (auto *b : {m_approve, m_reject, m_cancel, m_run})
        buttons->addWidget(b);
    buttons->addStretch(1);
    dl->addLayout(buttons);
    m_note = new QLabel;
    m_note->setTextFormat(Qt::PlainText);
    m_note->setWordWrap(true);
    m_note->setObjectName(QStringLiteral("decisionNote"));
    dl->addWidget(m_note);
    m_result = new QLabel;
    m_result->setTextFormat(Qt::PlainText);
    m_result->setWordWrap(true);
    dl->addWidget(m_result);
    split->addWidget(details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 4);
    layout->addWidget(split, 1);

    auto decide = [this](bool approve) {
        m_result->setText(approve ? tr("Approving after a fresh dry run…") : tr("Rejecting…"));
        m_source->decide(m_details.request.id, approve, m_details.request.itemsHash, m_comment->text().trimmed(),
                         approve && m_override->isChecked());
    };
    connect(m_approve, &QPushButton::clicked, this, [decide] { decide(true); });
    connect(m_reject, &QPushButton::clicked, this, [decide] { decide(false); });
    connect(m_cancel, &QPushButton::clicked, this, [this] { m_source->cancel(m_details.request.id); });
    connect(m_run, &QPushButton::clicked, this, [this] {
        m_result->setText(tr("Running replay %1…").arg(m_details.request.id));
        m_source->run(m_details.request.id);
    });
    connect(m_comment, &QLineEdit::textChanged, this, &ReplaysPage::updateButtons);

    connect(source, &models::ReplaySource::identityChanged, this, &ReplaysPage::applyIdentity);
    connect(source, &models::ReplaySource::requestsChanged, this, &ReplaysPage::applyRequests);
    connect(source, &models::ReplaySource::detailsReady, this, &ReplaysPage::applyDetails);
    connect(source, &models::ReplaySource::actionDone, this, &ReplaysPage::applyActionDone);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(style()->standardIcon(QStyle::SP_MessageBoxInformation), this);
        m_tray->setToolTip(tr("Idem replays"));
    }
    updateButtons();
    m_source->signIn(m_signInAs ? m_signInAs->currentText() : QString());
}

QString ReplaysPage::decisionNote() const
{
    return m_note->text();
}

int ReplaysPage::rowCount(models::ReplayBucket bucket) const
{
    return m_tables[int(bucket)]->rowCount();
}

void ReplaysPage::applyIdentity(const models::OpsIdentity &who, const QString &error)
{
    m_identity = who;
    const QString text = error.isEmpty() ? tr("%1 (%2)").arg(who.user, who.roleText())
                                         : tr("not signed in: %1").arg(models::capUntrusted(error, 300));
    m_who->setText(error.isEmpty() ? tr("Signed in to the ops database as %1").arg(text) : text);
    m_seenPending.clear();
    m_firstList = true;
    emit signedInChanged(text);
    updateButtons();
}

void ReplaysPage::applyRequests(const QList<models::ReplayRequest> &requests)
{
    m_requests = requests;
    const QStringList names{tr("Pending"), tr("Approved"), tr("Finished")};
    int counts[3] = {0, 0, 0};
    for (auto *t : m_tables) {
        t->setSortingEnabled(false);
        t->setRowCount(0);
    }
    int awaiting = 0;
    QList<qint64> fresh;
    for (const auto &r : requests) {
        const int b = int(models::bucketOf(r.status));
        QTableWidget *t = m_tables[b];
        const int row = t->rowCount();
        t->insertRow(row);
        auto *id = cell(QString::number(r.id));
        id->setData(Qt::UserRole, r.id);
        t->setItem(row, 0, id);
        t->setItem(row, 1, cell(r.flow));
        t->setItem(row, 2, cell(QString::number(r.itemCount)));
        t->setItem(row, 3, cell(r.requestedBy));
        t->setItem(row, 4, cell(localTime(r.requestedAt)));
        t->setItem(row, 5, cell(r.status));
        t->setItem(row, 6, cell(r.reason));
        ++counts[b];
        if (r.status == QLatin1String("pending") && m_identity.isApprover() && r.requestedBy != m_identity.user) {
            ++awaiting;
            if (!m_seenPending.contains(r.id) && !m_firstList)
                fresh << r.id;
            m_seenPending.insert(r.id);
        }
    }
    for (int b = 0; b < 3; ++b) {
        m_tabs->setTabText(b, QStringLiteral("%1 (%2)").arg(names[b]).arg(counts[b]));
        m_tables[b]->resizeColumnsToContents();
    }
    if (m_firstList && awaiting > 0)
        fresh << 0; // at sign-in: say how many await
    m_firstList = false;
    if (!fresh.isEmpty() && m_tray) {
        m_tray->show();
        m_tray->showMessage(tr("Replay awaiting your approval"),
                            awaiting == 1 ? tr("1 replay request awaits an approver")
                                          : tr("%1 replay requests await an approver").arg(awaiting));
    }
    emit awaitingApproval(awaiting);
    // Nothing shown yet: the first request of the first bucket that has one.
    if (m_details.request.id == 0 && m_selecting == 0) {
        for (int b = 0; b < 3; ++b) {
            if (m_tables[b]->rowCount() > 0) {
                m_tabs->setCurrentIndex(b);
                m_selecting = m_tables[b]->item(0, 0)->data(Qt::UserRole).toLongLong();
                m_tables[b]->selectRow(0);
                break;
            }
        }
    }
    if (m_details.request.id > 0) {
        for (const auto &r : requests) {
            if (r.id == m_details.request.id)
                m_details.request = r;
        }
    }
    updateButtons();
}

void ReplaysPage::select(qint64 id)
{
    if (id <= 0)
        return;
    m_selecting = id;
    m_source->loadDetails(id);
}

void ReplaysPage::applyDetails(const models::ReplayDetails &details)
{
    m_details = details;
    const auto &r = details.request;
    m_title->setText(tr("Replay %1: %2").arg(r.id).arg(r.status));
    QStringList lines;
    lines << tr("Flow %1, requested by %2 at %3, expires %4").arg(r.flow, r.requestedBy, localTime(r.requestedAt), localTime(r.expiresAt));
    lines << tr("Reason: %1").arg(models::capUntrusted(r.reason, 1000));
    lines << tr("Dry run: %1 of %2 items to send, %3 already processed in every store of their topic%4")
                 .arg(r.itemCount - r.dryRunSkip)
                 .arg(r.itemCount)
                 .arg(r.dryRunSkip)
                 .arg(r.overrideProcessed ? tr(" (sent anyway: approved with the override)") : tr(" (skipped)"));
    if (!r.targetTopic.isEmpty())
        lines << tr("Every item goes to %1 instead of its original topic").arg(r.targetTopic);
    for (const auto &d : details.decisions)
        lines << tr("%1 by %2 at %3%4").arg(d.decision, d.decidedBy, localTime(d.at),
                                           d.comment.isEmpty() ? QString() : QStringLiteral(": ") + models::capUntrusted(d.comment, 500));
    if (!r.executor.isEmpty())
        lines << tr("Executed by %1 from %2").arg(r.executor, localTime(r.claimedAt));
    if (!r.detail.isEmpty())
        lines << models::capUntrusted(r.detail, 1000);
    lines << tr("items_hash %1").arg(r.itemsHash);
    m_summary->setText(lines.join(QLatin1Char('\n')));
    m_items->setRowCount(0);
    const int shown = int(std::min<qsizetype>(details.items.size(), kItemsShown));
    m_items->setRowCount(shown);
    for (int n = 0; n < shown; ++n) {
        const auto &i = details.items[n];
        m_items->setItem(n, 0, cell(QString::number(i.item)));
        m_items->setItem(n, 1, cell(i.spec.dlqAddress()));
        m_items->setItem(n, 2, cell(i.spec.eventId));
        m_items->setItem(n, 3, cell(i.spec.targetTopic));
        m_items->setItem(n, 4, cell(i.spec.dryRunSkip ? tr("skip: %1").arg(i.spec.dryRunReason)
                                                      : tr("send: %1").arg(i.spec.dryRunReason)));
        m_items->setItem(n, 5, cell(i.state));
        m_items->setItem(n, 6, cell(i.producedOffset ? QStringLiteral("[%1]@%2").arg(i.producedPartition.value_or(-1)).arg(*i.producedOffset)
                                                     : QString()));
        m_items->setItem(n, 7, cell(i.detail));
    }
    m_items->resizeColumnsToContents();
    updateButtons();
}

void ReplaysPage::applyActionDone(const QString &action, qint64 id, bool ok, bool refused, const QString &message)
{
    Q_UNUSED(action);
    Q_UNUSED(id);
    m_result->setText(ok ? message
                      : refused ? tr("Refused by the ops database: %1").arg(models::capUntrusted(message, 500))
                                : tr("Failed: %1").arg(models::capUntrusted(message, 500)));
    if (ok && (action == QLatin1String("approve") || action == QLatin1String("reject")))
        m_comment->clear();
}

void ReplaysPage::updateButtons()
{
    const auto &r = m_details.request;
    const bool any = r.id > 0;
    const QString refusal = any ? models::decisionRefusal(r, m_identity, QDateTime::currentDateTimeUtc()) : QString();
    const bool pending = any && r.status == QLatin1String("pending");
    m_approve->setEnabled(any && refusal.isEmpty());
    m_reject->setEnabled(any && refusal.isEmpty() && !m_comment->text().trimmed().isEmpty());
    m_override->setEnabled(any && refusal.isEmpty());
    m_comment->setEnabled(any && refusal.isEmpty());
    const bool mine = any && r.requestedBy == m_identity.user;
    m_cancel->setEnabled(mine && (pending || r.status == QLatin1String("approved")));
    m_run->setEnabled(any && (m_identity.isOperator() || m_identity.isApprover())
                      && (r.status == QLatin1String("approved") || r.status == QLatin1String("executing")));
    if (!any)
        m_note->setText(QString());
    else if (pending && !refusal.isEmpty())
        m_note->setText(tr("Approve and Reject are disabled: %1.").arg(refusal));
    else if (pending && m_comment->text().trimmed().isEmpty())
        m_note->setText(tr("A rejection needs a comment."));
    else
        m_note->setText(QString());
}

} // namespace idem::ui
