#pragma once

// What the Dead letters page asks of the world, answered later. The console
// never waits: each call returns a ticket at once and its answer arrives as
// one signal on the source's thread. The connector (connectors/deadletters/)
// does the Kafka and store work on worker threads; tests may use fakes.

#include "models/deadletters/deadletterscan.h"
#include "models/deadletters/recordview.h"
#include "models/envelope/rawmessage.h"

#include <QHash>
#include <QObject>
#include <QStringList>

namespace idem::models {

// The raw record behind a row, fetched only when opened.
struct DeadLetterRecord
{
    DeadLetterRef ref;
    std::optional<RawMessage> message; // nullopt: gone (past retention or compacted)
    QString error; // non-empty: it could not be read
    DeadLetterRow row; // the message decoded through the envelope
    RecordView view; // rendered where it was read, never on the UI thread
};

class DeadLetterSource : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~DeadLetterSource() override = default;

    // The flows that have a dead-letter topic.
    virtual QStringList flows() const = 0;

    // Each answers with the signal of the same name; tickets are never 0.
    virtual quint64 requestLayout(const QString &flow) = 0;
    virtual quint64 requestRows(const QString &flow, const QList<DeadLetterRef> &refs) = 0;
    // Asked of the stores of every group on each event's original topic
    // (key: event_id, value: its original topic; empty: the flow's topics).
    virtual quint64 requestProcessed(const QString &flow, const QHash<QString, QString> &events) = 0;
    virtual quint64 requestRecord(const QString &flow, const DeadLetterRef &ref) = 0;
    // Reads every retained dead letter of the flow; progress as it goes.
    virtual quint64 requestScan(const QString &flow, const DeadLetterFilter &filter) = 0;
    // The answer of `ticket` will not come.
    virtual void cancel(quint64 ticket) = 0;

signals:
    void layoutReady(quint64 ticket, const idem::models::DeadLetterLayout &layout);
    // Rows in the order asked; refs no longer there are missing.
    void rowsReady(quint64 ticket, const QList<idem::models::DeadLetterRow> &rows, const QString &error);
    void processedReady(quint64 ticket, const QHash<QString, idem::models::ProcessedState> &states);
    void recordReady(quint64 ticket, const idem::models::DeadLetterRecord &record);
    void scanProgress(quint64 ticket, qint64 read, qint64 total, qint64 matched);
    void scanFinished(quint64 ticket, const idem::models::DeadLetterScan &scan);
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::DeadLetterRecord)
