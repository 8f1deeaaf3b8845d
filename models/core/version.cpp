#include "models/core/version.h"

#include <idem/version.h>

namespace idem::models {

QString versionString()
{
    return QStringLiteral(IDEM_VERSION_STRING);
}

} // namespace idem::models
