#include "ui/pages/overviewpage.h"

#include "models/metrics/flowordering.h"

#include "ui/charts/metricchart.h"

#include <qcustomplot.h>

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QScrollArea>
#include <QVBoxLayout>

#include <climits>

namespace idem::ui {

QColor statusColor(models::LagStatus status)
{
    switch (status) {
    case models::LagStatus::Ok:
        return QColor(0x2e, 0xa0, 0x43);
    case models::LagStatus::Warning:
        return QColor(0xd2, 0x99, 0x22);
    case models::LagStatus::Rewound:
    case models::LagStatus::Stalled:
    case models::LagStatus::Stopped:
        return QColor(0xcf, 0x22, 0x2e);
    case models::LagStatus::NotEnoughData:
        break;
    }
    return QColor(0x8c, 0x95, 0x9f);
}

namespace {

QString percent(double ratio)
{
    return ratio < 0 ? QObject::tr("…") : QLocale().toString(ratio * 100, 'f', 2) + QStringLiteral(" %");
}

} // namespace

FlowCard::FlowCard(const QString &flow, const models::MetricHistory *history, QWidget *parent)
    : QWidget(parent)
    , m_flow(flow)
{
    setObjectName(QStringLiteral("card-") + flow);
    setAttribute(Qt::WA_StyledBackground);
    setStyleSheet(QStringLiteral("idem--ui--FlowCard { border: 1px solid #c8ccd0; border-radius: 6px; background: white; }"));
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
        value->setStyleSheet(QStringLiteral("font-size: 13pt;"));
        figures->addWidget(new QLabel(names[i].second, this), 0, i);
        figures->addWidget(value, 1, i);
        m_figures.insert(names[i].first, value);
    }
    auto *worst = new QLabel(this);
    m_figures.insert(QStringLiteral("worst"), worst);
    auto *failure = new QLabel(this);
    failure->setWordWrap(true);
    m_figures.insert(QStringLiteral("failure"), failure);

    // Under each figure, its last minutes as a small live chart.
    const QList<QPair<QString, QString>> series{{QStringLiteral("lag"), tr("messages")},
                                                {QStringLiteral("retry_share"), tr("%")},
                                                {QStringLiteral("errors_per_minute"), tr("per min")},
                                                {QStringLiteral("dead_letters"), tr("retained")}};
    for (int i = 0; i < series.size(); ++i) {
        auto *chart = new MetricChart(names[i].second, series[i].second, this);
        chart->setObjectName(QStringLiteral("spark-") + series[i].first);
        chart->setHistory(history);
        chart->setSeries({{QStringLiteral("flow/%1/%2").arg(flow, series[i].first), names[i].second}});
        chart->setPercent(series[i].first == QLatin1String("retry_share"));
        chart->plot()->legend->setVisible(false);
        chart->plot()->plotLayout()->removeAt(0); // no title row in a sparkline
        chart->plot()->plotLayout()->simplify();
        chart->plot()->yAxis->setLabel(QString());
        chart->plot()->yAxis->ticker()->setTickCount(3);
        chart->plot()->xAxis->setTickLabels(false); // the card shows the last minutes; the Flows page tells the times
        chart->plot()->setMinimumHeight(70);
        chart->setMinimumHeight(90);
        chart->setMaximumHeight(110);
        figures->addWidget(chart, 2, i);
        m_charts << chart;
    }
    m_chart = m_charts.first();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(figures);
    layout->addWidget(worst);
    layout->addWidget(failure);
}

void FlowCard::setThresholds(const QMap<QString, double> &thresholds)
{
    m_thresholds = thresholds;
    const QStringList keys{QStringLiteral("lag"), QStringLiteral("retry_share"), QStringLiteral("errors_per_minute"),
                           QStringLiteral("dead_letters")};
    for (int i = 0; i < m_charts.size(); ++i)
        m_charts[i]->setThreshold(thresholds.value(keys.value(i), qQNaN()), QString());
}

void FlowCard::replotIfDirty()
{
    for (MetricChart *chart : std::as_const(m_charts))
        chart->replotIfDirty();
}

