#include "models/config/config.h"

#include <QColor>
#include <QRegularExpression>

#include <algorithm>
#include <optional>

namespace idem::models {

namespace {

QMap<QString, QString> identity(const QStringList &names)
{
    QMap<QString, QString> map;
    for (const QString &name : names)
        map.insert(name, name);
    return map;
}

template<typename T> const T *findByName(const QList<T> &list, const QString &name)
{
    const auto it = std::find_if(list.cbegin(), list.cend(),
                                 [&](const T &item) { return item.name == name; });
    return it == list.cend() ? nullptr : &*it;
}

bool isNameStart(QChar c)
{
    return (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || c == u'_';
}

bool isNameChar(QChar c)
{
    return isNameStart(c) || (c >= u'0' && c <= u'9');
}

// ${keychain:NAME}; ${keychain:-default} stays the variable "keychain" with a default.
const QString kKeychainPrefix = QStringLiteral("keychain:");

} // namespace

QString KafkaClusterConfig::property(const QString &key) const
{
    for (const auto &[k, v] : properties) {
        if (k == key)
            return v;
    }
    return {};
}

QStringList registryColumnNames()
{
    return { QStringLiteral("event_id"),      QStringLiteral("entity_key"),
             QStringLiteral("event_type"),    QStringLiteral("event_version"),
             QStringLiteral("status"),        QStringLiteral("attempts"),
             QStringLiteral("first_seen_at"), QStringLiteral("processed_at"),
             QStringLiteral("result") };
}

QStringList attemptsColumnNames()
{
    return { QStringLiteral("event_id"), QStringLiteral("attempt"), QStringLiteral("outcome"),
             QStringLiteral("error"), QStringLiteral("at") };
}

QStringList outcomeNames()
{
    return { QStringLiteral("processed"), QStringLiteral("duplicate_skipped"),
             QStringLiteral("retry_scheduled"), QStringLiteral("dead_lettered"),
             QStringLiteral("failed") };
}

TableMapping defaultRegistryMapping()
{
    return { QStringLiteral("processed_events"), identity(registryColumnNames()) };
}

TableMapping defaultAttemptsMapping()
{
    return { QStringLiteral("processing_attempts"), identity(attemptsColumnNames()) };
}

QMap<QString, QString> defaultOutcomeValues()
{
    return identity(outcomeNames());
}

const ConsumerGroupConfig *FlowConfig::group(const QString &name) const
{
    return findByName(groups, name);
}

QString bandColourProblem(const QString &text)
{
    const QString colour = text.trimmed();
    if (colour.isEmpty())
        return QStringLiteral("the band colour is empty; expected #RRGGBB (e.g. \"#b71c1c\") or a colour name such as red");
    if (colour.startsWith(QLatin1Char('#'))) {
        static const QRegularExpression hex(QStringLiteral("^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$"));
        if (!hex.match(colour).hasMatch())
            return QStringLiteral("the band colour \"%1\" is not #RGB or #RRGGBB (three or six hexadecimal digits after #)")
                .arg(colour.left(40));
        return {};
    }
    if (!QColor::isValidColorName(colour))
        return QStringLiteral("the band colour \"%1\" is not a colour; expected #RRGGBB (e.g. \"#b71c1c\") or an SVG "
                              "colour name such as red, darkorange or seagreen")
            .arg(colour.left(40));
    return {};
}

QString EnvironmentConfig::bandLabel() const
{
    if (band && !band->label.trimmed().isEmpty())
        return band->label.trimmed();
    return name.toUpper();
}

const KafkaClusterConfig *EnvironmentConfig::cluster(const QString &name) const
{
    return findByName(clusters, name);
}

const StoreConfig *EnvironmentConfig::store(const QString &name) const
{
    return findByName(stores, name);
}

const FlowConfig *EnvironmentConfig::flow(const QString &name) const
{
    return findByName(flows, name);
}

const EnvironmentConfig *Config::environment(const QString &name) const
{
    return findByName(environments, name);
}

const KafkaClusterConfig *Config::cluster(const QString &environment, const QString &name) const
{
    const EnvironmentConfig *env = this->environment(environment);
    return env ? env->cluster(name) : nullptr;
}

const StoreConfig *Config::store(const QString &environment, const QString &name) const
{
    const EnvironmentConfig *env = this->environment(environment);
    return env ? env->store(name) : nullptr;
}

const FlowConfig *Config::flow(const QString &environment, const QString &name) const
{
    const EnvironmentConfig *env = this->environment(environment);
    return env ? env->flow(name) : nullptr;
}

bool isSecretKey(const QString &key)
{
    const QString k = key.trimmed().toLower();
    // A method, a user name (shown in Test connection's "connected as") and a file name,
    // set beside secrets but not secrets themselves.
    if (k == u"sasl.mechanism" || k == u"sasl.mechanisms" || k == u"sasl.username" || k == u"ssl.key.location")
        return false;
    return k.contains(u"password") || k.contains(u"passwd") || k.contains(u"secret")
        || k.contains(u"token") || k.startsWith(u"sasl.") || k.startsWith(u"ssl.key")
        || k.contains(u"private") || k.contains(u"credential");
}

namespace {

bool isKeychainNameChar(QChar c)
{
    return isNameChar(c) || c == u'.' || c == u'-' || c == u'@' || c == u'/';
}

// Expands with `lookup(name)`, which returns the value or nullopt when unset,
// and `keychain(name, &why)` for ${keychain:NAME}, which returns the secret
// or nullopt with why it cannot be read.
template<typename Lookup, typename Keychain>
QString expand(const QString &text, QString *error, Lookup lookup, Keychain keychain)
{
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return QString();
    };

