#include "models/core/statuscolours.h"
#include "ui/charts/metricchart.h"

#include "ui/charts/densegraphs.h"

#include <qcustomplot.h>

#include <QFile>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QLocale>
#include <QSaveFile>
#include <QTextStream>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace idem::ui {

namespace {


// Pixels per bucket when downsampling: two points per two pixels.
constexpr int kPixelsPerBucket = 2;

} // namespace

MetricChart::MetricChart(const QString &title, const QString &unit, QWidget *parent)
    : QWidget(parent)
    , m_title(title)
    , m_unit(unit)
{
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(title);
    m_plot->setMinimumHeight(160);
    m_dense = new DenseGraphsLayer(m_plot);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, title, QFont(font().family(), -1, QFont::Bold)));
    auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
    ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
    ticker->setDateTimeSpec(Qt::LocalTime);
    ticker->setTickCount(4);
    m_plot->xAxis->setTicker(ticker);
    m_plot->yAxis->setLabel(unit);
    m_plot->legend->setVisible(true);
    m_plot->legend->setSelectableParts(QCPLegend::spItems);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    // A compact legend: four long entries still fit a third of the window.
    QFont legendFont = font();
    legendFont.setPointSizeF(std::max(7.0, legendFont.pointSizeF() - 1.5));
    m_plot->legend->setFont(legendFont);
    m_plot->legend->setIconSize(16, 8);
    m_plot->legend->setRowSpacing(0);
    m_plot->setInteractions(QCP::iSelectLegend);
    // A click on a legend entry hides or shows its series.
    connect(m_plot, &QCustomPlot::legendClick, this, [this](QCPLegend *, QCPAbstractLegendItem *item, QMouseEvent *) {
        if (auto *plItem = qobject_cast<QCPPlottableLegendItem *>(item)) {
            QCPAbstractPlottable *p = plItem->plottable();
            p->setVisible(!p->visible());
            plItem->setTextColor(palette().color(p->visible() ? QPalette::Active : QPalette::Disabled, QPalette::Text));
            m_dirty = true;
            replotIfDirty();
        }
    });
    applyPalette();
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        const QString tip = toolTipAt(event->position());
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
    });
    // Right click: export what the chart shows.
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_plot, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu(this);
        const QString stem = QString(m_title).replace(QLatin1Char(' '), QLatin1Char('-')).toLower();
        auto exportAs = [this, stem](const QString &suffix, const QString &filter, auto method) {
            const QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(m_title), stem + suffix, filter);
            if (path.isEmpty())
                return;
            if (!(this->*method)(path))
                QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1.").arg(path));
        };
        menu.addAction(tr("Export PNG…"), this, [=, this] { exportAs(QStringLiteral(".png"), tr("PNG images (*.png)"), &MetricChart::exportPng); });
        menu.addAction(tr("Export PDF…"), this, [=, this] { exportAs(QStringLiteral(".pdf"), tr("PDF documents (*.pdf)"), &MetricChart::exportPdf); });
        menu.addAction(tr("Export CSV…"), this, [=, this] {
            const QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(m_title), stem + QStringLiteral(".csv"),
                                                              tr("CSV files (*.csv)"));
            if (!path.isEmpty() && !exportCsv(path))
                QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1.").arg(path));
        });
        menu.exec(m_plot->mapToGlobal(pos));
    });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
}

void MetricChart::setSeries(const QList<Series> &series)
{
    bool same = series.size() == m_series.size();
    for (int i = 0; same && i < series.size(); ++i)
        same = series[i].key == m_series[i].key && series[i].label == m_series[i].label;
    if (same)
        return;
    m_series = series;
    rebuild();
}

void MetricChart::rebuild()
{
    m_plot->clearGraphs();
    m_graphs.clear();
    m_caches.assign(size_t(m_series.size()), {});
    for (int i = 0; i < m_series.size(); ++i) {
        auto *g = new DenseCapableGraph(m_plot->xAxis, m_plot->yAxis);
        g->setName(m_series[i].label);
        g->setPen(QPen(models::seriesColour(int(i), palette()), 2));
        g->setLineStyle(QCPGraph::lsStepLeft);
        m_graphs << g;
    }
    m_dense->setGraphs(m_graphs);
    m_dirty = true;
}

