#include "models/core/statuscolours.h"
#include "ui/pages/overviewdelegate.h"

#include "models/metrics/overviewtablemodel.h"
#include "models/metrics/timeseries.h"
#include "ui/pages/overviewpage.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace idem::ui {

using Model = models::OverviewTableModel;

OverviewDelegate::OverviewDelegate(const models::MetricHistory *history, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_history(history)
{}

void OverviewDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    if (index.data(Model::AboveRole).toBool()) {
        option->font.setBold(true);
        option->palette.setColor(QPalette::Text, statusColor(models::LagStatus::Stalled));
        option->palette.setColor(QPalette::HighlightedText, statusColor(models::LagStatus::Stalled));
    }
    if (index.column() == Model::Flow)
        option->font.setBold(true);
}

void OverviewDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (index.column() == Model::Status) {
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        background.text.clear();
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &background, painter, background.widget);
        const QString text = index.data().toString();
        QFont font = option.font;
        font.setBold(true);
        const QFontMetrics metrics(font);
        const QRect cell = option.rect.adjusted(4, 3, -4, -3);
        const int width = std::min(cell.width(), metrics.horizontalAdvance(text) + 16);
        const QRect badge(cell.left(), cell.top(), width, cell.height());
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        const QColor badgeColour = statusColor(models::LagStatus(index.data(Model::BadgeRole).toInt()));
        painter->setBrush(badgeColour);
        painter->drawRoundedRect(badge, 4, 4);
        painter->setPen(models::readableTextOn(badgeColour));
        painter->setFont(font);
        painter->drawText(badge.adjusted(8, 0, -8, 0), Qt::AlignVCenter | Qt::AlignLeft,
                          metrics.elidedText(text, Qt::ElideRight, badge.width() - 16));
        painter->restore();
        return;
    }
    if (index.column() == Model::Trend) {
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &background, painter, background.widget);
        paintTrend(painter, option, index.data(Model::SeriesRole).toString());
        return;
    }
    QStyledItemDelegate::paint(painter, option, index);
}

void OverviewDelegate::paintTrend(QPainter *painter, const QStyleOptionViewItem &option, const QString &name) const
{
    const models::TimeSeries *series = m_history ? m_history->series(name) : nullptr;
    const QRectF area = QRectF(option.rect).adjusted(4, 4, -4, -4);
    if (!series || series->isEmpty() || area.width() < 4 || area.height() < 4)
        return;
    // The last ten minutes up to the series' newest point, a bucket a pixel.
    const qint64 to = series->last().t;
    const qint64 from = to - trendMs;
    const QList<models::TimePoint> points = series->downsampled(from, to, int(area.width()));
    if (points.isEmpty())
        return;
    double lo = points.first().v, hi = lo;
    for (const models::TimePoint &p : points) {
        lo = std::min(lo, p.v);
        hi = std::max(hi, p.v);
    }
    if (hi - lo < 1e-9) {
        lo -= 1;
        hi += 1;
    }
    auto x = [&](qint64 t) { return area.left() + area.width() * double(t - from) / double(trendMs); };
    auto y = [&](double v) { return area.bottom() - area.height() * (v - lo) / (hi - lo); };
    QPainterPath path;
    path.moveTo(x(points.first().t), y(points.first().v));
    for (qsizetype i = 1; i < points.size(); ++i)
        path.lineTo(x(points[i].t), y(points[i].v));
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(option.state & QStyle::State_Selected ? option.palette.highlightedText().color()
                                                                : option.palette.highlight().color(),
                         1.5));
    painter->drawPath(path);
    painter->restore();
}

} // namespace idem::ui
