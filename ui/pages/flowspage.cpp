#include "ui/pages/flowspage.h"

#include "models/alerts/historysource.h"

#include "models/core/untrustedtext.h"
#include "models/envelope/failuretablemodel.h"
#include "models/metrics/partitiontablemodel.h"
#include "ui/charts/metricchart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QLocale>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QDateTime>
#include <QVBoxLayout>

namespace idem::ui {

QList<qint64> FlowsPage::rangesMs()
{
    return {5LL * 60 * 1000,        15LL * 60 * 1000,  60LL * 60 * 1000, 6LL * 3600 * 1000, 24LL * 3600 * 1000,
            7LL * 24 * 3600 * 1000, 30LL * 24 * 3600 * 1000};
}

FlowsPage::FlowsPage(models::PartitionTableModel *partitions, const models::MetricHistory *history, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
{
    m_flow = new QComboBox(this);
    m_flow->setObjectName(QStringLiteral("flowSelector"));
    m_flow->setMinimumWidth(160);
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("rangeSelector"));
    m_range->addItems({tr("5 minutes"), tr("15 minutes"), tr("1 hour"), tr("6 hours"), tr("24 hours")});
    m_follow = new QCheckBox(tr("Follow"), this);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Follow the newest data; untick to hold the charts still"));
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Flow"), this));
    bar->addWidget(m_flow);
    bar->addSpacing(16);
    bar->addWidget(new QLabel(tr("Range"), this));
    bar->addWidget(m_range);
    bar->addWidget(m_follow);
    bar->addStretch();
    bar->addWidget(new QLabel(tr("<small>Right-click a chart to export it</small>"), this));

    const QList<QPair<QString, QString>> charts{{tr("Consumer lag"), tr("messages")},
                                                {tr("Lag in seconds"), tr("seconds")},
                                                {tr("Retry share"), tr("% of traffic")},
                                                {tr("Error rate"), tr("dead letters / min")},
                                                {tr("Dead letters"), tr("messages retained")}};
    auto *grid = new QGridLayout;
    for (int i = 0; i < charts.size(); ++i) {
        auto *chart = new MetricChart(charts[i].first, charts[i].second, this);
        chart->setHistory(history);
        m_charts << chart;
        grid->addWidget(chart, i / 3, i % 3);
    }
    m_charts[2]->setPercent(true);
    auto *chartsWidget = new QWidget(this);
    chartsWidget->setLayout(grid);

    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter partitions by flow, group, topic or status"));
    m_filter->setClearButtonEnabled(true);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(partitions);
    m_proxy->setSortRole(models::PartitionTableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setDynamicSortFilter(false); // until shown
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
    auto *partitionsTab = new QWidget(this);
    auto *partitionsLayout = new QVBoxLayout(partitionsTab);
    partitionsLayout->setContentsMargins(0, 0, 0, 0);
    partitionsLayout->addWidget(m_filter);
    partitionsLayout->addWidget(m_view);

    m_failures = new models::FailureTableModel(this);
    auto *failuresProxy = new QSortFilterProxyModel(this);
    failuresProxy->setSourceModel(m_failures);
    failuresProxy->setSortRole(models::FailureTableModel::SortRole);
    m_failuresView = new QTableView(this);
    m_failuresView->setObjectName(QStringLiteral("failuresView"));
    m_failuresView->setModel(failuresProxy);
    m_failuresView->setSortingEnabled(true);
    m_failuresView->sortByColumn(models::FailureTableModel::Count, Qt::DescendingOrder);
    m_failuresView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_failuresView->verticalHeader()->hide();
    m_failuresView->horizontalHeader()->setStretchLastSection(true);
    m_failuresView->setAlternatingRowColors(true);
    m_failuresView->setWordWrap(false);
    // The failure label is what people read first; the example error takes the rest.
    m_failuresView->horizontalHeader()->resizeSection(models::FailureTableModel::Failure, 420);
    m_failuresView->horizontalHeader()->resizeSection(models::FailureTableModel::Count, 90);
    m_failuresView->horizontalHeader()->resizeSection(models::FailureTableModel::Share, 70);
    m_failuresView->horizontalHeader()->resizeSection(models::FailureTableModel::ConsumerGroups, 150);
    m_failuresView->horizontalHeader()->resizeSection(models::FailureTableModel::FirstSeen, 150);
    m_failuresView->horizontalHeader()->resizeSection(models::FailureTableModel::Newest, 150);
    m_failuresView->setToolTip(tr("Double-click a row to trace its example event_id"));
    connect(m_failuresView, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString id = index.siblingAtColumn(models::FailureTableModel::ExampleEvent).data().toString();
        if (!id.isEmpty())
            emit traceRequested(id);
    });
    m_decodeErrors = new QLabel(this);
    m_decodeErrors->setObjectName(QStringLiteral("decodeErrors"));
    m_decodeErrors->setWordWrap(true);
    // Topic names and decode problems quote dead letters: plain text only.
    m_decodeErrors->setTextFormat(Qt::PlainText);
    m_decodeErrors->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *failuresTab = new QWidget(this);
    auto *failuresLayout = new QVBoxLayout(failuresTab);
    failuresLayout->setContentsMargins(0, 0, 0, 0);
    failuresLayout->addWidget(m_decodeErrors);
    failuresLayout->addWidget(m_failuresView);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("flowTabs"));
    m_tabs->addTab(partitionsTab, tr("Partitions"));
    m_tabs->addTab(failuresTab, tr("Dead-letter failures"));
    // The tab last looked at comes back with the window.
    m_tabs->setCurrentIndex(std::clamp(QSettings().value(QStringLiteral("flows/tab"), 0).toInt(), 0, m_tabs->count() - 1));
    connect(m_tabs, &QTabWidget::currentChanged, this,
            [](int index) { QSettings().setValue(QStringLiteral("flows/tab"), index); });

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(chartsWidget);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(splitter);