void MetricChart::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        for (int i = 0; i < m_graphs.size(); ++i) {
            QPen pen = m_graphs[i]->pen();
            pen.setColor(models::seriesColour(i, palette()));
            m_graphs[i]->setPen(pen);
        }
        m_dirty = true;
    }
}

void MetricChart::applyPalette()
{
    const QPalette p = palette();
    const QColor text = p.color(QPalette::Text);
    const QColor grid = p.color(QPalette::Mid);
    m_plot->setBackground(p.brush(QPalette::Base));
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->yAxis, m_plot->xAxis2, m_plot->yAxis2}) {
        axis->setBasePen(QPen(text, 0));
        axis->setTickPen(QPen(text, 0));
        axis->setSubTickPen(QPen(text, 0));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(grid, 0));
    }
    QColor legendBackground = p.color(QPalette::Base);
    legendBackground.setAlpha(190); // the data shows through
    m_plot->legend->setBrush(legendBackground);
    m_plot->legend->setBorderPen(QPen(grid));
    m_plot->legend->setTextColor(text);
    if (auto *title = qobject_cast<QCPTextElement *>(m_plot->plotLayout()->element(0, 0)))
        title->setTextColor(p.color(QPalette::WindowText));
}

void MetricChart::setRangeMs(qint64 range)
{
    m_rangeMs = std::max<qint64>(range, 1000);
    m_dirty = true;
}

void MetricChart::setFollowing(bool follow)
{
    m_following = follow;
    m_dirty = true;
}

void MetricChart::setThreshold(double value, const QString &label)
{
    m_threshold = value;
    m_thresholdLabel = label;
    m_dirty = true;
}

