#include "ui/pages/alertspage.h"

#include "models/alerts/alerttablemodel.h"
#include "models/alerts/historysource.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace idem::ui {

AlertsPage::AlertsPage(QWidget *parent)
    : QWidget(parent)
    , m_model(new models::AlertTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(models::AlertTableModel::State);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("alertsView"));
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_past = new QCheckBox(tr("Show past alerts"), this);
    m_past->setObjectName(QStringLiteral("showPastAlerts"));
    m_past->setChecked(true);
    m_ack = new QPushButton(tr("Acknowledge…"), this);
    m_ack->setObjectName(QStringLiteral("acknowledgeAlert"));
    m_charts = new QPushButton(tr("Show charts"), this);
    m_charts->setObjectName(QStringLiteral("alertCharts"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("alertsStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_status, 1);
    bar->addWidget(m_past);
    bar->addWidget(m_charts);
    bar->addWidget(m_ack);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    connect(m_past, &QCheckBox::toggled, this, [this](bool past) {
        m_proxy->setFilterFixedString(past ? QString() : tr("open"));
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AlertsPage::updateButtons);
    connect(m_view, &QTableView::activated, this, [this] {
        if (const auto *a = selected())
            emit chartsRequested(a->flow, a->firedAt);
    });
    connect(m_charts, &QPushButton::clicked, this, [this] {
        if (const auto *a = selected())
            emit chartsRequested(a->flow, a->firedAt);
    });
    connect(m_ack, &QPushButton::clicked, this, [this] {
        const auto *a = selected();
        if (!a)
            return;
        bool ok = false;
        const QString comment = QInputDialog::getMultiLineText(
            this, tr("Acknowledge alert"),
            tr("%1\nWhat is being done about it? (recorded with your name and role)").arg(a->text), {}, &ok);
        if (ok)
            acknowledgeSelected(comment);
    });
    setSource(nullptr);
}

void AlertsPage::setSource(models::HistorySource *source)
{
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = source;
    if (!source) {
        m_status->setText(tr("Alerts need an ops database: none is configured for this environment."));
        updateButtons();
        return;
    }
    m_status->setText(tr("Loading the alerts…"));
    connect(source, &models::HistorySource::alertsLoaded, this,
            [this](const QList<models::AlertRecord> &alerts, const QString &error) {
                if (!error.isEmpty()) {
                    m_status->setText(error);
                    return;
                }
                const qint64 keep = selected() ? selected()->id : 0;
                m_model->setAlerts(alerts);
                for (int row = 0; row < m_model->rowCount(); ++row) {
                    if (m_model->alert(row)->id == keep)
                        m_view->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
                }
                int open = 0;
                for (const auto &a : alerts)
                    open += a.open() ? 1 : 0;
                m_status->setText(tr("%n open alert(s), as recorded in the ops database for every console", nullptr, open));
                updateButtons();
                emit alertsUpdated(alerts);
            });
    connect(source, &models::HistorySource::alertsChanged, this, &AlertsPage::refresh);
    connect(source, &models::HistorySource::acknowledged, this, [this](qint64 id, const QString &error) {
        if (!error.isEmpty())
            m_status->setText(error);
        else
            m_status->setText(tr("Alert %1 acknowledged.").arg(id));
        refresh();
    });
    refresh();
}

void AlertsPage::refresh()
{
    if (m_source)
        m_source->loadAlerts();
}

void AlertsPage::acknowledgeSelected(const QString &comment)
{
    const auto *a = selected();
    if (!a || !m_source)
        return;
    if (comment.trimmed().isEmpty()) {
        m_status->setText(tr("An acknowledgement needs a comment saying what is being done."));
        return;
    }
    m_source->acknowledge(a->id, comment);
}

const models::AlertRecord *AlertsPage::selected() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return nullptr;
    return m_model->alert(m_proxy->mapToSource(rows.first()).row());
}

void AlertsPage::updateButtons()
{
    const bool any = m_source && selected();
    m_ack->setEnabled(any);
    m_charts->setEnabled(any);
}

} // namespace idem::ui
