#pragma once

// The versions of the libraries Idem runs with, for Help → About and bug
// reports: librdkafka and libpq as loaded at run time, libpqxx, spdlog and
// yaml-cpp as built against.

#include <QList>
#include <QPair>
#include <QString>

namespace idem::connectors {

// Name and version, in the order About shows them.
QList<QPair<QString, QString>> libraryVersions();

// libpq's PQlibVersion() as text: 150005 → "15.5", 90624 → "9.6.24".
QString libpqVersionText(int version);

} // namespace idem::connectors
