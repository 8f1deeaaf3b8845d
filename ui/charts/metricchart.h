#pragma once

// One live chart of metric history: a series per name, a time range that
// follows the newest data (or holds still when paused), an optional
// threshold line, legend entries that hide and show their series, a hover
// tooltip with the exact value and local time, and export to PNG, PDF and
// CSV. It redraws only when told it is dirty and it is visible (the owner's
// timer calls replotIfDirty at most 25 times a second).

#include "models/metrics/timeseries.h"

#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QMouseEvent;

namespace idem::ui {

class DenseCapableGraph;
class DenseGraphsLayer;

class MetricChart final : public QWidget
{
    Q_OBJECT

public:
    struct Series
    {
        QString key;   // name in the MetricHistory
        QString label; // legend text
    };

    MetricChart(const QString &title, const QString &unit, QWidget *parent = nullptr);

    void setHistory(const models::MetricHistory *history)
    {
        if (history == m_history)
            return;
        m_history = history;
        for (auto &cache : m_caches)
            cache.clear();
        m_dirty = true;
    }
    QStringList seriesKeys() const
    {
        QStringList keys;
        for (const Series &s : m_series)
            keys << s.key;
        return keys;
    }
    void setSeries(const QList<Series> &series);
    void setRangeMs(qint64 range);
    void setFollowing(bool follow);
    // A dashed line at `value`; NaN removes it.
    void setThreshold(double value, const QString &label);
    // The value axis shows percentages of a 0..1 ratio.
    void setPercent(bool percent) { m_percent = percent; }

    void markDirty() { m_dirty = true; }
    bool replotIfDirty();

    QCustomPlot *plot() const { return m_plot; }
    QString title() const { return m_title; }

    bool exportPng(const QString &path);
    bool exportPdf(const QString &path);
    // Time (ISO 8601 UTC) and one column per visible series, over the shown range.
    bool exportCsv(const QString &path) const;

    // The tooltip text for the point nearest to `pixel` on the plot, or empty.
    QString toolTipAt(const QPointF &pixel) const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuild();
    // Background, axes, grid, legend and series in the widget's palette (light or dark).
    void applyPalette();

    QString m_title;
    QString m_unit;
    QCustomPlot *m_plot = nullptr;
    const models::MetricHistory *m_history = nullptr;
    QList<Series> m_series;
    QList<DenseCapableGraph *> m_graphs;
    DenseGraphsLayer *m_dense = nullptr;
    std::vector<models::DownsampleCache> m_caches; // one per graph
    qint64 m_rangeMs = 5 * 60 * 1000;
    bool m_following = true;
    bool m_dirty = true;
    bool m_percent = false;
    double m_threshold = qQNaN();
    QString m_thresholdLabel;
};

} // namespace idem::ui
