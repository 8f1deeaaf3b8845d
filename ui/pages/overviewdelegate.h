#pragma once

// How the Overview's table draws its cells: the status as a coloured badge,
// figures above their thresholds in red, and each flow's lag over the last
// ten minutes as a sparkline drawn straight from the metric history (no
// chart widget per row, and only for the rows on screen).

#include <QStyledItemDelegate>

namespace idem::models {
class MetricHistory;
}

namespace idem::ui {

class OverviewDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    OverviewDelegate(const models::MetricHistory *history, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The sparkline's span.
    static constexpr qint64 trendMs = 10 * 60 * 1000;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    void paintTrend(QPainter *painter, const QStyleOptionViewItem &option, const QString &series) const;

    const models::MetricHistory *m_history;
};

} // namespace idem::ui