bool MetricChart::replotIfDirty()
{
    if (!m_dirty || !isVisible() || !m_history)
        return false;
    m_dirty = false;
    qint64 newest = 0;
    for (const auto &s : m_series) {
        if (const auto *ts = m_history->series(s.key); ts && !ts->isEmpty())
            newest = std::max(newest, ts->last().t);
    }
    if (!m_following) {
        // Paused: the range stays where it was.
        newest = qint64(m_plot->xAxis->range().upper * 1000);
    }
    const qint64 from = newest - m_rangeMs;
    const int buckets = std::max(16, m_plot->axisRect()->width() / kPixelsPerBucket);
    double maxValue = 0;
    qsizetype drawn = 0;
    for (int i = 0; i < m_series.size(); ++i) {
        QVector<double> keys, values;
        if (const auto *ts = m_history->series(m_series[i].key)) {
            for (const auto &p : ts->downsampled(from, newest, buckets, &m_caches[size_t(i)])) {
                keys << p.t / 1000.0;
                values << (m_percent ? p.v * 100.0 : p.v);
                if (m_graphs[i]->visible())
                    maxValue = std::max(maxValue, values.back());
            }
        }
        drawn += keys.size();
        m_graphs[i]->setData(keys, values, true);
    }
    // Dense charts (long ranges, many series) are drawn with thin, aliased
    // lines, written straight into the plot area's pixels on screen.
    const bool dense = drawn > 4000;
    for (DenseCapableGraph *g : std::as_const(m_graphs)) {
        QPen pen = g->pen();
        pen.setWidthF(dense ? 1.0 : 2.0);
        g->setPen(pen);
        g->setAntialiased(!dense);
        g->setDrawnElsewhere(dense);
    }
    if (!std::isnan(m_threshold))
        maxValue = std::max(maxValue, m_percent ? m_threshold * 100 : m_threshold);
    m_plot->xAxis->setRange(from / 1000.0, newest / 1000.0);
    if (auto ticker = m_plot->xAxis->ticker().dynamicCast<QCPAxisTickerDateTime>())
        ticker->setDateTimeFormat(m_rangeMs > 6LL * 3600 * 1000 ? QStringLiteral("ddd HH:mm")
                                  : m_rangeMs > 2LL * 60 * 1000  ? QStringLiteral("HH:mm")
                                                                 : QStringLiteral("HH:mm:ss"));
    m_plot->yAxis->setRange(0, std::max(1.0, maxValue * 1.15));

    // The threshold is redrawn with the axes so it always spans the chart.
    for (int i = m_plot->itemCount() - 1; i >= 0; --i)
        m_plot->removeItem(i);
    if (!std::isnan(m_threshold)) {
        const double y = m_percent ? m_threshold * 100 : m_threshold;
        auto *line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(from / 1000.0, y);
        line->point2->setCoords(newest / 1000.0, y);
        line->setPen(QPen(models::statusColour(models::StatusColour::Error, palette()), 1, Qt::DashLine));
        auto *text = new QCPItemText(m_plot);
        text->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        text->position->setCoords(newest / 1000.0, y);
        text->setText(m_thresholdLabel);
        text->setColor(models::statusColour(models::StatusColour::Error, palette()));
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    return true;
}

QString MetricChart::toolTipAt(const QPointF &pixel) const
{
    const QCPGraph *best = nullptr;
    double bestDistance = 12; // pixels
    QCPGraphData bestPoint;
    for (const QCPGraph *g : m_graphs) {
        if (!g->visible() || g->data()->isEmpty())
            continue;
        const double key = m_plot->xAxis->pixelToCoord(pixel.x());
        auto it = g->data()->findBegin(key);
        for (int k = 0; k < 2 && it != g->data()->constEnd(); ++k, ++it) {
            const QPointF at(m_plot->xAxis->coordToPixel(it->key), m_plot->yAxis->coordToPixel(it->value));
            const double d = std::hypot(at.x() - pixel.x(), at.y() - pixel.y());
            if (d < bestDistance) {
                bestDistance = d;
                best = g;
                bestPoint = *it;
            }
        }
    }
    if (!best)
        return {};
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(qint64(bestPoint.key * 1000)).toLocalTime();
    const QString value = m_percent ? QStringLiteral("%1 %").arg(QLocale().toString(bestPoint.value, 'f', 2))
                                    : QLocale().toString(bestPoint.value, 'f', bestPoint.value == std::floor(bestPoint.value) ? 0 : 2);
    return tr("%1\n%2 %3\n%4").arg(best->name(), value, m_percent ? QString() : m_unit,
                                   QLocale().toString(at, QStringLiteral("yyyy-MM-dd HH:mm:ss t")));
}

bool MetricChart::exportPng(const QString &path)
{
    return m_plot->savePng(path, 0, 0, 2.0);
}

bool MetricChart::exportPdf(const QString &path)
{
    return m_plot->savePdf(path);
}

bool MetricChart::exportCsv(const QString &path) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return false;
    QTextStream out(&file);
    // One row per time any visible series has a point; empty cells elsewhere.
    QMap<double, QVector<QString>> rows;
    QStringList header{QStringLiteral("time_utc")};
    int column = 0;
    for (const QCPGraph *g : m_graphs) {
        if (!g->visible())
            continue;
        header << QLatin1Char('"') + QString(g->name()).replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            auto &row = rows[it->key];
            row.resize(std::max<qsizetype>(row.size(), column + 1));
            row[column] = QString::number(m_percent ? it->value / 100.0 : it->value, 'g', 12);
        }
        ++column;
    }
    out << header.join(QLatin1Char(',')) << '\n';
    for (auto it = rows.cbegin(); it != rows.cend(); ++it) {
        QVector<QString> cells = it.value();
        cells.resize(column);
        out << QDateTime::fromMSecsSinceEpoch(qint64(it.key() * 1000), Qt::UTC).toString(Qt::ISODateWithMs) << ','
            << QStringList(cells.begin(), cells.end()).join(QLatin1Char(',')) << '\n';
    }
    out.flush();
    return file.commit();
}

} // namespace idem::ui
