#pragma once

// What to say when a flow name is not in the environment.

#include "models/config/config.h"

namespace idem::models {

// "no flow named "x" in environment e; flows: a, b"
QString unknownFlowError(const EnvironmentConfig &env, const QString &name);

} // namespace idem::models
