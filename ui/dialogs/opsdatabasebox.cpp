#include "ui/dialogs/opsdatabasebox.h"

#include "ui/dialogs/connectionswidgets.h"

#include <QFormLayout>
#include <QLineEdit>

namespace idem::ui::connections_detail {

OpsDatabaseBox::OpsDatabaseBox(models::EnvironmentConfig *env, QWidget *parent)
    : QGroupBox(tr("Ops database (replay requests, approvals, audit trail)"), parent)
    , m_env(env)
{
    m_connection = lineEdit(QStringLiteral("opsConnection"), this, tr("none"));
    auto *layout = new QFormLayout(this);
    layout->addRow(tr("Connection"), m_connection);
    // Typing only: populate() sets the text without an edit.
    connect(m_connection, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (text.trimmed().isEmpty())
            m_env->ops.reset();
        else
            m_env->ops = models::OpsDatabaseConfig{ text.trimmed() };
        emit edited();
    });
}

void OpsDatabaseBox::populate()
{
    m_connection->setText(m_env->ops ? m_env->ops->connection : QString());
    m_connection->setCursorPosition(0);
}

} // namespace idem::ui::connections_detail
