#pragma once

// What `idemctl dlq list` and `idemctl dlq show` report: dead letters with
// every column of the console's Dead letters page, and one record in full.
// JSON and text are both rendered from these values.

#include "models/deadletters/deadletterrow.h"
#include "models/deadletters/recordview.h"

#include <QJsonObject>

namespace idem::models {

struct DlqListEntry
{
    DeadLetterRow row;
    ProcessedState processed;
};

struct DlqListReport
{
    QString flow;
    QString topic;
    qint64 retained = 0; // dead letters retained when listed
    QString filter; // DeadLetterFilter::describe()
    bool scanned = false; // the whole topic was read to filter it
    qint64 read = 0;
    qint64 matched = 0;
    QString summary; // DeadLetterScan::summary() when scanned
    QStringList gaps; // what was not read, and why
    QList<DlqListEntry> rows; // newest first
};

struct DlqShowReport
{
    QString flow;
    DeadLetterRow row;
    ProcessedState processed;
    RecordView record;
};

QJsonObject toJson(const DeadLetterRow &row, const ProcessedState &processed);
QJsonObject toJson(const DlqListReport &report);
QString toText(const DlqListReport &report);
QJsonObject toJson(const DlqShowReport &report);
QString toText(const DlqShowReport &report);

} // namespace idem::models
