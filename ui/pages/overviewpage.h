#pragma once

// The Overview page: one card per flow with its status, the four figures
// now (lag, retry share, error rate, dead letters), a small live lag chart,
// the group that hurts most and the most frequent dead-letter failure with
// the dead-letter topic's decode errors. A click on a card opens the flow.

#include "models/envelope/deadletterdigest.h"
#include "models/metrics/flowmetrics.h"
#include "models/metrics/timeseries.h"

#include <QColor>
#include <QMap>
#include <QWidget>

class QGridLayout;
class QLabel;

class QLineEdit;

namespace idem::ui {

class MetricChart;

class FlowCard final : public QWidget
{
    Q_OBJECT

public:
    FlowCard(const QString &flow, const models::MetricHistory *history, QWidget *parent = nullptr);

    void apply(const models::FlowFigures &figures);
    void applyDeadLetters(const models::DeadLetterDigest &digest);
    QString flow() const { return m_flow; }
    // Whether a figure ("lag", "retry", "errors", "dead letters") is above its threshold.
    bool isAboveThreshold(const QString &name) const;
    // "OK", or "OK · lag above threshold" where a figure is above its threshold.
    QString statusText() const;
    QColor badgeColor() const { return m_badgeColor; } // the status badge's background
    models::LagStatus status() const { return m_statusValue; }
    int figuresAboveThreshold() const { return m_aboveCount; }
    // "lag", "retry", "errors", "dead letters", "worst", "failure"
    QString figureText(const QString &name) const;
    MetricChart *chart() const { return m_chart; } // the lag sparkline
    QList<MetricChart *> charts() const { return m_charts; } // lag, retry share, errors, dead letters
    void setThresholds(const QMap<QString, double> &thresholds);
    void replotIfDirty();

signals:
    void opened(const QString &flow);
    // A click on the dead-letter figure: the flow's dead letters, not its page.
    void deadLettersOpened(const QString &flow);

protected:
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QString m_flow;
    QMap<QString, double> m_thresholds;
    models::LagStatus m_statusValue = models::LagStatus::NotEnoughData;
    int m_aboveCount = 0;
    QLabel *m_status = nullptr;
    QColor m_badgeColor;
    QMap<QString, QLabel *> m_figures;
    MetricChart *m_chart = nullptr;
    QList<MetricChart *> m_charts;
};

class OverviewPage final : public QWidget
{
    Q_OBJECT

public:
    explicit OverviewPage(const models::MetricHistory *history, QWidget *parent = nullptr);

    void apply(const QList<models::FlowFigures> &flows);
    void applyDeadLetters(const models::DeadLetterDigest &digest);
    void setThresholds(const QMap<QString, QMap<QString, double>> &thresholds);
    void replotIfDirty();
    void clear(); // removes every card
    FlowCard *card(const QString &flow) const { return m_cards.value(flow); }
    // The flows shown, in the order shown: trouble first (lag status, then
    // figures above threshold), then by name in natural order; only those
    // whose name holds the filter text.
    QStringList shownFlows() const { return m_order; }
    void setFilter(const QString &text);

signals:
    void flowOpened(const QString &flow);
    void deadLettersOpened(const QString &flow);

private:
    void relayout(); // places the cards in trouble order, hides those filtered out

    const models::MetricHistory *m_history;
    QGridLayout *m_grid = nullptr;
    QLineEdit *m_filter = nullptr;
    QStringList m_order; // shown flows, as laid out
    QMap<QString, FlowCard *> m_cards;
    QMap<QString, QMap<QString, double>> m_thresholds;
    QMap<QString, models::DeadLetterDigest> m_deadLetters; // by flow, for cards made later
};

// Colour of a lag status badge.
QColor statusColor(models::LagStatus status);

} // namespace idem::ui
