#include "models/core/statuscolours.h"
#include "ui/pages/overviewpage.h"

#include "models/envelope/deadletterdigest.h"

#include "ui/charts/metricchart.h"
#include "ui/pages/overviewdelegate.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMouseEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <climits>

namespace idem::ui {

QColor statusColor(models::LagStatus status)
{
    switch (status) {
    case models::LagStatus::Ok:
        return models::statusColour(models::StatusColour::Ok);
    case models::LagStatus::Warning:
        return models::statusColour(models::StatusColour::Warning);
    case models::LagStatus::Rewound:
    case models::LagStatus::Stalled:
    case models::LagStatus::Stopped:
        return models::statusColour(models::StatusColour::Error);
    case models::LagStatus::NotEnoughData:
        break;
    }
    return models::statusColour(models::StatusColour::Neutral);
}

namespace {

struct ChartSpec
{
    const char *series;
    const char *unit;
};
constexpr ChartSpec chartSpecs[] = {{"lag", QT_TRANSLATE_NOOP("idem::ui::FlowCard", "messages")},
                                    {"retry_share", QT_TRANSLATE_NOOP("idem::ui::FlowCard", "%")},
                                    {"errors_per_minute", QT_TRANSLATE_NOOP("idem::ui::FlowCard", "per min")},
                                    {"dead_letters", QT_TRANSLATE_NOOP("idem::ui::FlowCard", "retained")}};
const QString figureStyle = QStringLiteral("font-size: 13pt;");
QString aboveStyle()
{
    return QStringLiteral("font-size: 13pt; font-weight: bold; color: ")
        + models::statusColourName(models::StatusColour::Error) + QLatin1Char(';');
}

} // namespace

FlowCard::FlowCard(const QString &flow, const models::MetricHistory *history, QWidget *parent)
    : QWidget(parent)
    , m_flow(flow)
    , m_history(history)
{
    setObjectName(QStringLiteral("card-") + flow);
    setAttribute(Qt::WA_StyledBackground);
    setStyleSheet(QStringLiteral("idem--ui--FlowCard { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }"));
    setCursor(Qt::PointingHandCursor);
    auto *title = new QLabel(QStringLiteral("<b style='font-size:14pt'>%1</b>").arg(flow.toHtmlEscaped()), this);
    m_status = new QLabel(this);
    m_status->setAlignment(Qt::AlignCenter);
    m_status->setMinimumWidth(90);
    auto *header = new QHBoxLayout;
    header->addWidget(title);
    header->addStretch();
    header->addWidget(m_status);

    auto *figures = new QGridLayout;
    const QList<QPair<QString, QString>> names{{QStringLiteral("lag"), tr("Lag")},
                                               {QStringLiteral("retry"), tr("Retry share")},
                                               {QStringLiteral("errors"), tr("Errors / min")},
                                               {QStringLiteral("dead letters"), tr("Dead letters")}};
    for (int i = 0; i < names.size(); ++i) {
        auto *value = new QLabel(tr("…"), this);
        value->setStyleSheet(figureStyle);
        figures->addWidget(new QLabel(names[i].second, this), 0, i);
        figures->addWidget(value, 1, i);
        m_figures.insert(names[i].first, value);
        // Under each figure, its last minutes as a small chart, made when
        // the card is first in view; the slot keeps its place until then.
        auto *slot = new QWidget(this);
        slot->setObjectName(names[i].second);
        slot->setMinimumHeight(90);
        slot->setMaximumHeight(110);
        auto *slotLayout = new QVBoxLayout(slot);
        slotLayout->setContentsMargins(0, 0, 0, 0);
        figures->addWidget(slot, 2, i);
        m_chartSlots << slot;
    }
    auto *worst = new QLabel(this);
    m_figures.insert(QStringLiteral("worst"), worst);
    auto *failure = new QLabel(this);
    failure->setWordWrap(true);
    m_figures.insert(QStringLiteral("failure"), failure);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(figures);
    layout->addWidget(worst);
    layout->addWidget(failure);
}

void FlowCard::ensureCharts()
{
    if (!m_charts.isEmpty())
        return;
    for (int i = 0; i < m_chartSlots.size(); ++i) {
        const ChartSpec &spec = chartSpecs[i];
        auto *chart = new MetricChart(m_chartSlots[i]->objectName(), tr(spec.unit), m_chartSlots[i]);
        chart->setObjectName(QStringLiteral("spark-") + QLatin1String(spec.series));
        chart->setHistory(m_history);
        chart->setSeries({{QStringLiteral("flow/%1/%2").arg(m_flow, QLatin1String(spec.series)), m_chartSlots[i]->objectName()}});
        chart->setPercent(QLatin1String(spec.series) == QLatin1String("retry_share"));
        chart->plot()->legend->setVisible(false);
        chart->plot()->plotLayout()->removeAt(0); // no title row in a sparkline
        chart->plot()->plotLayout()->simplify();
        chart->plot()->yAxis->setLabel(QString());
        chart->plot()->yAxis->ticker()->setTickCount(3);
        chart->plot()->xAxis->setTickLabels(false); // the card shows the last minutes; the Flows page tells the times
        chart->plot()->setMinimumHeight(70);
        chart->setThreshold(m_thresholds.value(QLatin1String(spec.series), qQNaN()), QString());
        chart->markDirty();
        m_chartSlots[i]->layout()->addWidget(chart);
        m_charts << chart;
    }
}

void FlowCard::setThresholds(const QMap<QString, double> &thresholds)
{
    m_thresholds = thresholds;
    for (int i = 0; i < m_charts.size(); ++i)
        m_charts[i]->setThreshold(thresholds.value(QLatin1String(chartSpecs[i].series), qQNaN()), QString());
}

void FlowCard::replotIfDirty()
{
    for (MetricChart *chart : std::as_const(m_charts))
        chart->replotIfDirty();
}

void FlowCard::setText(const QString &name, const QString &text)
{
    QLabel *label = m_figures[name];
    if (label->text() != text) // a label set to its own text still lays out again
        label->setText(text);
}

void FlowCard::apply(const models::FlowSummary &s)
{
    setText(QStringLiteral("lag"), s.lag);
    setText(QStringLiteral("retry"), s.retry);
    setText(QStringLiteral("errors"), s.errors);
    setText(QStringLiteral("dead letters"), s.deadLetters);
    // A figure above its threshold is shown in red.
    for (const QString &name : {QStringLiteral("lag"), QStringLiteral("retry"), QStringLiteral("errors"),
                                QStringLiteral("dead letters")}) {
        const bool above = s.above.contains(name);
        if (above != m_above.contains(name))
            m_figures[name]->setStyleSheet(above ? aboveStyle() : figureStyle);
        const auto limit = m_thresholds.constFind(models::thresholdKey(name));
        const QString tip = limit == m_thresholds.cend() ? QString() : tr("threshold %1").arg(QLocale().toString(*limit));
        if (m_figures[name]->toolTip() != tip)
            m_figures[name]->setToolTip(tip);
    }
    m_above = s.above;
    const QColor color = statusColor(s.badge);
    if (m_status->text() != s.statusText || color != m_badgeColor) {
        m_badgeColor = color;
        m_status->setText(s.statusText);
        m_status->setToolTip(s.above.isEmpty() ? QString()
                                               : tr("Lag status %1; above threshold: %2")
                                                     .arg(models::lagStatusName(s.figures.status),
                                                          s.above.join(QStringLiteral(", "))));
        m_status->setStyleSheet(QStringLiteral("color: white; font-weight: bold; border-radius: 4px; padding: 2px 8px; background: %1;")
                                    .arg(color.name()));
    }
    setText(QStringLiteral("worst"),
            s.figures.worstGroup.isEmpty()
                ? QString()
                : tr("Worst group: <b>%1</b> · error share %2 · window %3 s")
                      .arg(s.figures.worstGroup.toHtmlEscaped(), s.errorShare,
                           QString::number(s.figures.windowMs / 1000))); // one pass: a group named "%1" stays itself
    const models::DeadLetterHead &d = s.deadLetterHead;
    if (d.read >= 0) {
        const QLocale locale;
        QString text = d.topFailure.isEmpty()
            ? tr("No dead letters read")
            : tr("Top failure: <b>%1</b> (%2 of %3 dead letters read)")
                  .arg(d.topFailure.toHtmlEscaped(), locale.toString(d.topFailureCount), locale.toString(d.read));
        if (d.decodeErrors > 0)
            text += tr(" · <span style='color:%1'>%n decode error(s)</span>", nullptr,
                       int(std::min<qint64>(d.decodeErrors, INT_MAX)))
                        .arg(models::statusColourName(models::StatusColour::Error));
        setText(QStringLiteral("failure"), text);
    }
    for (MetricChart *chart : std::as_const(m_charts))
        chart->markDirty();
}

QString FlowCard::statusText() const
{
    return m_status->text();
}

QString FlowCard::figureText(const QString &name) const
{
    const QLabel *label = m_figures.value(name);
    return label ? label->text() : QString();
}

void FlowCard::mouseReleaseEvent(QMouseEvent *event)
{
    const QLabel *deadLetters = m_figures.value(QStringLiteral("dead letters"));
    if (event->button() == Qt::LeftButton && deadLetters
        && deadLetters->geometry().adjusted(-4, -4, 4, 4).contains(deadLetters->parentWidget()->mapFrom(this, event->position().toPoint())))
        emit deadLettersOpened(m_flow);
    else if (event->button() == Qt::LeftButton)
        emit opened(m_flow);
    QWidget::mouseReleaseEvent(event);
}

OverviewPage::OverviewPage(const models::MetricHistory *history, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
    , m_model(new models::OverviewTableModel(this))
{
    m_content = new QWidget(this);
    m_grid = new QGridLayout(m_content);
    m_grid->setSpacing(12);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(m_content);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->viewport()->installEventFilter(this);
    connect(m_scroll->verticalScrollBar(), &QScrollBar::valueChanged, this, &OverviewPage::scheduleChartCheck);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("overviewTable"));
    m_table->setModel(m_model);
    m_table->setItemDelegate(new OverviewDelegate(history, m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 12);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->setColumnWidth(models::OverviewTableModel::Flow, 160);
    m_table->setColumnWidth(models::OverviewTableModel::Status, 230);
    m_table->setColumnWidth(models::OverviewTableModel::Trend, 160);
    m_table->setColumnWidth(models::OverviewTableModel::Worst, 260);
    // A row opens its flow; its dead-letter cells open the flow's dead letters.
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {
        const QString flow = m_model->flowAt(index.row());
        if (index.column() == models::OverviewTableModel::DeadLetters || index.column() == models::OverviewTableModel::Failure)
            emit deadLettersOpened(flow);
        else
            emit flowOpened(flow);
    });

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_scroll);
    m_stack->addWidget(m_table);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("overviewFilter"));
    m_filter->setPlaceholderText(tr("Filter flows by name"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(m_filter->fontMetrics().horizontalAdvance(m_filter->placeholderText()) + 40);
    m_filter->setMaximumWidth(320);
    connect(m_filter, &QLineEdit::textChanged, m_model, &models::OverviewTableModel::setFilter);
    m_viewChoice = new QComboBox(this);
    m_viewChoice->setObjectName(QStringLiteral("overviewView"));
    m_viewChoice->addItem(tr("Automatic view"), int(View::Automatic));
    m_viewChoice->addItem(tr("Cards"), int(View::Cards));
    m_viewChoice->addItem(tr("Table"), int(View::Table));
    m_viewChoice->setToolTip(tr("Automatic: cards for up to %1 flows, a table beyond").arg(cardsUpTo));
    const View saved = View(QSettings().value(QStringLiteral("overview/view"), int(View::Automatic)).toInt());
    m_view = saved == View::Cards || saved == View::Table ? saved : View::Automatic;
    m_viewChoice->setCurrentIndex(m_viewChoice->findData(int(m_view)));
    connect(m_viewChoice, &QComboBox::activated, this, [this](int index) {
        setView(View(m_viewChoice->itemData(index).toInt()));
        QSettings().setValue(QStringLiteral("overview/view"), int(m_view));
    });

    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("<b>Flows</b> — trouble first: status by Burrow's rules over the last five minutes, "
                                "then figures above threshold; click a flow for its charts"),
                             this);
    title->setWordWrap(true);
    header->addWidget(title, 1);
    header->addWidget(m_viewChoice);
    header->addWidget(m_filter);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_stack);

    connect(m_model, &models::OverviewTableModel::summariesChanged, this, &OverviewPage::updateCards);
    connect(m_model, &models::OverviewTableModel::orderChanged, this, [this] {
        updateView();
        relayoutCards();
    });
    updateView();
}

