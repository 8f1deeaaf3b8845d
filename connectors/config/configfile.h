#pragma once

// The Idem configuration file: YAML, one format for every reader and for the
// writers (the sandbox, the connections dialog). resources/idem.example.yaml
// documents every key. A file that does not match is rejected with one line
// per problem, "FILE:LINE:COLUMN: what was expected" (up to 20 lines), and
// nothing in it is ignored: unknown keys are errors.
//
// Saving over an existing file keeps its comments and key order: the values
// that changed are edited in place (configpatch.cpp). Where that cannot be
// done safely the file is written anew and the previous one kept as
// FILE.bak, and the caller is told. YAML merge keys ("<<") are not supported.

#include "models/config/config.h"
#include "models/config/configstorage.h"
#include "models/core/result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace idem::connectors {

// Whether parsing fails when a ${NAME} in a Kafka property or a connection
// string refers to a variable that is not set. Malformed references are
// errors either way. Editing a file (the connections dialog) does not need
// the secrets it refers to, so it skips the check.
enum class VariableCheck { Required, Skipped };

// Reads a configuration from YAML text; `sourceName` starts each error line.
// The result keeps ${NAME} references unexpanded and its sourcePath empty.
Result<models::Config> parseConfig(const QByteArray &yaml, const QString &sourceName,
                                   VariableCheck variables = VariableCheck::Required);

// Reads the file at `path`; errors start with `path` as given, and the
// result's sourcePath is the absolute path.
Result<models::Config> loadConfig(const QString &path,
                                  VariableCheck variables = VariableCheck::Required);

// The environment named `name`, or the first one when `name` is empty; the
// error names `path` and the environments the file defines.
Result<models::EnvironmentConfig> selectEnvironment(const models::Config &config, const QString &name,
                                                    const QString &path);

// The YAML text of `config` in the documented shape, keys in a fixed order
// and defaults left out, so parseConfig(writeConfig(c)) == c for any
// configuration parseConfig accepts.
QByteArray writeConfig(const models::Config &config);

// Writes `config` to `path` atomically (a reader sees the old or the new file,
// never half of one), creating missing parent directories; the file is
// readable by its owner only. An existing file is edited in place at the
// changed values (patchConfigText); where that is not possible it is
// rewritten after a copy was kept as PATH.bak, and *note (when given) says so.
// A file that cannot be written is left as it was.
Status saveConfig(const models::Config &config, const QString &path, QString *note = nullptr);

// `original` (a configuration file's text) with the values that differ from
// `config` edited in place, every other byte kept (comments, key order,
// quoting); nullopt when that cannot be done safely (the original does not
// read, an edit of a kind not supported, or the result would not read back
// as `config`).
std::optional<QByteArray> patchConfigText(const QByteArray &original, const models::Config &config);

// The YAML file for the connections dialog: writeConfig's text, read back
// by parseConfig with VariableCheck::Skipped, saved by saveConfig to the
// configuration's sourcePath.
class YamlConfigStorage final : public models::ConfigStorage
{
public:
    QByteArray text(const models::Config &config) const override;
    Result<models::Config> read(const QByteArray &text, const QString &sourceName) const override;
    Status save(const models::Config &config) override;
    // The file's size, time and SHA-256 (configstamp.cpp); loadConfig with VariableCheck::Skipped.
    std::optional<models::FileStamp> stamp(const QString &path) const override;
    Result<models::Config> load(const QString &path) const override;
    QString lastSaveNote() const override { return m_note; }

private:
    QString m_note;
};

// $XDG_CONFIG_HOME/idem/idem.yaml, by default ~/.config/idem/idem.yaml.
QString defaultConfigPath();

} // namespace idem::connectors
