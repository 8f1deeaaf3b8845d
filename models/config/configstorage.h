#pragma once

// Where the configuration is kept, as an editor of it sees it: the text it
// would be saved as, that text read back by the reader Idem itself uses
// (so an editor shows the reader's own file:line:column messages), and
// saving. connectors/config/configfile.h implements it for the YAML file;
// the connections dialog (ui/) uses it, so it never touches a file itself.

#include "models/config/config.h"
#include "models/core/result.h"

#include <QByteArray>
#include <QString>

namespace idem::models {

class ConfigStorage
{
public:
    virtual ~ConfigStorage() = default;

    // The text `config` would be saved as.
    virtual QByteArray text(const Config &config) const = 0;

    // Reads `text` as the file would be read for editing: ${NAME} references
    // must be well formed but need not be set. Errors are one line per
    // problem, "SOURCE:LINE:COLUMN: what was expected".
    virtual Result<Config> read(const QByteArray &text, const QString &sourceName) const = 0;

    // Saves `config` to its sourcePath; never leaves a half-written file.
    virtual Status save(const Config &config) = 0;
};

} // namespace idem::models
