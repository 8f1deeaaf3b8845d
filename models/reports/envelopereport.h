#pragma once

// What `idemctl envelope detect` reports: the proposed presets with their
// evidence, the pairing of source, retry and dead-letter topics, and what
// was seen. JSON and text are both rendered from the detection.

#include "models/envelope/detection.h"

#include <QJsonObject>

namespace idem::models {

QJsonObject toJson(const EnvelopeDetection &detection);
QString toText(const EnvelopeDetection &detection);

} // namespace idem::models
