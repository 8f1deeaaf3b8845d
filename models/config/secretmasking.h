#pragma once

// What an editor of the configuration shows in place of a secret written
// into it literally: values of secret-looking keys (isSecretKey) and the
// password of a libpq connection string or URI are masked; ${NAME}
// references are shown, since the reference is not the secret. Pure
// functions of their arguments.

#include "models/config/config.h"

#include <QString>

namespace idem::models {

// "••••••••": what is shown in place of a literal secret.
QString secretMask();

// A literal value under a secret-looking key: it would be saved into the file.
// A value with a ${NAME} reference is not one.
bool isLiteralSecret(const QString &key, const QString &value);

// A password written literally into a libpq connection string
// ("password=…") or URI ("postgresql://user:…@host").
bool hasLiteralPassword(const QString &connection);

// `connection` with every literal password replaced by secretMask().
QString maskConnection(const QString &connection);

// `config` with every literal secret masked: cluster properties under
// secret-looking keys, and the passwords of store and ops connections.
// Every value stays on its own line of the written file, so a reader's line
// numbers for the unmasked text still hold.
Config maskedConfig(Config config);

} // namespace idem::models
