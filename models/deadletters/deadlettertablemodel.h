#pragma once

// The dead letters of one flow as a table, in the style of Wireshark's packet
// list: the row count comes from the topic's watermarks, and rows are read
// and decoded only when a view asks for them, a page of consecutive rows at a
// time, through the DeadLetterSource. A bounded cache keeps the pages seen
// last; the whole topic is never in memory. Rows not read yet show "…" and
// fill in when their page arrives. "Already processed?" is asked of the
// stores once a page arrives (one batch per page) and cached by event_id.
//
// Newest first (DeadLetterOrder); after a filter run, the matches in
// dead-lettered time order, newest first. Sorting by dead-lettered time
// orders every match of a filter run (their times are known) or, without
// one, the rows loaded so far, which then are the rows shown: a lazy model
// cannot order what it has not read, and says so rather than pretend.

#include "models/deadletters/deadlettersource.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <optional>

namespace idem::models {

class DeadLetterTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        DeadLetteredAt,
        EventId,
        EntityKey,
        Type,
        Error,
        Failure,
        Attempts,
        ConsumerGroup,
        Origin,
        Processed,
        Position,
        ColumnCount
    };
    static constexpr int PageSize = 100;
    static constexpr int MaxCachedPages = 64; // 6 400 rows
    static constexpr int MaxPagesInFlight = 6;
    static constexpr int MaxProcessedCached = 200'000;

    explicit DeadLetterTableModel(DeadLetterSource *source, QObject *parent = nullptr);
    ~DeadLetterTableModel() override;

    // Opens `flow`'s dead-letter topic: asks for its layout, then shows every
    // retained dead letter.
    void open(const QString &flow);
    // Asks for the layout again (new dead letters, retention moved).
    void refresh();
    // Shows the matches of a filter run of this flow; showAll() returns to every dead letter.
    void showMatches(const DeadLetterScan &scan);
    void showAll();
    bool isFiltered() const { return m_filtered; }

    // Sorts by dead-lettered time (the record's timestamp; ties by partition,
    // then offset in the same direction): the matches after a filter run,
    // else the rows loaded so far (showsLoadedOnly()). showAll() undoes it.
    void sortByTime(Qt::SortOrder order);
    // The time order shown: none while every dead letter is shown by position.
    std::optional<Qt::SortOrder> timeOrder() const { return m_timeOrder; }
    bool showsLoadedOnly() const { return m_loadedOnly; }
    // Column DeadLetteredAt sorts by time; the others keep the order.
    void sort(int column, Qt::SortOrder order) override;

    QString flow() const { return m_flow; }
    const DeadLetterLayout &layout() const { return m_layout; }
    // Where row `row` is, known without reading it.
    DeadLetterRef refAt(int row) const;
    QList<DeadLetterRef> refs(const QModelIndexList &indexes) const;
    // The decoded row when its page is loaded.
    std::optional<DeadLetterRow> rowAt(int row) const;
    ProcessedState processed(const QString &eventId) const { return m_processed.value(eventId); }
    int cachedPages() const { return int(m_pages.size()); }
    int pagesInFlight() const { return int(m_inFlight.size()); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    void opened(const idem::models::DeadLetterLayout &layout);
    // A page of rows arrived (first row of it).
    void pageLoaded(int firstRow);
    void processedLoaded();

private:
    struct Page
    {
        QList<std::optional<DeadLetterRow>> rows; // nullopt: no longer retained
        QString error;
        quint64 used = 0;
    };
    void want(qint64 page) const;
    void fetchWanted();
    QList<DeadLetterRef> pageRefs(qint64 page) const;
    void onLayout(quint64 ticket, const DeadLetterLayout &layout);
    void onRows(quint64 ticket, const QList<DeadLetterRow> &rows, const QString &error);
    void onProcessed(quint64 ticket, const QHash<QString, ProcessedState> &states);
    void resetRows();
    bool listed() const { return m_filtered || m_loadedOnly; } // rows are m_matches

    QPointer<DeadLetterSource> m_source;
    QString m_flow;
    DeadLetterLayout m_layout;
    DeadLetterOrder m_order;
    bool m_filtered = false;
    bool m_loadedOnly = false;
    std::optional<Qt::SortOrder> m_timeOrder;
    QList<ScanMatch> m_matches;
    quint64 m_layoutTicket = 0;

    mutable QHash<qint64, Page> m_pages;
    mutable quint64 m_use = 0;
    mutable QList<qint64> m_wanted; // pages asked for since the last fetch, latest last
    mutable QSet<qint64> m_wantedSet; // the same, to look up
    mutable QTimer m_fetchTimer;
    QHash<quint64, qint64> m_inFlight; // ticket -> page
    QHash<quint64, qint64> m_processedInFlight; // ticket -> page
    QHash<QString, ProcessedState> m_processed; // by event_id
};

} // namespace idem::models