    connect(m_flow, &QComboBox::currentTextChanged, this, [this](const QString &flow) {
        updateSeries();
        m_filter->setText(flow);
        m_failures->showFlow(flow);
        updateDeadLetters();
    });
    updateDeadLetters();
    connect(m_range, &QComboBox::currentIndexChanged, this, &FlowsPage::setRange);
    connect(m_follow, &QCheckBox::toggled, this, &FlowsPage::setFollowing);
}

MetricChart *FlowsPage::chart(const QString &title) const
{
    for (MetricChart *c : m_charts) {
        if (c->title() == title)
            return c;
    }
    return nullptr;
}

void FlowsPage::setFlows(const QList<models::GroupFigures> &groups)
{
    QMap<QString, QStringList> byFlow;
    for (const auto &g : groups)
        byFlow[g.flow] << g.group;
    if (byFlow == m_groups)
        return;
    m_groups = byFlow;
    const QString current = m_flow->currentText();
    for (auto it = byFlow.cbegin(); it != byFlow.cend(); ++it) {
        if (m_flow->findText(it.key()) < 0)
            m_flow->addItem(it.key());
    }
    if (current.isEmpty() && m_flow->count() > 0)
        m_flow->setCurrentIndex(0);
    updateSeries();
}

void FlowsPage::showFlow(const QString &flow)
{
    const int index = m_flow->findText(flow);
    if (index >= 0)
        m_flow->setCurrentIndex(index);
}

void FlowsPage::setFlowThresholds(const QMap<QString, QMap<QString, double>> &thresholds)
{
    m_thresholds = thresholds;
    updateSeries();
}

void FlowsPage::setFlowStores(const QMap<QString, QStringList> &stores)
{
    m_stores = stores;
    updateSeries();
}

QString FlowsPage::currentFlow() const
{
    return m_flow->currentText();
}

void FlowsPage::updateSeries()
{
    const QString flow = m_flow->currentText();
    QList<MetricChart::Series> lag, lagSeconds;
    for (const QString &group : m_groups.value(flow)) {
        lag.append({QStringLiteral("group/%1/%2/lag").arg(flow, group), group});
        lagSeconds.append({QStringLiteral("group/%1/%2/lag_seconds").arg(flow, group), group});
    }
    m_charts[0]->setSeries(lag);
    m_charts[1]->setSeries(lagSeconds);
    // The stores' own view beside the broker's.
    QList<MetricChart::Series> retry{{QStringLiteral("flow/%1/retry_share").arg(flow), tr("retry share")},
                                     {QStringLiteral("flow/%1/error_share").arg(flow), tr("error share")}};
    QList<MetricChart::Series> errors{{QStringLiteral("flow/%1/errors_per_minute").arg(flow), tr("dead letters per minute")}};
    for (const QString &store : m_stores.value(flow)) {
        retry.append({QStringLiteral("store/%1/retry_share").arg(store), tr("%1 store: retried attempts").arg(store)});
        errors.append({QStringLiteral("store/%1/dead_lettered_per_minute").arg(store), tr("%1 store: dead-lettered").arg(store)});
    }
    m_charts[2]->setSeries(retry);
    m_charts[3]->setSeries(errors);
    m_charts[4]->setSeries({{QStringLiteral("flow/%1/dead_letters").arg(flow), tr("in the dead-letter topic")}});
    readLongRange();
    const QMap<QString, double> limits = m_thresholds.value(flow);
    const QStringList keys{QStringLiteral("lag"), QStringLiteral("lag_seconds"), QStringLiteral("retry_share"),
                           QStringLiteral("errors_per_minute"), QStringLiteral("dead_letters")};
    for (int i = 0; i < keys.size(); ++i)
        m_charts[i]->setThreshold(limits.value(keys[i], qQNaN()), tr("threshold %1").arg(keys[i]));
    markDirty();
}

void FlowsPage::clear()
{
    m_groups.clear();
    m_failures->clear();
    m_flow->clear(); // updates the series and the dead letters of no flow
    updateDeadLetters();
}

