#pragma once

// What `idemctl deadletters` reports: the newest dead letters of each flow,
// grouped by failure, with the topic's decode errors. JSON and text are both
// rendered from the digests themselves.

#include "models/envelope/deadletterdigest.h"

#include <QJsonObject>

namespace idem::models {

struct DeadLettersReport
{
    QList<DeadLetterDigest> flows;
};

QJsonObject toJson(const DeadLetterDigest &digest);
QJsonObject toJson(const DeadLettersReport &report);
QString toText(const DeadLettersReport &report);

} // namespace idem::models
