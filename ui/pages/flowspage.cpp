#include "ui/pages/flowspage.h"

#include "models/metrics/partitiontablemodel.h"

#include <qcustomplot.h>

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

// One hour of history at the default poll interval; older points are dropped.
constexpr double kHistorySeconds = 3600;

const QList<QColor> kPalette{QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
                             QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b)};

} // namespace

FlowsPage::FlowsPage(models::PartitionTableModel *partitions, QWidget *parent)
    : QWidget(parent)
{
    m_chart = new QCustomPlot(this);
    m_chart->setObjectName(QStringLiteral("lagChart"));
    m_chart->setMinimumHeight(220);
    auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
    ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
    ticker->setDateTimeSpec(Qt::LocalTime);
    m_chart->xAxis->setTicker(ticker);
    m_chart->xAxis->setLabel(tr("Local time (%1)").arg(QDateTime::currentDateTime().timeZoneAbbreviation()));
    m_chart->yAxis->setLabel(tr("Lag (messages)"));
    m_chart->legend->setVisible(true);
    m_chart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    m_chart->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_chart->axisRect()->setRangeDrag(Qt::Horizontal);
    m_chart->axisRect()->setRangeZoom(Qt::Horizontal);

    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter partitions by flow, group or topic"));
    m_filter->setClearButtonEnabled(true);

    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(partitions);
    m_proxy->setSortRole(models::PartitionTableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("partitionsView"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(models::PartitionTableModel::Lag, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setAlternatingRowColors(true);

    auto *lower = new QWidget(this);
    auto *lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(m_filter);
    lowerLayout->addWidget(m_view);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_chart);
    splitter->addWidget(lower);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    auto *title = new QLabel(tr("<b>Consumer lag</b> — total per group; the table shows every partition"), this);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(splitter);

    m_replot.setInterval(40); // at most 25 replots a second
    connect(&m_replot, &QTimer::timeout, this, &FlowsPage::replotIfDirty);
    m_replot.start();
}

void FlowsPage::addSnapshot(const models::LagSnapshot &snapshot)
{
    if (snapshot.partitions.isEmpty())
        return;
    const double t = snapshot.takenAt.toMSecsSinceEpoch() / 1000.0;
    for (const auto &total : models::groupTotals(snapshot.partitions)) {
        const QString key = total.flow + QStringLiteral(" / ") + total.group;
        QCPGraph *graph = m_graphs.value(key);
        if (!graph) {
            graph = m_chart->addGraph();
            graph->setName(key);
            graph->setPen(QPen(kPalette.at(m_graphs.size() % kPalette.size()), 2));
            graph->setLineStyle(QCPGraph::lsStepLeft);
            m_graphs.insert(key, graph);
        }
        graph->addData(t, double(total.lag));
        graph->data()->removeBefore(t - kHistorySeconds);
    }
    m_dirty = true;
}

void FlowsPage::replotIfDirty()
{
    if (!m_dirty || !isVisible())
        return;
    m_dirty = false;
    double latest = 0;
    double earliest = std::numeric_limits<double>::max();
    double maxLag = 1;
    for (QCPGraph *graph : std::as_const(m_graphs)) {
        if (graph->data()->isEmpty())
            continue;
        latest = std::max(latest, (graph->data()->constEnd() - 1)->key);
        earliest = std::min(earliest, graph->data()->constBegin()->key);
        bool found = false;
        const QCPRange range = graph->data()->valueRange(found);
        if (found)
            maxLag = std::max(maxLag, range.upper);
    }
    // Follow the newest data: the last five minutes, or all there is when less.
    const double from = std::min(std::max(earliest, latest - 300), latest - 60);
    m_chart->xAxis->setRange(from, latest + 2);
    m_chart->yAxis->setRange(0, maxLag * 1.15);
    m_chart->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace idem::ui
