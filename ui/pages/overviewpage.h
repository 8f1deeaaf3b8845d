#pragma once

// The Overview page: every flow with its status and the four figures now
// (lag, retry share, error rate, dead letters), trouble first. A few flows
// show as cards, each with a small live chart per figure, the group that
// hurts most and the most frequent dead-letter failure; past a dozen flows
// (or when chosen) they show as a table with one lag sparkline a row, so the
// one flow in trouble among a hundred is on the first line. Cards draw
// charts only once scrolled into view. A click on a card (a double-click on
// a row) opens the flow.

#include "models/metrics/overviewtablemodel.h"
#include "models/metrics/timeseries.h"

#include <QColor>
#include <QMap>
#include <QSet>
#include <QWidget>

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QScrollArea;
class QStackedWidget;
class QTableView;

namespace idem::models {
class DeadLetterDigest;
}

namespace idem::ui {

class MetricChart;

class FlowCard final : public QWidget
{
    Q_OBJECT

public:
    FlowCard(const QString &flow, const models::MetricHistory *history, QWidget *parent = nullptr);

    void apply(const models::FlowSummary &summary);
    QString flow() const { return m_flow; }
    // Whether a figure ("lag", "retry", "errors", "dead letters") is above its threshold.
    bool isAboveThreshold(const QString &name) const { return m_above.contains(name); }
    // "OK", or "OK · lag above threshold" where a figure is above its threshold.
    QString statusText() const;
    QColor badgeColor() const { return m_badgeColor; } // the status badge's background
    // "lag", "retry", "errors", "dead letters", "worst", "failure"
    QString figureText(const QString &name) const;
    // The small charts (lag, retry share, errors, dead letters): made the
    // first time the card is scrolled into view, empty before.
    QList<MetricChart *> charts() const { return m_charts; }
    bool hasCharts() const { return !m_charts.isEmpty(); }
    void ensureCharts();
    void setThresholds(const QMap<QString, double> &thresholds);
    void replotIfDirty();

signals:
    void opened(const QString &flow);
    // A click on the dead-letter figure: the flow's dead letters, not its page.
    void deadLettersOpened(const QString &flow);

protected:
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    void setText(const QString &name, const QString &text);

    QString m_flow;
    const models::MetricHistory *m_history;
    QMap<QString, double> m_thresholds;
    QStringList m_above;
    QLabel *m_status = nullptr;
    QColor m_badgeColor;
    QMap<QString, QLabel *> m_figures;
    QList<QWidget *> m_chartSlots;
    QList<MetricChart *> m_charts;
};

class OverviewPage final : public QWidget
{
    Q_OBJECT

public:
    enum class View { Automatic, Cards, Table };
    // Flows above which the automatic view is the table.
    static constexpr int cardsUpTo = 12;

    explicit OverviewPage(const models::MetricHistory *history, QWidget *parent = nullptr);

    void apply(const QList<models::FlowFigures> &flows);
    void applyDeadLetters(const models::DeadLetterDigest &digest);
    void setThresholds(const QMap<QString, QMap<QString, double>> &thresholds);
    void replotIfDirty();
    void clear(); // forgets every flow

    // Automatic (the default, kept in the settings) shows cards up to a
    // dozen flows and the table beyond.
    void setView(View view);
    View view() const { return m_view; }
    bool showsTable() const;
    models::OverviewTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    // The card of a flow; cards exist only while the cards are shown.
    FlowCard *card(const QString &flow) const { return m_cards.value(flow); }
    // The flows shown, in the order shown: trouble first (lag status, then
    // figures above threshold), then by name in natural order; only those
    // whose name holds the filter text.
    QStringList shownFlows() const { return m_model->order(); }
    void setFilter(const QString &text);

signals:
    void flowOpened(const QString &flow);
    void deadLettersOpened(const QString &flow);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void updateView();
    void updateCards(const QStringList &flows);
    void relayoutCards();    // places the cards in the model's order, hides those filtered out
    void scheduleChartCheck();
    void makeVisibleCharts(); // charts for the cards in view, and only those

    const models::MetricHistory *m_history;
    models::OverviewTableModel *m_model;
    View m_view = View::Automatic;
    QComboBox *m_viewChoice = nullptr;
    QLineEdit *m_filter = nullptr;
    QStackedWidget *m_stack = nullptr;
    QScrollArea *m_scroll = nullptr;
    QWidget *m_content = nullptr;
    QGridLayout *m_grid = nullptr;
    QTableView *m_table = nullptr;
    QMap<QString, QMap<QString, double>> m_thresholds;
    QStringList m_cardOrder; // as laid out
    QMap<QString, FlowCard *> m_cards;
    QSet<FlowCard *> m_inView;
    bool m_chartCheckPending = false;
};

// Colour of a lag status badge.
QColor statusColor(models::LagStatus status);

} // namespace idem::ui
