#pragma once

// For detection only: whether a message carries a source at all, without
// converting its value.

#include "models/envelope/fieldspec.h"
#include "models/envelope/rawmessage.h"

#include <QList>

namespace idem::models::envelope_detail {

enum class Presence {
    Absent,
    Present,
    PresentStructured, // a CloudEvents attribute found in a structured event
};

// One answer per source, classifying the payload once.
QList<Presence> probeSources(const RawMessage &message, const QList<FieldSource> &sources);

} // namespace idem::models::envelope_detail