void OverviewPage::setFilter(const QString &text)
{
    m_filter->setText(text); // the model follows from textChanged
}

void OverviewPage::setView(View view)
{
    m_view = view;
    m_viewChoice->setCurrentIndex(m_viewChoice->findData(int(view)));
    updateView();
}

bool OverviewPage::showsTable() const
{
    return m_view == View::Table || (m_view == View::Automatic && m_model->flowCount() > cardsUpTo);
}

void OverviewPage::updateView()
{
    const bool table = showsTable();
    m_stack->setCurrentWidget(table ? static_cast<QWidget *>(m_table) : m_scroll);
    if (table)
        return;
    // Cards for every flow known; charts only for those in view.
    QStringList missing;
    for (const QString &flow : m_model->order()) {
        if (!m_cards.contains(flow))
            missing << flow;
    }
    if (!missing.isEmpty()) {
        updateCards(missing);
        relayoutCards();
    }
}

void OverviewPage::updateCards(const QStringList &flows)
{
    if (showsTable())
        return; // the table follows the model itself
    for (const QString &flow : flows) {
        const models::FlowSummary *summary = m_model->summary(flow);
        if (!summary)
            continue;
        FlowCard *card = m_cards.value(flow);
        if (!card) {
            card = new FlowCard(flow, m_history, m_content);
            connect(card, &FlowCard::opened, this, &OverviewPage::flowOpened);
            connect(card, &FlowCard::deadLettersOpened, this, &OverviewPage::deadLettersOpened);
            card->hide(); // until laid out
            card->setThresholds(m_thresholds.value(flow));
            m_cards.insert(flow, card);
        }
        card->apply(*summary);
    }
}

