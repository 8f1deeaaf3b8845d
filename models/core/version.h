#pragma once

#include <QString>

namespace idem::models {

// The project version as set in the top-level CMakeLists.txt.
QString versionString();

} // namespace idem::models