void FlowCard::applyDeadLetters(const models::DeadLetterDigest &digest)
{
    QLabel *label = m_figures[QStringLiteral("failure")];
    const QList<models::FailureCount> failures = digest.failures();
    const QLocale locale;
    QString text = failures.isEmpty()
        ? tr("No dead letters read")
        : tr("Top failure: <b>%1</b> (%2 of %3 dead letters read)")
              .arg(failures.first().group.label().left(120).toHtmlEscaped(), locale.toString(failures.first().count),
                   locale.toString(digest.read()));
    const qint64 decodeErrors = digest.decodeErrors().failed(digest.topic());
    if (decodeErrors > 0)
        text += tr(" · <span style='color:#cf222e'>%n decode error(s)</span>", nullptr, int(std::min<qint64>(decodeErrors, INT_MAX)));
    label->setText(text);
}

void FlowCard::apply(const models::FlowFigures &f)
{
    m_figures[QStringLiteral("lag")]->setText(QLocale().toString(f.lag));
    m_figures[QStringLiteral("retry")]->setText(percent(f.retryShare));
    m_figures[QStringLiteral("errors")]->setText(f.errorsPerMinute < 0 ? tr("…")
                                                                       : QLocale().toString(f.errorsPerMinute, 'f', 1));
    m_figures[QStringLiteral("dead letters")]->setText(f.deadLetters < 0 ? tr("none configured")
                                                                         : QLocale().toString(f.deadLetters));
    // A figure above its threshold is shown in red.
    const QList<QPair<QString, double>> checked{{QStringLiteral("lag"), double(f.lag)},
                                                {QStringLiteral("retry"), f.retryShare},
                                                {QStringLiteral("errors"), f.errorsPerMinute},
                                                {QStringLiteral("dead letters"), double(f.deadLetters)}};
    const QMap<QString, QString> keys{{QStringLiteral("lag"), QStringLiteral("lag")},
                                      {QStringLiteral("retry"), QStringLiteral("retry_share")},
                                      {QStringLiteral("errors"), QStringLiteral("errors_per_minute")},
                                      {QStringLiteral("dead letters"), QStringLiteral("dead_letters")}};
    QStringList aboveNames;
    for (const auto &[name, value] : checked) {
        const auto limit = m_thresholds.constFind(keys.value(name));
        const bool above = limit != m_thresholds.cend() && value >= 0 && value > *limit;
        m_figures[name]->setProperty("aboveThreshold", above);
        m_figures[name]->setStyleSheet(above ? QStringLiteral("font-size: 13pt; color: #cf222e; font-weight: bold;")
                                             : QStringLiteral("font-size: 13pt;"));
        m_figures[name]->setToolTip(limit == m_thresholds.cend() ? QString()
                                                                 : tr("threshold %1").arg(QLocale().toString(*limit)));
        if (above)
            aboveNames << name;
    }
    // The badge tells both facts: the groups' lag status, and any figure
    // above its threshold. A status that reads well beside a red figure
    // takes the warning colour, so nobody reads the flow as healthy.
    QColor color = statusColor(f.status);
    QString status = models::lagStatusName(f.status);
    if (!aboveNames.isEmpty()) {
        status += QStringLiteral(" · ") + tr("%1 above threshold").arg(aboveNames.join(QStringLiteral(", ")));
        if (models::lagStatusSeverity(f.status) < models::lagStatusSeverity(models::LagStatus::Warning))
            color = statusColor(models::LagStatus::Warning);
    }
    m_badgeColor = color;
    m_statusValue = f.status;
    m_aboveCount = int(aboveNames.size());
    m_status->setText(status);
    m_status->setToolTip(aboveNames.isEmpty() ? QString()
                                              : tr("Lag status %1; above threshold: %2")
                                                    .arg(models::lagStatusName(f.status), aboveNames.join(QStringLiteral(", "))));
    m_status->setStyleSheet(QStringLiteral("color: white; font-weight: bold; border-radius: 4px; padding: 2px 8px; background: %1;")
                                .arg(color.name()));
    m_figures[QStringLiteral("worst")]->setText(
        f.worstGroup.isEmpty() ? QString()
                               : tr("Worst group: <b>%1</b> · error share %2 · window %3 s")
                                     .arg(f.worstGroup.toHtmlEscaped(), percent(f.errorShare),
                                          QString::number(f.windowMs / 1000))); // one pass: a group named "%1" stays itself
    for (MetricChart *chart : std::as_const(m_charts))
        chart->markDirty();
}