void OverviewPage::relayoutCards()
{
    if (showsTable())
        return;
    const QStringList order = m_model->order();
    if (order == m_cardOrder)
        return; // nothing moved: no layout work on a quiet poll
    m_cardOrder = order;
    for (FlowCard *card : std::as_const(m_cards))
        m_grid->removeWidget(card);
    for (int row = 0; row < m_grid->rowCount(); ++row)
        m_grid->setRowStretch(row, 0);
    const QSet<QString> shown(order.cbegin(), order.cend());
    for (FlowCard *card : std::as_const(m_cards))
        card->setVisible(shown.contains(card->flow()));
    for (int n = 0; n < order.size(); ++n) {
        if (FlowCard *card = m_cards.value(order[n]))
            m_grid->addWidget(card, n / 2, n % 2);
    }
    m_grid->setRowStretch(int(order.size() + 1) / 2, 1);
    scheduleChartCheck();
}

void OverviewPage::scheduleChartCheck()
{
    if (m_chartCheckPending)
        return;
    m_chartCheckPending = true;
    // After the layout has placed the cards.
    QTimer::singleShot(0, this, [this] {
        m_chartCheckPending = false;
        makeVisibleCharts();
    });
}

void OverviewPage::makeVisibleCharts()
{
    m_inView.clear();
    if (showsTable() || !isVisible())
        return;
    const QRect visible(m_content->mapFrom(m_scroll->viewport(), QPoint(0, 0)), m_scroll->viewport()->size());
    for (FlowCard *card : std::as_const(m_cards)) {
        if (card->isVisibleTo(m_content) && card->geometry().intersects(visible)) {
            card->ensureCharts();
            m_inView.insert(card);
        }
    }
}

bool OverviewPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_scroll->viewport() && event->type() == QEvent::Resize)
        scheduleChartCheck();
    return QWidget::eventFilter(watched, event);
}

void OverviewPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    scheduleChartCheck();
}

void OverviewPage::apply(const QList<models::FlowFigures> &flows)
{
    m_model->apply(flows);
}

void OverviewPage::clear()
{
    qDeleteAll(m_cards);
    m_cards.clear();
    m_cardOrder.clear();
    m_inView.clear();
    m_model->clear();
}

void OverviewPage::applyDeadLetters(const models::DeadLetterDigest &digest)
{
    m_model->applyDeadLetters(digest);
}

void OverviewPage::setThresholds(const QMap<QString, QMap<QString, double>> &thresholds)
{
    m_thresholds = thresholds;
    for (FlowCard *card : std::as_const(m_cards))
        card->setThresholds(thresholds.value(card->flow()));
    m_model->setThresholds(thresholds);
}

void OverviewPage::replotIfDirty()
{
    // The table repaints its own visible cells; cards replot only in view.
    for (FlowCard *card : std::as_const(m_inView))
        card->replotIfDirty();
}

} // namespace idem::ui
