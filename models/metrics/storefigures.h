#pragma once

// A consumer's own view of its flow's health, read from its store's attempt
// log over a window: what it processed, skipped as duplicates, retried,
// failed and dead-lettered. Shown beside the broker's figures.

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace idem::models {

struct StoreFigures
{
    QString store;
    QDateTime takenAt;
    qint64 windowMs = 0;
    qint64 processed = 0;
    qint64 duplicatesSkipped = 0;
    qint64 retried = 0;      // attempts after the first, duplicates aside
    qint64 failed = 0;       // attempts that failed: retry scheduled, failed or dead-lettered
    qint64 deadLettered = 0;
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::StoreFigures)
