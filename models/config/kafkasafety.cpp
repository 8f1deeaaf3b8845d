#include "models/config/kafkasafety.h"

#include <QByteArray>

namespace idem::models {

bool unsafeKafkaPropertiesAllowed()
{
    return qgetenv(kAllowUnsafeKafkaPropertiesVariable) == QByteArrayLiteral("1");
}

namespace {

// ${NAME} and ${NAME:-default} references replaced by a harmless word: the
// reader sees the text before expansion, the client gate after it.
QString withoutReferences(const QString &value)
{
    QString out;
    for (qsizetype i = 0; i < value.size(); ++i) {
        if (value[i] == QLatin1Char('$') && i + 1 < value.size() && value[i + 1] == QLatin1Char('{')) {
            const qsizetype end = value.indexOf(QLatin1Char('}'), i + 2);
            if (end > 0) {
                out += QLatin1String("x");
                i = end;
                continue;
            }
        }
        out += value[i];
    }
    return out;
}

// Characters a Kerberos principal or keytab path needs; anything else could
// end the word librdkafka pastes into its default kinit shell command.
bool isShellSafe(const QString &value)
{
    for (const QChar c : value) {
        const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z'))
            || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
            || (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
            || QStringView(u"@._/+=:,-").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

} // namespace

QString unsafeKafkaPropertyReason(const QString &rawKey, const QString &value)
{
    const QString key = rawKey.trimmed();
    if (key == u"plugin.library.paths")
        return QStringLiteral("loads a shared library into Idem");
    if (key == u"ssl.engine.location")
        return QStringLiteral("loads an OpenSSL engine (a shared library) into Idem");
    if (key == u"ssl.providers")
        return QStringLiteral("loads OpenSSL providers (shared libraries) into Idem");
    if (key == u"sasl.kerberos.kinit.cmd")
        return QStringLiteral("runs a shell command as the person running Idem");
    if (key == u"sasl.kerberos.principal" || key == u"sasl.kerberos.keytab") {
        if (!isShellSafe(withoutReferences(value)))
            return QStringLiteral("is pasted into librdkafka's kinit shell command and holds a "
                                  "character that could run another command (allowed: letters, "
                                  "digits and @._/+=:,-)");
        return {};
    }
    // Pointers and callbacks are set through the C API only; a text value
    // would be taken as an address of code or data.
    if (key.endsWith(u"_cb") || key == u"opaque" || key == u"ssl_engine_callback_data"
        || key == u"default_topic_conf" || key == u"interceptors" || key == u"interceptor")
        return QStringLiteral("is a pointer to code or data inside the program, not a setting");
    return {};
}

QString unsafeKafkaPropertyMessage(const QString &key, const QString &reason)
{
    return QStringLiteral("librdkafka property \"%1\" %2; Idem refuses it so that a configuration "
                          "file cannot run code. Remove it, or set %3=1 in Idem's environment if "
                          "you trust this file")
        .arg(key, reason, QLatin1String(kAllowUnsafeKafkaPropertiesVariable));
}

} // namespace idem::models