bool FlowCard::isAboveThreshold(const QString &name) const
{
    const QLabel *label = m_figures.value(name);
    return label && label->property("aboveThreshold").toBool();
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
{
    auto *content = new QWidget(this);
    m_grid = new QGridLayout(content);
    m_grid->setSpacing(12);
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(content);
    scroll->setFrameShape(QFrame::NoFrame);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("overviewFilter"));
    m_filter->setPlaceholderText(tr("Filter flows by name"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(m_filter->fontMetrics().horizontalAdvance(m_filter->placeholderText()) + 40);
    m_filter->setMaximumWidth(320);
    connect(m_filter, &QLineEdit::textChanged, this, &OverviewPage::relayout);
    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("<b>Flows</b> — trouble first: status by Burrow's rules over the last five minutes, "
                                "then figures above threshold; click a flow for its charts"),
                             this);
    title->setWordWrap(true);
    header->addWidget(title, 1);
    header->addWidget(m_filter);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(scroll);
}

void OverviewPage::setFilter(const QString &text)
{
    m_filter->setText(text); // relayout() follows from textChanged
}

void OverviewPage::relayout()
{
    const QString filter = m_filter->text().trimmed();
    QList<models::FlowTrouble> troubles;
    for (FlowCard *card : std::as_const(m_cards)) {
        const bool shown = filter.isEmpty() || card->flow().contains(filter, Qt::CaseInsensitive);
        card->setVisible(shown);
        if (shown)
            troubles.append({card->flow(), card->status(), card->figuresAboveThreshold()});
    }
    const QStringList order = models::orderByTrouble(troubles);
    if (order == m_order)
        return; // nothing moved: no layout work on a quiet poll
    m_order = order;
    for (FlowCard *card : std::as_const(m_cards))
        m_grid->removeWidget(card);
    for (int row = 0; row < m_grid->rowCount(); ++row)
        m_grid->setRowStretch(row, 0);
    for (int n = 0; n < order.size(); ++n)
        m_grid->addWidget(m_cards.value(order[n]), n / 2, n % 2);
    m_grid->setRowStretch(int(order.size() + 1) / 2, 1);
}

void OverviewPage::apply(const QList<models::FlowFigures> &flows)
{
    for (const auto &f : flows) {
        FlowCard *card = m_cards.value(f.flow);
        if (!card) {
            card = new FlowCard(f.flow, m_history, this);
            connect(card, &FlowCard::opened, this, &OverviewPage::flowOpened);
            connect(card, &FlowCard::deadLettersOpened, this, &OverviewPage::deadLettersOpened);
            card->setThresholds(m_thresholds.value(f.flow));
            m_cards.insert(f.flow, card);
            if (m_deadLetters.contains(f.flow))
                card->applyDeadLetters(m_deadLetters.value(f.flow));
        }
        card->apply(f);
    }
    relayout();
}

void OverviewPage::clear()
{
    qDeleteAll(m_cards);
    m_cards.clear();
    m_order.clear();
    m_deadLetters.clear();
}

void OverviewPage::applyDeadLetters(const models::DeadLetterDigest &digest)
{
    m_deadLetters.insert(digest.flow(), digest);
    if (FlowCard *card = m_cards.value(digest.flow()))
        card->applyDeadLetters(digest);
}

void OverviewPage::setThresholds(const QMap<QString, QMap<QString, double>> &thresholds)
{
    m_thresholds = thresholds;
    for (FlowCard *card : std::as_const(m_cards))
        card->setThresholds(thresholds.value(card->flow()));
}

void OverviewPage::replotIfDirty()
{
    for (FlowCard *card : std::as_const(m_cards))
        card->replotIfDirty();
}

} // namespace idem::ui
