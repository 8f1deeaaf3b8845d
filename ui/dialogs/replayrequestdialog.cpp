#include "ui/dialogs/replayrequestdialog.h"

#include "models/core/untrustedtext.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace idem::ui {

ReplayRequestDialog::ReplayRequestDialog(models::ReplaySource *source, const QString &flow,
                                         const QList<models::DeadLetterRef> &items, QWidget *parent)
    : QDialog(parent), m_source(source), m_flow(flow), m_items(items)
{
    setWindowTitle(tr("Request a replay"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Replay %n dead letter(s) of flow %1. Another person with the approver role must "
                                "approve before anything is sent; items already processed in every store of their "
                                "topic are skipped unless the approver overrides.",
                                nullptr, int(items.size()))
                                 .arg(flow));
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::PlainText);
    layout->addWidget(intro);
    auto *list = new QListWidget;
    constexpr int kShown = 200;
    for (int n = 0; n < items.size() && n < kShown; ++n)
        list->addItem(models::capUntrusted(QStringLiteral("%1:%2:%3").arg(items[n].topic).arg(items[n].partition).arg(items[n].offset)));
    if (items.size() > kShown)
        list->addItem(tr("… and %1 more").arg(items.size() - kShown));
    layout->addWidget(list, 1);
    auto *form = new QFormLayout;
    m_reason = new QPlainTextEdit;
    m_reason->setPlaceholderText(tr("Why these events are replayed (shown to the approver, kept in the audit log)"));
    form->addRow(tr("Reason"), m_reason);
    m_target = new QLineEdit;
    m_target->setPlaceholderText(tr("the original topic of each dead letter"));
    form->addRow(tr("Target topic"), m_target);
    layout->addLayout(form);
    m_status = new QLabel;
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    auto *requestButton = m_buttons->addButton(tr("Request"), QDialogButtonBox::AcceptRole);
    requestButton->setEnabled(false);
    connect(m_reason, &QPlainTextEdit::textChanged, this, [this, requestButton] {
        requestButton->setEnabled(!m_waiting && !m_reason->toPlainText().trimmed().isEmpty() && !m_items.isEmpty());
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ReplayRequestDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);
    connect(source, &models::ReplaySource::actionDone, this,
            [this, requestButton](const QString &action, qint64 id, bool ok, bool refused, const QString &message) {
                if (!m_waiting || action != QLatin1String("request"))
                    return;
                m_waiting = false;
                if (ok) {
                    m_id = id;
                    m_status->setText(message);
                    accept();
                    return;
                }
                requestButton->setEnabled(true);
                m_status->setText(refused ? tr("Refused by the ops database: %1").arg(models::capUntrusted(message, 500))
                                          : tr("Failed: %1").arg(models::capUntrusted(message, 500)));
            });
    resize(560, 480);
}

void ReplayRequestDialog::submit()
{
    const QString reason = m_reason->toPlainText().trimmed();
    if (reason.isEmpty() || m_waiting)
        return;
    m_waiting = true;
    m_buttons->button(QDialogButtonBox::Cancel)->setEnabled(true);
    for (auto *b : m_buttons->buttons()) {
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole)
            b->setEnabled(false);
    }
    m_status->setText(tr("Reading the dead letters and running the dry run…"));
    m_source->request(m_flow, reason, m_items, m_target->text().trimmed());
}

} // namespace idem::ui
