#include "models/reconcile/reconciletablemodel.h"

#include "models/core/statuscolours.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

namespace idem::models {

void ReconcileTableModel::setReport(const ReconcileReport &report)
{
    beginResetModel();
    m_report = report;
    endResetModel();
}

std::optional<ReconcileClass> ReconcileTableModel::classOf(int column)
{
    if (column >= FirstClass && column < Verdict)
        return ReconcileClass(column - FirstClass);
    return std::nullopt;
}

int ReconcileTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_report.groups.size());
}

int ReconcileTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ReconcileTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_report.groups.size())
        return {};
    const GroupReconcile &g = m_report.groups[index.row()];
    const auto cls = classOf(index.column());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Group:
            return g.group;
        case Store:
            return g.store;
        case SourceEvents:
            return QLocale().toString(g.sourceEvents);
        case Copies:
            return QLocale().toString(g.copies);
        case Verdict:
            return g.verdict;
        default:
            if (!g.checked())
                return QStringLiteral("—");
            return QLocale().toString(g.of(*cls).count);
        }
    }
    if (role == Qt::ToolTipRole && (index.column() == Verdict || !g.checked()))
        return g.verdict;
    if (role == Qt::TextAlignmentRole && index.column() >= SourceEvents && index.column() < Verdict)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && cls && g.checked()
        && (*cls == ReconcileClass::Missing || *cls == ReconcileClass::Extra) && g.of(*cls).count > 0)
        return QBrush(statusColour(StatusColour::Error));
    if (role == Qt::ForegroundRole && index.column() == Verdict)
        return QBrush(statusColour(g.reconciled() ? StatusColour::Ok : StatusColour::Error));
    if (role == Qt::UserRole && cls && g.checked())
        return g.of(*cls).count; // for sorting and tests
    return {};
}

QVariant ReconcileTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Group:
        return tr("Group");
    case Store:
        return tr("Store");
    case SourceEvents:
        return tr("Source events");
    case Copies:
        return tr("Copies");
    case Verdict:
        return tr("Verdict");
    default:
        if (const auto cls = classOf(section))
            return tr(qPrintable(reconcileClassTitle(*cls)));
    }
    return {};
}

} // namespace idem::models
