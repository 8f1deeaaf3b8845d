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

#include <optional>

namespace idem::models {

// A file's state at one moment: whether it exists, its size, when it was
// last modified and a SHA-256 of its bytes.
struct FileStamp
{
    bool exists = false;
    qint64 size = -1;
    qint64 modifiedMs = -1; // ms since the epoch; -1 unknown
    QByteArray sha256;

    bool operator==(const FileStamp &) const = default;
};

// Whether the file's content differs between two stamps: it appeared,
// vanished, or its size or bytes changed. A file only touched (same bytes,
// new time) has not changed: saving over it loses nothing.
bool contentChanged(const FileStamp &before, const FileStamp &now);

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

    // What the file at `path` holds now, so an editor can tell whether it
    // was changed behind its back between loading and saving. Unset where
    // this storage keeps no file to compare (the default).
    virtual std::optional<FileStamp> stamp(const QString &path) const;

    // What the person should know about the last successful save(), e.g.
    // that comments could not be kept and a backup was made; empty when
    // nothing.
    virtual QString lastSaveNote() const { return {}; }

    // Reads the file at `path` afresh, as loaded for editing (${NAME}
    // references need not be set), for an editor that reloads it.
    virtual Result<Config> load(const QString &path) const;
};

} // namespace idem::models
