#include "ui/dialogs/connectiontest.h"

#include "models/config/connectiontools.h"
#include "ui/dialogs/connectionswidgets.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace idem::ui::connections_detail {

ConnectionTestPanel::ConnectionTestPanel(const QString &objectName, QWidget *parent)
    : QWidget(parent)
{
    setObjectName(objectName);
    m_button = smallButton(tr("Test connection"), objectName + QStringLiteral("Button"), this);
    m_button->setToolTip(tr("Resolves the name, connects, signs in and checks what Idem reads, on a worker "
                            "thread; the result says which step failed and why."));
    m_result = new QLabel(this);
    m_result->setObjectName(objectName + QStringLiteral("Result"));
    m_result->setTextFormat(Qt::PlainText); // server and broker errors are untrusted text
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_button, 0, Qt::AlignTop);
    layout->addWidget(m_result, 1);
    m_button->setEnabled(false);
    m_result->setText(tr("Nothing here can test connections."));
    connect(m_button, &QPushButton::clicked, this, &ConnectionTestPanel::run);
}

void ConnectionTestPanel::setTools(models::ConnectionTools *tools,
                                   std::function<quint64(models::ConnectionTools *)> start)
{
    m_tools = tools;
    m_start = std::move(start);
    m_button->setEnabled(tools != nullptr);
    m_result->clear();
    if (tools)
        connect(tools, &models::ConnectionTools::tested, this, &ConnectionTestPanel::show);
}

void ConnectionTestPanel::clear()
{
    m_request = 0;
    m_result->clear();
    m_button->setEnabled(m_tools != nullptr);
}

QString ConnectionTestPanel::resultText() const
{
    return m_result->text();
}

void ConnectionTestPanel::run()
{
    if (!m_tools || !m_start)
        return;
    m_request = m_start(m_tools);
    if (m_request == 0) {
        m_result->setText(tr("Nothing to test: fill in the connection first."));
        return;
    }
    m_button->setEnabled(false);
    m_result->setText(tr("Testing…"));
}

void ConnectionTestPanel::show(quint64 request, const models::ProbeReport &report)
{
    if (request != m_request || request == 0)
        return;
    m_request = 0;
    m_button->setEnabled(true);
    m_result->setText(report.text());
}

} // namespace idem::ui::connections_detail
