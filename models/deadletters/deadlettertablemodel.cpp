#include "models/core/statuscolours.h"
#include "models/deadletters/deadlettertablemodel.h"

#include "models/core/untrustedtext.h"

#include <QBrush>
#include <QColor>

#include <algorithm>

namespace idem::models {

DeadLetterTableModel::DeadLetterTableModel(DeadLetterSource *source, QObject *parent)
    : QAbstractTableModel(parent)
    , m_source(source)
{
    m_fetchTimer.setSingleShot(true);
    m_fetchTimer.setInterval(0);
    connect(&m_fetchTimer, &QTimer::timeout, this, &DeadLetterTableModel::fetchWanted);
    if (source) {
        connect(source, &DeadLetterSource::layoutReady, this, &DeadLetterTableModel::onLayout);
        connect(source, &DeadLetterSource::rowsReady, this, &DeadLetterTableModel::onRows);
        connect(source, &DeadLetterSource::processedReady, this, &DeadLetterTableModel::onProcessed);
    }
}

DeadLetterTableModel::~DeadLetterTableModel()
{
    if (m_source) {
        for (auto it = m_inFlight.cbegin(); it != m_inFlight.cend(); ++it)
            m_source->cancel(it.key());
        for (auto it = m_processedInFlight.cbegin(); it != m_processedInFlight.cend(); ++it)
            m_source->cancel(it.key());
    }
}

void DeadLetterTableModel::open(const QString &flow)
{
    beginResetModel();
    m_flow = flow;
    m_layout = DeadLetterLayout{flow, {}, {}, {}};
    m_order = DeadLetterOrder();
    m_filtered = false;
    m_loadedOnly = false;
    m_timeOrder.reset();
    m_matches.clear();
    m_processed.clear();
    resetRows();
    endResetModel();
    refresh();
}

void DeadLetterTableModel::refresh()
{
    if (m_source && !m_flow.isEmpty())
        m_layoutTicket = m_source->requestLayout(m_flow);
}

void DeadLetterTableModel::resetRows()
{
    if (m_source) {
        for (auto it = m_inFlight.cbegin(); it != m_inFlight.cend(); ++it)
            m_source->cancel(it.key());
    }
    m_inFlight.clear();
    m_pages.clear();
    m_wanted.clear();
    m_wantedSet.clear();
}

void DeadLetterTableModel::onLayout(quint64 ticket, const DeadLetterLayout &layout)
{
    if (ticket != m_layoutTicket)
        return;
    m_layoutTicket = 0;
    beginResetModel();
    m_layout = layout;
    m_order = DeadLetterOrder(layout.topic, layout.partitions);
    resetRows();
    endResetModel();
    emit opened(layout);
}

void DeadLetterTableModel::showMatches(const DeadLetterScan &scan)
{
    beginResetModel();
    m_filtered = true;
    m_loadedOnly = false;
    m_matches = scan.matches;
    m_timeOrder = Qt::DescendingOrder; // a scan's matches come newest first
    resetRows();
    endResetModel();
}

void DeadLetterTableModel::showAll()
{
    beginResetModel();
    m_filtered = false;
    m_loadedOnly = false;
    m_timeOrder.reset();
    m_matches.clear();
    resetRows();
    endResetModel();
}

void DeadLetterTableModel::sort(int column, Qt::SortOrder order)
{
    if (column == DeadLetteredAt)
        sortByTime(order);
}

void DeadLetterTableModel::sortByTime(Qt::SortOrder order)
{
    // Every row already read, to be shown again without reading it twice.
    QHash<DeadLetterRef, DeadLetterRow> known;
    for (const Page &page : std::as_const(m_pages)) {
        for (const auto &row : page.rows) {
            if (row)
                known.insert(row->ref, *row);
        }
    }
    QList<ScanMatch> rows;
    if (listed()) {
        rows = m_matches;
    } else {
        rows.reserve(known.size());
        for (const DeadLetterRow &row : std::as_const(known))
            rows.append({row.ref.partition, row.ref.offset, row.timestampMs});
    }
    const bool ascending = order == Qt::AscendingOrder;
    std::sort(rows.begin(), rows.end(), [ascending](const ScanMatch &a, const ScanMatch &b) {
        if (a.timestampMs != b.timestampMs)
            return ascending ? a.timestampMs < b.timestampMs : a.timestampMs > b.timestampMs;
        if (a.partition != b.partition)
            return a.partition < b.partition;
        return ascending ? a.offset < b.offset : a.offset > b.offset;
    });
    beginResetModel();
    m_loadedOnly = !m_filtered;
    m_matches = rows;
    m_timeOrder = order;
    resetRows();
    // Pages whose every row was read already are filled at once.
    for (qint64 page = 0; page * PageSize < m_matches.size(); ++page) {
        Page p;
        bool complete = true;
        for (const DeadLetterRef &ref : pageRefs(page)) {
            const auto it = known.constFind(ref);
            if (it == known.constEnd()) {
                complete = false;
                break;
            }
            p.rows.append(*it);
        }
        if (!complete || m_pages.size() >= MaxCachedPages)
            continue;
        p.used = ++m_use;
        m_pages.insert(page, std::move(p));
    }
    endResetModel();
}

int DeadLetterTableModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    const qint64 n = listed() ? m_matches.size() : m_order.size();
    return int(std::min<qint64>(n, std::numeric_limits<int>::max()));
}

int DeadLetterTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

DeadLetterRef DeadLetterTableModel::refAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    if (listed()) {
        const ScanMatch &m = m_matches[row];
        return {m_layout.topic, m.partition, m.offset};
    }
    return m_order.at(row);
}

QList<DeadLetterRef> DeadLetterTableModel::refs(const QModelIndexList &indexes) const
{
    QList<int> rows;
    for (const QModelIndex &i : indexes)
        rows << i.row();
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    QList<DeadLetterRef> out;
    for (int r : std::as_const(rows))
        out << refAt(r);
    return out;
}

QList<DeadLetterRef> DeadLetterTableModel::pageRefs(qint64 page) const
{
    const qint64 first = page * PageSize;
    if (!listed())
        return m_order.refs(first, PageSize);
    QList<DeadLetterRef> out;
    for (qint64 r = first; r < std::min<qint64>(first + PageSize, m_matches.size()); ++r)
        out << DeadLetterRef{m_layout.topic, m_matches[r].partition, m_matches[r].offset};
    return out;
}

std::optional<DeadLetterRow> DeadLetterTableModel::rowAt(int row) const
{
    const auto it = m_pages.find(row / PageSize);
    if (it == m_pages.end())
        return std::nullopt;
    it->used = ++m_use;
    const qsizetype i = row % PageSize;
    return i < it->rows.size() ? it->rows[i] : std::nullopt;
}

void DeadLetterTableModel::want(qint64 page) const
{
    // A view asks for the rows it paints, a page many times over: cheap when known.
    if (!m_wanted.isEmpty() && m_wanted.last() == page)
        return;
    if (m_wantedSet.contains(page))
        return;
    m_wantedSet.insert(page);
    m_wanted.append(page);
    if (!m_fetchTimer.isActive())
        m_fetchTimer.start();
}

void DeadLetterTableModel::fetchWanted()
{
    if (!m_source)
        return;
    // The pages asked for last are the ones on screen: those go first, and
    // requests for pages scrolled past are dropped.
    // Only the latest few: a walk over every row (a test, a select-all) does
    // not queue a read of the whole topic.
    const QList<qint64> wanted = m_wanted.mid(std::max<qsizetype>(0, m_wanted.size() - MaxPagesInFlight));
    m_wanted.clear();
    m_wantedSet.clear();
    for (auto it = wanted.crbegin(); it != wanted.crend(); ++it) {
        const qint64 page = *it;
        if (m_pages.contains(page) || std::find(m_inFlight.cbegin(), m_inFlight.cend(), page) != m_inFlight.cend())
            continue;
        const QList<DeadLetterRef> refs = pageRefs(page);
        if (refs.isEmpty())
            continue;
        if (m_inFlight.size() >= MaxPagesInFlight) {
            // Cancel the oldest request still waiting.
            quint64 first = m_inFlight.cbegin().key();
            for (auto i = m_inFlight.cbegin(); i != m_inFlight.cend(); ++i)
                first = std::min(first, i.key());
            m_source->cancel(first);
            m_inFlight.remove(first);
        }
        m_inFlight.insert(m_source->requestRows(m_flow, refs), page);
    }
}

void DeadLetterTableModel::onRows(quint64 ticket, const QList<DeadLetterRow> &rows, const QString &error)
{
    const auto it = m_inFlight.find(ticket);
    if (it == m_inFlight.end())
        return;
    const qint64 page = *it;
    m_inFlight.erase(it);
    const QList<DeadLetterRef> refs = pageRefs(page);
    QHash<DeadLetterRef, const DeadLetterRow *> byRef;
    for (const DeadLetterRow &r : rows)
        byRef.insert(r.ref, &r);
    Page p;
    p.error = error;
    p.used = ++m_use;
    QHash<QString, QString> ask;
    for (const DeadLetterRef &ref : refs) {
        const DeadLetterRow *r = byRef.value(ref);
        p.rows.append(r ? std::optional<DeadLetterRow>(*r) : std::nullopt);
        if (r && !r->eventId.isEmpty() && !m_processed.contains(r->eventId))
            ask.insert(r->eventId, r->originalTopic);
    }
    if (m_pages.size() >= MaxCachedPages) {
        auto lru = m_pages.begin();
        for (auto i = m_pages.begin(); i != m_pages.end(); ++i) {
            if (i->used < lru->used)
                lru = i;
        }
        m_pages.erase(lru);
    }
    m_pages.insert(page, std::move(p));
    const int first = int(page * PageSize);
    const int last = std::min(rowCount(), first + PageSize) - 1;
    if (last >= first)
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    if (!ask.isEmpty() && m_source) {
        if (m_processed.size() > MaxProcessedCached)
            m_processed.clear();
        for (auto i = ask.cbegin(); i != ask.cend(); ++i)
            m_processed.insert(i.key(), ProcessedState{});
        m_processedInFlight.insert(m_source->requestProcessed(m_flow, ask), page);
    }
    emit pageLoaded(first);
}

