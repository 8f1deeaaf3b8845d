#include "models/metrics/overviewtablemodel.h"

#include "models/envelope/deadletterdigest.h"
#include "models/metrics/flowordering.h"

#include <QCoreApplication>
#include <QLocale>

#include <climits>

namespace idem::models {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("idem::models::OverviewTableModel", text);
}

QString percent(double ratio)
{
    return ratio < 0 ? tr("…") : QLocale().toString(ratio * 100, 'f', 2) + QStringLiteral(" %");
}

const QStringList &figureNames()
{
    static const QStringList names{QStringLiteral("lag"), QStringLiteral("retry"), QStringLiteral("errors"),
                                   QStringLiteral("dead letters")};
    return names;
}

} // namespace

QString thresholdKey(const QString &figure)
{
    static const QMap<QString, QString> keys{{QStringLiteral("lag"), QStringLiteral("lag")},
                                             {QStringLiteral("retry"), QStringLiteral("retry_share")},
                                             {QStringLiteral("errors"), QStringLiteral("errors_per_minute")},
                                             {QStringLiteral("dead letters"), QStringLiteral("dead_letters")}};
    return keys.value(figure);
}

DeadLetterHead DeadLetterHead::of(const DeadLetterDigest &digest)
{
    DeadLetterHead head;
    const QList<FailureCount> failures = digest.failures();
    head.read = digest.read();
    if (!failures.isEmpty()) {
        head.topFailure = failures.first().group.label().left(120);
        head.topFailureCount = failures.first().count;
    }
    head.decodeErrors = digest.decodeErrors().failed(digest.topic());
    return head;
}

QString DeadLetterHead::text() const
{
    if (read < 0)
        return QString();
    const QLocale locale;
    QString text = topFailure.isEmpty() ? tr("No dead letters read")
                                        : tr("Top failure: %1 (%2 of %3 dead letters read)")
                                              .arg(topFailure, locale.toString(topFailureCount), locale.toString(read));
    if (decodeErrors > 0)
        text += QStringLiteral(" · ") +
                QCoreApplication::translate("idem::models::OverviewTableModel", "%n decode error(s)", nullptr,
                                            int(std::min<qint64>(decodeErrors, INT_MAX)));
    return text;
}

FlowSummary summarizeFlow(const FlowFigures &f, const QMap<QString, double> &thresholds, const DeadLetterHead &deadLetters)
{
    FlowSummary s;
    s.figures = f;
    s.deadLetterHead = deadLetters;
    const QLocale locale;
    s.lag = locale.toString(f.lag);
    s.retry = percent(f.retryShare);
    s.errorShare = percent(f.errorShare);
    s.errors = f.errorsPerMinute < 0 ? tr("…") : locale.toString(f.errorsPerMinute, 'f', 1);
    s.deadLetters = f.deadLetters < 0 ? tr("none configured") : locale.toString(f.deadLetters);
    const double values[] = {double(f.lag), f.retryShare, f.errorsPerMinute, double(f.deadLetters)};
    for (int i = 0; i < figureNames().size(); ++i) {
        const auto limit = thresholds.constFind(thresholdKey(figureNames()[i]));
        if (limit != thresholds.cend() && values[i] >= 0 && values[i] > *limit)
            s.above << figureNames()[i];
    }
    s.badge = f.status;
    s.statusText = lagStatusName(f.status);
    if (!s.above.isEmpty()) {
        s.statusText += QStringLiteral(" · ") + tr("%1 above threshold").arg(s.above.join(QStringLiteral(", ")));
        if (lagStatusSeverity(f.status) < lagStatusSeverity(LagStatus::Warning))
            s.badge = LagStatus::Warning;
    }
    if (!f.worstGroup.isEmpty()) {
        // One pass: a group named like a placeholder ("%1") prints as itself.
        s.worst = tr("Worst group: %1 · error share %2 · window %3 s")
                      .arg(f.worstGroup, s.errorShare, QString::number(f.windowMs / 1000));
    }
    return s;
}

OverviewTableModel::OverviewTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

const FlowSummary *OverviewTableModel::summary(const QString &flow) const
{
    const auto it = m_summaries.constFind(flow);
    return it == m_summaries.cend() ? nullptr : &*it;
}

void OverviewTableModel::update(const QString &flow, FlowSummary summary, QStringList &changed)
{
    auto it = m_summaries.find(flow);
    if (it != m_summaries.end() && *it == summary)
        return;
    FlowSummary before = it == m_summaries.end() ? FlowSummary{} : *it;
    m_summaries.insert(flow, summary);
    changed << flow;
    const int row = m_rows.value(flow, -1);
    if (row < 0)
        return;
    // Only the cells that changed, in one span per row.
    const QString values[][2] = {{before.statusText, summary.statusText}, {before.lag, summary.lag},
                                 {before.retry, summary.retry},           {before.errors, summary.errors},
                                 {before.deadLetters, summary.deadLetters}, {before.worst, summary.worst},
                                 {before.deadLetterHead.text(), summary.deadLetterHead.text()}};
    const Column columns[] = {Status, Lag, Retry, Errors, DeadLetters, Worst, Failure};
    int first = ColumnCount, last = -1;
    for (size_t i = 0; i < std::size(columns); ++i) {
        if (values[i][0] != values[i][1] || (i == 0 && before.badge != summary.badge) || before.above != summary.above) {
            first = std::min<int>(first, columns[i]);
            last = std::max<int>(last, columns[i]);
        }
    }
    if (last >= 0)
        emit dataChanged(index(row, first), index(row, last));
}

