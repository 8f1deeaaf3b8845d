#include "connectors/common/secrets.h"

#include "connectors/common/keychain.h"

#include "models/config/config.h"

#include <QUrl>

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace idem::connectors {

namespace {

struct Registry
{
    std::shared_mutex mutex;
    // Every form to replace, longest first.
    std::vector<QString> forms;
};

Registry &registry()
{
    static Registry r;
    return r;
}

} // namespace

void registerSecret(const QString &value)
{
    if (value.isEmpty())
        return;
    const QString encoded = QString::fromLatin1(QUrl::toPercentEncoding(value));
    Registry &r = registry();
    std::unique_lock lock(r.mutex);
    bool added = false;
    for (const QString &form : {value, encoded}) {
        if (std::find(r.forms.cbegin(), r.forms.cend(), form) == r.forms.cend()) {
            r.forms.push_back(form);
            added = true;
        }
    }
    if (added)
        std::stable_sort(r.forms.begin(), r.forms.end(),
                         [](const QString &a, const QString &b) { return a.size() > b.size(); });
}

QString scrubSecrets(const QString &text)
{
    if (text.isEmpty())
        return text;
    Registry &r = registry();
    std::shared_lock lock(r.mutex);
    QString out = text;
    for (const QString &form : r.forms)
        out.replace(form, QStringLiteral("***"));
    return out;
}

std::string scrubSecrets(const std::string &text)
{
    {
        Registry &r = registry();
        std::shared_lock lock(r.mutex);
        if (r.forms.empty())
            return text;
    }
    return scrubSecrets(QString::fromStdString(text)).toStdString();
}

QString expandRegisteringSecrets(const QString &value, bool secretKey, QString *error)
{
    const QString expanded = models::expandReferences(value, error, [](const QString &name, QString *why) {
        return readKeychainSecret(name, why); // registers what it reads
    });
    if (error && !error->isEmpty())
        return expanded;
    if (secretKey)
        registerSecret(expanded);
    else if (value.contains(QLatin1String("${")) && expanded.size() >= 3)
        registerSecret(expanded);
    return expanded;
}

} // namespace idem::connectors
