// YamlConfigStorage's view of the file on disk between loading and saving:
// what it holds now, and reading it again.

#include "connectors/config/configfile.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace idem::connectors {

std::optional<models::FileStamp> YamlConfigStorage::stamp(const QString &path) const
{
    models::FileStamp stamp;
    if (path.isEmpty())
        return std::nullopt;
    const QFileInfo info(path);
    if (!info.exists())
        return stamp;
    stamp.exists = true;
    stamp.modifiedMs = info.lastModified().toMSecsSinceEpoch();
    if (!info.isFile())
        return stamp; // a FIFO or device: no size nor bytes to compare, and not to be read here
    stamp.size = info.size();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return stamp;
    // A configuration is small; a file grown past this reads as changed by its size already.
    constexpr qint64 kMaxHashed = 16 * 1024 * 1024;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    qint64 left = kMaxHashed;
    while (left > 0) {
        const QByteArray chunk = file.read(std::min<qint64>(left, 64 * 1024));
        if (chunk.isEmpty())
            break;
        hash.addData(chunk);
        left -= chunk.size();
    }
    stamp.sha256 = hash.result();
    return stamp;
}

Result<models::Config> YamlConfigStorage::load(const QString &path) const
{
    return loadConfig(path, VariableCheck::Skipped);
}

} // namespace idem::connectors