void DeadLetterTableModel::onProcessed(quint64 ticket, const QHash<QString, ProcessedState> &states)
{
    const auto it = m_processedInFlight.find(ticket);
    if (it == m_processedInFlight.end())
        return;
    const qint64 page = *it;
    m_processedInFlight.erase(it);
    for (auto i = states.cbegin(); i != states.cend(); ++i)
        m_processed.insert(i.key(), i.value());
    // The column of the page that asked is redrawn; other cached pages with
    // the same events (rare) show theirs at their next repaint.
    const int first = int(page * PageSize);
    const int last = std::min(rowCount(), first + PageSize) - 1;
    if (last >= first && m_pages.contains(page))
        emit dataChanged(index(first, Processed), index(last, Processed));
    emit processedLoaded();
}

QVariant DeadLetterTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const int row = index.row();
    const qint64 pageNo = row / PageSize;
    const auto it = m_pages.find(pageNo);
    if (it == m_pages.end()) {
        if (role == Qt::DisplayRole) {
            want(pageNo);
            if (index.column() == Position)
                return refAt(row).text();
            return index.column() == DeadLetteredAt ? QStringLiteral("…") : QString();
        }
        return {};
    }
    it->used = ++m_use;
    const qsizetype i = row % PageSize;
    const std::optional<DeadLetterRow> &r = i < it->rows.size() ? it->rows[i] : std::optional<DeadLetterRow>();
    if (!r) {
        if (role == Qt::DisplayRole) {
            if (index.column() == Position)
                return refAt(row).text();
            if (index.column() == Error)
                return it->error.isEmpty() ? tr("no longer retained") : tr("not read: %1").arg(it->error);
        }
        return {};
    }
    const int column = index.column();
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (column) {
        case DeadLetteredAt:
            return r->timestampMs >= 0 ? r->deadLetteredAt().toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz t"))
                                       : QString();
        case EventId:
            return r->eventId;
        case EntityKey:
            return r->entityKey;
        case Type:
            return r->typeAndVersion();
        case Error:
            return capUntrusted(r->errorText(), 300);
        case Failure:
            return r->failureLabel;
        case Attempts:
            return r->attempts ? QVariant(*r->attempts) : QVariant();
        case ConsumerGroup:
            return r->consumerGroup;
        case Origin:
            return r->originText();
        case Processed:
            return r->eventId.isEmpty() ? tr("unknown: no event_id") : m_processed.value(r->eventId).text();
        case Position:
            return r->ref.text();
        }
    }
    if (role == Qt::ToolTipRole && column == Error)
        return plainTextToolTip(r->errorText());
    if (role == Qt::ForegroundRole && column == Error && !r->problems.isEmpty())
        return QBrush(statusColour(StatusColour::Error));
    if (role == Qt::ForegroundRole && column == Processed) {
        const auto kind = m_processed.value(r->eventId).kind;
        if (kind == ProcessedState::Kind::Processed)
            return QBrush(statusColour(StatusColour::Ok));
        if (kind == ProcessedState::Kind::Unknown)
            return QBrush(statusColour(StatusColour::Warning));
    }
    if (role == Qt::TextAlignmentRole && column == Attempts)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant DeadLetterTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == DeadLetteredAt)
        return tr("Click to sort by dead-lettered time: every match of a filter, else the rows loaded so far");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case DeadLetteredAt:
        return tr("Dead-lettered at");
    case EventId:
        return tr("event_id");
    case EntityKey:
        return tr("Entity key");
    case Type:
        return tr("Type");
    case Error:
        return tr("Error");
    case Failure:
        return tr("Failure group");
    case Attempts:
        return tr("Attempts");
    case ConsumerGroup:
        return tr("Failing group");
    case Origin:
        return tr("Original topic[partition]@offset");
    case Processed:
        return tr("Already processed?");
    case Position:
        return tr("Topic:partition:offset");
    }
    return {};
}

} // namespace idem::models
