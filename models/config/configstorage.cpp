#include "models/config/configstorage.h"

namespace idem::models {

bool contentChanged(const FileStamp &before, const FileStamp &now)
{
    return before.exists != now.exists || before.size != now.size || before.sha256 != now.sha256;
}

std::optional<FileStamp> ConfigStorage::stamp(const QString &) const
{
    return std::nullopt;
}

Result<Config> ConfigStorage::load(const QString &path) const
{
    return makeError(QStringLiteral("%1 cannot be read again here").arg(path));
}

} // namespace idem::models