void OverviewTableModel::apply(const QList<FlowFigures> &flows)
{
    QStringList changed;
    for (const FlowFigures &f : flows)
        update(f.flow, summarizeFlow(f, m_thresholds.value(f.flow), m_deadLetters.value(f.flow)), changed);
    reorder();
    // Every trend got a point: one repaint of the column's visible cells.
    if (!m_order.isEmpty())
        emit dataChanged(index(0, Trend), index(int(m_order.size()) - 1, Trend));
    if (!changed.isEmpty())
        emit summariesChanged(changed);
}

void OverviewTableModel::applyDeadLetters(const DeadLetterDigest &digest)
{
    const DeadLetterHead head = DeadLetterHead::of(digest);
    m_deadLetters.insert(digest.flow(), head);
    const auto it = m_summaries.constFind(digest.flow());
    if (it == m_summaries.cend())
        return;
    QStringList changed;
    update(digest.flow(), summarizeFlow(it->figures, m_thresholds.value(digest.flow()), head), changed);
    if (!changed.isEmpty())
        emit summariesChanged(changed);
}

void OverviewTableModel::setThresholds(const QMap<QString, QMap<QString, double>> &thresholds)
{
    m_thresholds = thresholds;
    QStringList changed;
    const QStringList flows = m_summaries.keys();
    for (const QString &flow : flows) {
        const FlowSummary &s = m_summaries[flow];
        update(flow, summarizeFlow(s.figures, thresholds.value(flow), s.deadLetterHead), changed);
    }
    reorder();
    if (!changed.isEmpty())
        emit summariesChanged(changed);
}

void OverviewTableModel::setFilter(const QString &text)
{
    const QString filter = text.trimmed();
    if (filter == m_filter)
        return;
    m_filter = filter;
    reorder();
}

void OverviewTableModel::clear()
{
    beginResetModel();
    m_summaries.clear();
    m_deadLetters.clear();
    m_order.clear();
    m_rows.clear();
    endResetModel();
    emit orderChanged();
}

void OverviewTableModel::reorder()
{
    QList<FlowTrouble> troubles;
    for (auto it = m_summaries.cbegin(); it != m_summaries.cend(); ++it) {
        if (m_filter.isEmpty() || it.key().contains(m_filter, Qt::CaseInsensitive))
            troubles.append({it.key(), it->figures.status, int(it->above.size())});
    }
    const QStringList order = orderByTrouble(troubles);
    if (order == m_order)
        return; // nothing moved: no layout work on a quiet poll
    if (order.size() == m_order.size()) {
        // The same number of rows, moved: the views keep their selection.
        emit layoutAboutToBeChanged();
        const QModelIndexList persistent = persistentIndexList();
        QStringList flows;
        for (const QModelIndex &i : persistent)
            flows << m_order.value(i.row());
        m_order = order;
        m_rows.clear();
        for (int row = 0; row < m_order.size(); ++row)
            m_rows.insert(m_order[row], row);
        QModelIndexList moved;
        for (qsizetype i = 0; i < persistent.size(); ++i) {
            const int row = m_rows.value(flows[i], -1);
            moved << (row < 0 ? QModelIndex() : index(row, persistent[i].column()));
        }
        changePersistentIndexList(persistent, moved);
        emit layoutChanged();
    } else {
        beginResetModel();
        m_order = order;
        m_rows.clear();
        for (int row = 0; row < m_order.size(); ++row)
            m_rows.insert(m_order[row], row);
        endResetModel();
    }
    emit orderChanged();
}

int OverviewTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_order.size());
}

int OverviewTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OverviewTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_order.size())
        return {};
    const QString &flow = m_order[index.row()];
    const FlowSummary &s = m_summaries[flow];
    const Column column = Column(index.column());
    static const QMap<Column, QString> figureOf{{Lag, QStringLiteral("lag")},
                                                {Retry, QStringLiteral("retry")},
                                                {Errors, QStringLiteral("errors")},
                                                {DeadLetters, QStringLiteral("dead letters")}};
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Flow:
            return flow;
        case Status:
            return s.statusText;
        case Lag:
            return s.lag;
        case Trend:
            return QVariant();
        case Retry:
            return s.retry;
        case Errors:
            return s.errors;
        case DeadLetters:
            return s.deadLetters;
        case Worst:
            return s.worst;
        case Failure:
            return s.deadLetterHead.text();
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole:
        if (figureOf.contains(column)) {
            const auto limit = m_thresholds.value(flow).constFind(thresholdKey(figureOf.value(column)));
            if (limit != m_thresholds.value(flow).cend())
                return tr("threshold %1").arg(QLocale().toString(*limit));
        }
        if (column == Worst || column == Failure || column == Status)
            return data(index, Qt::DisplayRole);
        if (column == Flow)
            return tr("Double-click to open the flow's charts");
        if (column == DeadLetters)
            return tr("Double-click to list the flow's dead letters");
        return {};
    case Qt::TextAlignmentRole:
        if (column == Lag || column == Retry || column == Errors || column == DeadLetters)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case BadgeRole:
        return int(s.badge);
    case AboveRole:
        return figureOf.contains(column) && s.above.contains(figureOf.value(column));
    case SeriesRole:
        return column == Trend ? QStringLiteral("flow/%1/lag").arg(flow) : QString();
    case FlowRole:
        return flow;
    default:
        return {};
    }
}

QVariant OverviewTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Flow:
        return tr("Flow");
    case Status:
        return tr("Status");
    case Lag:
        return tr("Lag");
    case Trend:
        return tr("Lag, last 10 min");
    case Retry:
        return tr("Retry share");
    case Errors:
        return tr("Errors / min");
    case DeadLetters:
        return tr("Dead letters");
    case Worst:
        return tr("Worst group");
    case Failure:
        return tr("Top dead-letter failure");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace idem::models
