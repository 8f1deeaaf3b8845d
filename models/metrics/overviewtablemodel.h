#pragma once

// What the Overview shows of each flow, and the table it shows when there are
// many flows. One summary per flow, computed once from its figures, its
// thresholds and its dead letters, serves both the cards and the table; the
// table lists the flows trouble first (see flowordering.h) and keeps only
// those whose name holds the filter text.
//
// Updates are coalesced: a poll that changes nothing a row shows changes no
// row, a row changes only the cells that did, and the order is laid out
// again only when it moved.

#include "models/metrics/flowmetrics.h"

#include <QAbstractTableModel>
#include <QMap>
#include <QStringList>

namespace idem::models {

class DeadLetterDigest;

// The head of a flow's dead letters: their most frequent failure, how many
// of those read, and the dead-letter topic's decode errors.
struct DeadLetterHead
{
    QString topFailure; // the failure group's label, empty when none were read
    qint64 topFailureCount = 0;
    qint64 read = -1; // -1: none read yet
    qint64 decodeErrors = 0;

    bool operator==(const DeadLetterHead &) const = default;
    static DeadLetterHead of(const DeadLetterDigest &digest);
    // "Top failure: X (3 of 12 dead letters read)" or "No dead letters read".
    QString text() const;
};

struct FlowSummary
{
    FlowFigures figures;
    // The figures above their thresholds: "lag", "retry", "errors", "dead letters".
    QStringList above;
    // "OK", or "OK · lag above threshold".
    QString statusText;
    // The status whose colour the badge takes: a status that reads well
    // beside a figure above its threshold takes WARNING's, so nobody reads
    // the flow as healthy.
    LagStatus badge = LagStatus::NotEnoughData;
    // Figures as shown: "1 204", "2.50 %", "…" before there is one.
    QString lag, retry, errors, deadLetters, errorShare;
    QString worst; // "Worst group: billing · error share 0.10 % · window 300 s" (plain text)
    DeadLetterHead deadLetterHead;

    bool operator==(const FlowSummary &) const = default;
};

// Threshold names: lag, retry_share, errors_per_minute, dead_letters.
FlowSummary summarizeFlow(const FlowFigures &figures, const QMap<QString, double> &thresholds,
                          const DeadLetterHead &deadLetters = {});
// The threshold key of a shown figure ("retry" → "retry_share").
QString thresholdKey(const QString &figure);

class OverviewTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Flow, Status, Lag, Trend, Retry, Errors, DeadLetters, Worst, Failure, ColumnCount };
    enum Role {
        BadgeRole = Qt::UserRole + 1, // int(LagStatus) the Status cell's colour follows
        AboveRole,                    // bool: the figure in this cell is above its threshold
        SeriesRole,                   // the Trend cell's series name in the metric history
        FlowRole,                     // the row's flow name
    };

    explicit OverviewTableModel(QObject *parent = nullptr);

    void apply(const QList<FlowFigures> &flows);
    void applyDeadLetters(const DeadLetterDigest &digest);
    void setThresholds(const QMap<QString, QMap<QString, double>> &thresholds);
    void setFilter(const QString &text);
    QString filter() const { return m_filter; }
    void clear();

    // Every flow known, shown or filtered out.
    qsizetype flowCount() const { return m_summaries.size(); }
    // The flows shown, in the order shown.
    QStringList order() const { return m_order; }
    const FlowSummary *summary(const QString &flow) const;
    QString flowAt(int row) const { return m_order.value(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    // The summary of these flows changed (the cards follow it).
    void summariesChanged(const QStringList &flows);
    // The order shown changed (a flow moved, came, went or was filtered).
    void orderChanged();

private:
    void reorder();
    void update(const QString &flow, FlowSummary summary, QStringList &changed);

    QMap<QString, FlowSummary> m_summaries;
    QMap<QString, QMap<QString, double>> m_thresholds;
    QMap<QString, DeadLetterHead> m_deadLetters; // kept for flows whose figures come later
    QString m_filter;
    QStringList m_order;
    QHash<QString, int> m_rows; // flow → row in m_order
};

} // namespace idem::models
