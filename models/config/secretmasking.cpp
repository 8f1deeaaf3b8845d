#include "models/config/secretmasking.h"

#include <QRegularExpression>

namespace idem::models {

namespace {

// A password written into a libpq connection string or URI, literally.
const QRegularExpression &connectionPassword()
{
    static const QRegularExpression re(
        QStringLiteral(R"((\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)|(://[^:/@\s]+:)([^@\s]+)(@))"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

} // namespace

QString secretMask()
{
    return QString(8, QChar(0x2022));
}

bool isLiteralSecret(const QString &key, const QString &value)
{
    return isSecretKey(key) && !value.isEmpty() && !value.contains(QLatin1String("${"));
}

bool hasLiteralPassword(const QString &connection)
{
    auto it = connectionPassword().globalMatch(connection);
    while (it.hasNext()) {
        const auto m = it.next();
        const QString value = m.captured(2).isEmpty() ? m.captured(4) : m.captured(2);
        if (!value.contains(QLatin1String("${")))
            return true;
    }
    return false;
}

QString maskConnection(const QString &connection)
{
    QString out;
    qsizetype last = 0;
    auto it = connectionPassword().globalMatch(connection);
    while (it.hasNext()) {
        const auto m = it.next();
        const bool uri = m.captured(2).isEmpty();
        const QString value = uri ? m.captured(4) : m.captured(2);
        if (value.contains(QLatin1String("${")))
            continue;
        out += connection.mid(last, m.capturedStart() - last);
        out += uri ? QString(m.captured(3) + secretMask() + m.captured(5)) : QString(m.captured(1) + secretMask());
        last = m.capturedEnd();
    }
    return out + connection.mid(last);
}

Config maskedConfig(Config config)
{
    for (auto &env : config.environments) {
        for (auto &cluster : env.clusters) {
            for (auto &[key, value] : cluster.properties) {
                if (isLiteralSecret(key, value))
                    value = secretMask();
            }
        }
        for (auto &store : env.stores)
            store.connection = maskConnection(store.connection);
        if (env.ops)
            env.ops->connection = maskConnection(env.ops->connection);
    }
    return config;
}

} // namespace idem::models