    QString out;
    out.reserve(text.size());
    qsizetype i = 0;
    while (i < text.size()) {
        const QChar c = text.at(i);
        if (c != u'$' || i + 1 >= text.size()) {
            out += c;
            ++i;
            continue;
        }
        const QChar next = text.at(i + 1);
        if (next == u'$') {
            out += u'$';
            i += 2;
            continue;
        }
        if (next != u'{') {
            // A lone dollar is common in passwords and patterns; only ${ starts a reference.
            out += c;
            ++i;
            continue;
        }

        const qsizetype close = text.indexOf(u'}', i + 2);
        if (close < 0)
            return fail(QStringLiteral("\"${\" is not closed by \"}\" (write \"$$\" for a "
                                       "literal dollar)"));
        if (text.mid(i + 2, kKeychainPrefix.size()) == kKeychainPrefix
            && text.mid(i + 2 + kKeychainPrefix.size(), 1) != QLatin1String("-")) {
            const qsizetype start = i + 2 + kKeychainPrefix.size();
            qsizetype end = start;
            while (end < close && isKeychainNameChar(text.at(end)))
                ++end;
            if (end == start || end != close)
                return fail(QStringLiteral("a keychain reference is not understood; write "
                                           "${keychain:NAME} with a name made of letters, digits "
                                           "and . _ - @ /"));
            const QString name = text.mid(start, end - start);
            QString why;
            const std::optional<QString> secret = keychain(name, &why);
            if (!secret)
                return fail(QStringLiteral("keychain secret %1 cannot be read: %2").arg(name, why));
            out += *secret;
            i = close + 1;
            continue;
        }
        qsizetype nameEnd = i + 2;
        if (nameEnd < close && isNameStart(text.at(nameEnd))) {
            ++nameEnd;
            while (nameEnd < close && isNameChar(text.at(nameEnd)))
                ++nameEnd;
        }
        if (nameEnd == i + 2)
            return fail(QStringLiteral("\"${\" must be followed by a variable name made of "
                                       "letters, digits and underscores"));
        const QString name = text.mid(i + 2, nameEnd - i - 2);

        std::optional<QString> fallback;
        if (nameEnd < close) {
            if (text.mid(nameEnd, 2) != QLatin1String(":-"))
                return fail(QStringLiteral("a reference is not understood; write ${NAME} or "
                                           "${NAME:-default}"));
            fallback = text.mid(nameEnd + 2, close - nameEnd - 2);
        }

        const std::optional<QString> value = lookup(name);
        if (fallback)
            out += value && !value->isEmpty() ? *value : *fallback;
        else if (value)
            out += *value;
        else
            return fail(QStringLiteral("environment variable %1 is not set").arg(name));
        i = close + 1;
    }
    if (error)
        error->clear();
    return out;
}

} // namespace

QString expandReferences(const QString &text, QString *error, const KeychainLookup &keychain)
{
    return expand(
        text, error,
        [](const QString &name) -> std::optional<QString> {
            const QByteArray key = name.toUtf8();
            if (!qEnvironmentVariableIsSet(key.constData()))
                return std::nullopt;
            return qEnvironmentVariable(key.constData());
        },
        [&keychain](const QString &name, QString *why) -> std::optional<QString> {
            if (!keychain) {
                *why = QStringLiteral("the keychain is not read here");
                return std::nullopt;
            }
            return keychain(name, why);
        });
}

QString expandEnvironment(const QString &text, QString *error)
{
    return expandReferences(text, error, {});
}

QString checkEnvironmentReferences(const QString &text)
{
    QString error;
    (void)expand(
        text, &error, [](const QString &) { return std::optional<QString>(QString()); },
        [](const QString &, QString *) { return std::optional<QString>(QString()); });
    return error;
}

QString checkEnvironmentVariables(const QString &text)
{
    QString error;
    (void)expandReferences(text, &error, [](const QString &, QString *) {
        return std::optional<QString>(QString());
    });
    return error;
}

QStringList keychainReferences(const QString &text)
{
    QStringList names;
    QString error;
    (void)expand(
        text, &error, [](const QString &) { return std::optional<QString>(QString()); },
        [&names](const QString &name, QString *) {
            if (!names.contains(name))
                names << name;
            return std::optional<QString>(QString());
        });
    return names;
}

QStringList thresholdNames()
{
    return {QStringLiteral("lag"),         QStringLiteral("lag_seconds"),       QStringLiteral("retry_share"),
            QStringLiteral("error_share"), QStringLiteral("errors_per_minute"), QStringLiteral("dead_letters")};
}

QStringList alertSettingNames()
{
    return {QStringLiteral("lag_status"),    QStringLiteral("thresholds"),       QStringLiteral("rising"),
            QStringLiteral("rising_window"), QStringLiteral("rising_factor"),    QStringLiteral("rising_min_share"),
            QStringLiteral("rising_min_per_minute")};
}

std::optional<qint64> parseAlertDuration(const QString &text)
{
    const QString t = text.trimmed();
    if (t.size() < 2)
        return std::nullopt;
    const QChar unit = t.back();
    const qint64 scale = unit == u's' ? 1000 : unit == u'm' ? 60000 : unit == u'h' ? 3600000 : 0;
    bool ok = false;
    const qint64 n = t.chopped(1).toLongLong(&ok);
    if (!scale || !ok || n <= 0)
        return std::nullopt;
    const qint64 ms = n * scale;
    if (ms < 1000 || ms > 24 * 3600000LL)
        return std::nullopt;
    return ms;
}

QString formatAlertDuration(qint64 ms)
{
    if (ms % 3600000 == 0)
        return QStringLiteral("%1h").arg(ms / 3600000);
    if (ms % 60000 == 0)
        return QStringLiteral("%1m").arg(ms / 60000);
    return QStringLiteral("%1s").arg(ms / 1000);
}

bool isRatioThreshold(const QString &name)
{
    return name == QLatin1String("retry_share") || name == QLatin1String("error_share");
}

} // namespace idem::models
