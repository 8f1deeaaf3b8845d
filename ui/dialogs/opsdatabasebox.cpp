#include "ui/dialogs/opsdatabasebox.h"

#include "models/config/connectiontools.h"
#include "ui/dialogs/connectionswidgets.h"
#include "ui/dialogs/connectiontest.h"

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
    m_test = new ConnectionTestPanel(QStringLiteral("opsTest"), this);
    layout->addRow(QString(), m_test);
    // Typing only: populate() sets the text without an edit.
    connect(m_connection, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (text.trimmed().isEmpty())
            m_env->ops.reset();
        else
            m_env->ops = models::OpsDatabaseConfig{ text.trimmed() };
        emit edited();
    });
}

void OpsDatabaseBox::setTools(models::ConnectionTools *tools)
{
    m_test->setTools(tools, [this](models::ConnectionTools *t) -> quint64 {
        return m_env->ops ? t->testOps(*m_env->ops) : 0;
    });
}

void OpsDatabaseBox::populate()
{
    m_test->clear();
    m_connection->setText(m_env->ops ? m_env->ops->connection : QString());
    m_connection->setCursorPosition(0);
}

} // namespace idem::ui::connections_detail
