#include "connectors/postgres/pgconninfo.h"

#include "connectors/common/secrets.h"
#include "models/config/config.h"

#include <libpq-fe.h>

#include <QRegularExpression>
#include <QSet>

#include <memory>

namespace idem::connectors::postgres {

namespace {

struct OptionsDeleter
{
    void operator()(PQconninfoOption *options) const { PQconninfoFree(options); }
};
using Options = std::unique_ptr<PQconninfoOption, OptionsDeleter>;

QString quoteValue(const QString &value)
{
    QString out = value;
    out.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    out.replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

const QSet<QString> &knownKeywords()
{
    static const QSet<QString> keywords = [] {
        QSet<QString> out;
        Options defaults(PQconndefaults());
        for (PQconninfoOption *o = defaults.get(); o && o->keyword; ++o)
            out.insert(QString::fromUtf8(o->keyword));
        return out;
    }();
    return keywords;
}

// libpq's parse errors quote pieces of the text, which may be a literal
// password: keep a quoted piece only when it is a keyword libpq knows.
QString safeParseError(const QString &message)
{
    static const QRegularExpression quoted(QStringLiteral("\"([^\"]*)\""));
    QString out;
    qsizetype last = 0;
    auto it = quoted.globalMatch(message);
    while (it.hasNext()) {
        const auto m = it.next();
        out += message.mid(last, m.capturedStart() - last);
        out += knownKeywords().contains(m.captured(1)) ? m.captured(0) : QStringLiteral("\"…\"");
        last = m.capturedEnd();
    }
    out += message.mid(last);
    return scrubSecrets(out.trimmed());
}

Result<Options> parse(const QString &text)
{
    char *parseError = nullptr;
    Options options(PQconninfoParse(text.toUtf8().constData(), &parseError));
    if (!options) {
        const QString reason =
            parseError ? safeParseError(QString::fromUtf8(parseError)) : QStringLiteral("out of memory");
        PQfreemem(parseError);
        return makeError(QStringLiteral("the connection string is not valid: %1").arg(reason));
    }
    return options;
}

} // namespace

Result<QString> buildConnectionString(const QString &connection, const ConnectionDefaults &defaults)
{
    auto options = parse(connection);
    if (!options)
        return makeError(options.error());
    QStringList parts;
    QSet<QString> given;
    for (PQconninfoOption *o = options->get(); o->keyword; ++o) {
        if (!o->val)
            continue;
        const QString keyword = QString::fromUtf8(o->keyword);
        const QString raw = QString::fromUtf8(o->val);
        const bool secret = models::isSecretKey(keyword);
        QString error;
        const QString value = expandRegisteringSecrets(raw, secret, &error);
        if (!error.isEmpty())
            return makeError(QStringLiteral("the connection string's %1: %2").arg(keyword, error));
        given.insert(keyword);
        parts << keyword + QLatin1Char('=') + quoteValue(value);
    }
    auto add = [&](const char *keyword, const QString &value) {
        if (!given.contains(QLatin1String(keyword)))
            parts << QLatin1String(keyword) + QLatin1Char('=') + quoteValue(value);
    };
    add("connect_timeout", QString::number(defaults.connectTimeoutSeconds));
    add("tcp_user_timeout", QString::number(defaults.tcpUserTimeoutMs));
    add("keepalives", QStringLiteral("1"));
    add("keepalives_idle", QString::number(defaults.keepalivesIdleSeconds));
    add("keepalives_interval", QString::number(defaults.keepalivesIntervalSeconds));
    add("keepalives_count", QString::number(defaults.keepalivesCount));
    add("application_name", defaults.applicationName);
    return parts.join(QLatin1Char(' '));
}

Result<ConnectionKeywords> parseConnectionKeywords(const QString &conninfo)
{
    auto options = parse(conninfo);
    if (!options)
        return makeError(options.error());
    ConnectionKeywords out;
    for (PQconninfoOption *o = options->get(); o->keyword; ++o) {
        if (o->val)
            out.append({QString::fromUtf8(o->keyword), QString::fromUtf8(o->val)});
    }
    return out;
}

QString quoteIdentifier(const QString &name)
{
    QString out = name;
    out.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

QString QualifiedName::quoted() const
{
    return schema.isEmpty() ? quoteIdentifier(table) : quoteIdentifier(schema) + QLatin1Char('.') + quoteIdentifier(table);
}

Result<QualifiedName> parseTableName(const QString &configured)
{
    const QString text = configured.trimmed();
    auto invalid = [&](const QString &why) {
        return makeError(QStringLiteral("the table name %1 is not valid: %2; write table, schema.table, or "
                                        "quote a part that holds capitals or dots (\"Table\", audit.\"my.table\")")
                             .arg(text, why));
    };
    QStringList parts;
    qsizetype i = 0;
    while (true) {
        QString part;
        if (i < text.size() && text[i] == QLatin1Char('"')) {
            ++i;
            bool closed = false;
            while (i < text.size()) {
                if (text[i] == QLatin1Char('"')) {
                    if (i + 1 < text.size() && text[i + 1] == QLatin1Char('"')) {
                        part += QLatin1Char('"');
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                part += text[i++];
            }
            if (!closed)
                return invalid(QStringLiteral("a quote is not closed"));
        } else {
            while (i < text.size() && text[i] != QLatin1Char('.')) {
                if (text[i] == QLatin1Char('"'))
                    return invalid(QStringLiteral("a quote starts in the middle of a name"));
                part += text[i++];
            }
            part = part.trimmed();
            // PostgreSQL folds unquoted names to lower case (ASCII only).
            for (QChar &c : part) {
                if (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
                    c = QChar(c.unicode() + ('a' - 'A'));
            }
        }
        if (part.isEmpty())
            return invalid(QStringLiteral("a part is empty"));
        parts << part;
        if (i >= text.size())
            break;
        if (text[i] != QLatin1Char('.'))
            return invalid(QStringLiteral("expected a dot after a quoted part"));
        ++i;
    }
    if (parts.size() > 2)
        return invalid(QStringLiteral("it has more than two parts"));
    if (parts.size() == 2)
        return QualifiedName{parts[0], parts[1]};
    return QualifiedName{QString(), parts[0]};
}

} // namespace idem::connectors::postgres