void FlowsPage::applyDeadLetters(const models::DeadLetterDigest &digest)
{
    m_failures->applyDigest(digest);
    if (digest.flow() == m_flow->currentText())
        updateDeadLetters();
}

QString FlowsPage::decodeErrorsText() const
{
    return m_decodeErrors->text();
}

void FlowsPage::updateDeadLetters()
{
    const models::DeadLetterDigest d = m_failures->digest();
    const QLocale locale;
    m_tabs->setTabText(1, d.read() > 0 ? tr("Dead-letter failures (%1)").arg(locale.toString(qsizetype(m_failures->rowCount())))
                                       : tr("Dead-letter failures"));
    if (d.topic().isEmpty()) {
        m_decodeErrors->setText(tr("No dead letters read for this flow yet (a flow without a dead-letter topic has none)."));
        m_decodeErrors->setToolTip(QString());
        return;
    }
    const models::TopicDecodeErrors errors = d.decodeErrors().topic(d.topic());
    const QString since = d.oldest().isValid()
        ? tr(" since %1").arg(locale.toString(d.oldest().toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss")))
        : QString();
    QString text = tr("%1: %2 dead letters read%3 (the newest when the console started, and every one after). ")
                       .arg(d.topic(), locale.toString(d.read()), since);
    QStringList details;
    if (errors.failed == 0) {
        text += tr("Decode errors: none.");
    } else {
        text += tr("Decode errors: %1 could not be fully read through the flow's dead-letter envelope; latest: %2")
                    .arg(locale.toString(errors.failed), errors.recent.isEmpty() ? QString() : errors.recent.last().problem);
        for (const auto &sample : errors.recent)
            details << tr("[%1] offset %2: %3").arg(sample.partition).arg(sample.offset).arg(sample.problem);
    }
    m_decodeErrors->setText(text);
    m_decodeErrors->setToolTip(models::plainTextToolTip(details.join(QLatin1Char('\n'))));
}

void FlowsPage::setRange(int index)
{
    if (index >= m_range->count())
        index = m_range->count() - 1;
    if (m_range->currentIndex() != index)
        m_range->setCurrentIndex(index);
    const qint64 range = rangesMs().value(index, rangesMs().first());
    const bool longRange = index >= 5;
    for (MetricChart *c : std::as_const(m_charts)) {
        c->setHistory(longRange ? &m_long : m_history);
        c->setRangeMs(range);
        c->replotIfDirty();
    }
    if (longRange)
        readLongRange();
}

void FlowsPage::setHistorySource(models::HistorySource *source)
{
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = source;
    while (m_range->count() > 5)
        m_range->removeItem(m_range->count() - 1);
    if (!source)
        return;
    m_range->addItems({tr("7 days"), tr("30 days")});
    connect(source, &models::HistorySource::rangeRead, this,
            [this](const QStringList &, qint64, qint64, const models::SeriesPoints &points, const QString &error) {
                if (m_range->currentIndex() < 5)
                    return;
                if (!error.isEmpty()) {
                    setToolTip(error);
                    return;
                }
                m_long = models::MetricHistory(1, models::SeriesResolution::full());
                qsizetype most = 1;
                for (const auto &list : points)
                    most = std::max(most, list.size());
                m_long.setCapacity(most);
                for (auto it = points.cbegin(); it != points.cend(); ++it)
                    m_long.prependOlder(it.key(), it.value());
                for (MetricChart *c : std::as_const(m_charts)) {
                    c->setHistory(nullptr);
                    c->setHistory(&m_long);
                }
                markDirty();
                replotIfDirty();
            });
}

void FlowsPage::readLongRange()
{
    if (!m_source || m_range->currentIndex() < 5)
        return;
    QStringList keys;
    for (const MetricChart *c : std::as_const(m_charts))
        keys << c->seriesKeys();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 range = rangesMs().value(m_range->currentIndex());
    // About a bucket per pixel of the widest chart.
    const int buckets = std::max(200, m_charts.isEmpty() ? 800 : m_charts.first()->width());
    m_source->readRange(keys, now - range, now, buckets);
}

void FlowsPage::setFollowing(bool follow)
{
    if (m_follow->isChecked() != follow)
        m_follow->setChecked(follow);
    for (MetricChart *c : std::as_const(m_charts))
        c->setFollowing(follow);
}

void FlowsPage::markDirty()
{
    for (MetricChart *c : std::as_const(m_charts))
        c->markDirty();
}

void FlowsPage::replotIfDirty()
{
    if (!m_follow->isChecked())
        return; // paused: new data does not move the charts
    for (MetricChart *c : std::as_const(m_charts))
        c->replotIfDirty();
}

void FlowsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_proxy->setDynamicSortFilter(true);
    m_proxy->invalidate();
}

void FlowsPage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_proxy->setDynamicSortFilter(false);
}

} // namespace idem::ui
