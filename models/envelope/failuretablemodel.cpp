#include "models/envelope/failuretablemodel.h"

#include "models/core/untrustedtext.h"

#include <QLocale>

namespace idem::models {

FailureTableModel::FailureTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void FailureTableModel::applyDigest(const DeadLetterDigest &digest)
{
    auto it = m_digests.find(digest.flow());
    if (it != m_digests.end() && *it == digest)
        return;
    m_digests.insert(digest.flow(), digest);
    if (digest.flow() == m_flow)
        reload();
}

void FailureTableModel::clear()
{
    m_digests.clear();
    reload();
}

void FailureTableModel::showFlow(const QString &flow)
{
    if (flow == m_flow)
        return;
    m_flow = flow;
    reload();
}

void FailureTableModel::reload()
{
    const DeadLetterDigest d = m_digests.value(m_flow);
    const QList<FailureCount> rows = d.failures();
    // Same groups in the same order: only the figures change.
    bool sameRows = rows.size() == m_rows.size();
    for (qsizetype i = 0; sameRows && i < rows.size(); ++i)
        sameRows = rows[i].group.key == m_rows[i].group.key;
    if (sameRows) {
        m_rows = rows;
        m_read = d.read();
        if (!m_rows.isEmpty())
            emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = rows;
    m_read = d.read();
    endResetModel();
}

int FailureTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FailureTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FailureTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const FailureCount &f = m_rows.at(index.row());
    const double share = m_read > 0 ? double(f.count) / double(m_read) : 0.0;
    if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Failure:
            // Dead letters are written by anyone: shown as text, never as HTML.
            return plainTextToolTip(f.group.cause.isEmpty()
                                        ? f.group.label()
                                        : QStringLiteral("%1\n%2").arg(f.group.label(), f.group.cause));
        case ExampleError:
            return plainTextToolTip(f.exampleError);
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole)
        return index.column() == Count || index.column() == Share ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                  : QVariant();
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    const bool sort = role == SortRole;
    switch (index.column()) {
    case Failure:
        return f.group.basis == FailureGroup::Basis::None ? tr("(no error recorded)") : f.group.label();
    case Count:
        return sort ? QVariant(f.count) : QVariant(QLocale().toString(f.count));
    case Share:
        return sort ? QVariant(share) : QVariant(QStringLiteral("%1 %").arg(QLocale().toString(share * 100, 'f', 1)));
    case ConsumerGroups:
        return f.consumerGroupsText();
    case FirstSeen:
    case Newest: {
        const QDateTime &at = index.column() == FirstSeen ? f.oldest : f.newest;
        if (sort)
            return at;
        return at.isValid() ? QLocale().toString(at.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QString();
    }
    case ExampleEvent:
        return f.exampleEventId;
    case ExampleError:
        return capUntrusted(QString(f.exampleError).replace(QLatin1Char('\n'), QLatin1Char(' ')), 200);
    default:
        return {};
    }
}

QVariant FailureTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Failure:
        return tr("Failure");
    case Count:
        return tr("Dead letters");
    case Share:
        return tr("Share");
    case ConsumerGroups:
        return tr("Consumer groups");
    case FirstSeen:
        return tr("First seen");
    case Newest:
        return tr("Last seen");
    case ExampleEvent:
        return tr("Example event");
    case ExampleError:
        return tr("Example error");
    default:
        return {};
    }
}

} // namespace idem::models
