#include "ui/widgets/welcomepage.h"

#include <QCommandLinkButton>
#include <QLabel>
#include <QVBoxLayout>

namespace idem::ui {

WelcomePage::WelcomePage(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePage"));
    auto *title = new QLabel(tr("Welcome to Idem"), this);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.8);
    big.setBold(true);
    title->setFont(big);
    auto *intro = new QLabel(tr("Idem watches Kafka flows and the stores where their consumers record the events "
                                "they processed. Start with the demo world, or describe your own clusters and stores."),
                             this);
    intro->setWordWrap(true);
    m_where = new QLabel(this);
    m_where->setObjectName(QStringLiteral("welcomeConfigPath"));
    m_where->setWordWrap(true);
    m_where->setTextFormat(Qt::PlainText);
    m_where->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *demo = new QCommandLinkButton(tr("Open the demo world"),
                                        tr("Starts a sandbox Kafka cluster and PostgreSQL stores on this machine, "
                                           "with flows, lag and dead letters to look at. Nothing leaves this machine."),
                                        this);
    demo->setObjectName(QStringLiteral("openDemo"));
    auto *mine = new QCommandLinkButton(tr("Connect to my systems"),
                                        tr("Name your Kafka clusters, consumer stores and flows; Idem saves them as "
                                           "its configuration and starts watching."),
                                        this);
    mine->setObjectName(QStringLiteral("connectMine"));
    connect(demo, &QCommandLinkButton::clicked, this, &WelcomePage::demoRequested);
    connect(mine, &QCommandLinkButton::clicked, this, &WelcomePage::connectRequested);

    auto *column = new QVBoxLayout;
    column->addWidget(title);
    column->addSpacing(8);
    column->addWidget(intro);
    column->addSpacing(16);
    column->addWidget(demo);
    column->addWidget(mine);
    column->addSpacing(16);
    column->addWidget(m_where);
    auto *outer = new QHBoxLayout(this);
    outer->addStretch(1);
    auto *centre = new QVBoxLayout;
    centre->addStretch(1);
    centre->addLayout(column);
    centre->addStretch(2);
    outer->addLayout(centre, 3);
    outer->addStretch(1);
}

void WelcomePage::setConfigPath(const QString &path)
{
    m_where->setText(tr("No configuration was found at %1. \"Connect to my systems\" saves one there; "
                        "to open another file, start Idem with --config\u00a0FILE or use File → Open configuration.")
                         .arg(path));
}

} // namespace idem::ui
