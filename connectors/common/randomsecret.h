#pragma once

#include <QString>

namespace idem::connectors {

// A password from the system's random source, letters and digits without the
// look-alikes (0/O, 1/l/I), safe to put in a pgpass file or a SQL literal.
QString randomSecret(int length = 24);

} // namespace idem::connectors
