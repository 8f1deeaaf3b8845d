#pragma once

// The secrets this process knows of, so that no error text or log line
// repeats one. Connection strings register every password and every value
// that came from a ${NAME} reference the moment they are expanded; error
// texts returned by connectors and every line the log sinks write pass
// through scrubSecrets().
//
// Process-wide and thread-safe. Values shorter than three characters are
// not registered from ${NAME} references (they would scrub ordinary text);
// passwords are registered whatever their length.

#include <QString>

namespace idem::connectors {

// Remembers `value` as a secret. Empty values are ignored.
void registerSecret(const QString &value);

// `text` with every registered secret, and its URL-encoded form, replaced
// by "***". Longer secrets are replaced first.
QString scrubSecrets(const QString &text);
std::string scrubSecrets(const std::string &text);

// Expands ${NAME} references in `value` (models::expandEnvironment), and
// ${keychain:NAME} from the OS keychain (keychain.h; on a worker thread), and
// registers the result as a secret when `secretKey` is set or when a
// reference was expanded. Sets *error like expandEnvironment.
QString expandRegisteringSecrets(const QString &value, bool secretKey, QString *error);

} // namespace idem::connectors
