#pragma once

// Secrets kept in the OS keychain (the Secret Service: GNOME Keyring,
// KWallet; through qtkeychain), referred to from the configuration as
// ${keychain:NAME} and stored under the service "idem", key NAME.
//
// qtkeychain is asynchronous and its jobs belong on the application's main
// thread (a job started on another thread crashes qtkeychain 0.13). So:
// - readKeychainSecret() is for worker threads, where connection strings and
//   Kafka properties are expanded: it hands the read to a broker on the main
//   thread (which starts the job and returns to its event loop; the answer
//   arrives as the job's signal) and waits on the worker, at most `timeout`.
//   Called on the main thread it waits only where allowKeychainWaitOnMainThread()
//   was called (a command-line tool); in the console it refuses at once.
// - checkKeychain() and storeKeychainSecret() are for the UI thread: they
//   return at once and call back on the main thread.
// Every value read or stored is registered as a secret (secrets.h) and kept
// in memory for the process, so a reconnect does not ask the keychain again.
//
// Without a keychain service (a headless session: no D-Bus session bus, no
// Secret Service on it) reads fail with qtkeychain's reason, which the
// connections dialog shows with the two other ways: ${NAME} environment
// references, and libpq's .pgpass or service file.

#include <QObject>
#include <QString>

#include <chrono>
#include <functional>
#include <optional>

namespace idem::connectors {

// The keychain service Idem's secrets are stored under.
QString keychainService();

// The secret NAME, or nullopt with *why (never holding a secret).
std::optional<QString> readKeychainSecret(const QString &name, QString *why,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Lets readKeychainSecret() wait on the main thread (a nested event loop), for
// programs without a user interface on it (idemctl).
void allowKeychainWaitOnMainThread();

// Whether a keychain service answers: calls `done(true, "")`, or
// `done(false, reason)` with qtkeychain's reason ("Cannot autolaunch D-Bus
// without X11 $DISPLAY"), on the main thread, once; `context` going away
// first drops the answer. A missing entry counts as an answer.
void checkKeychain(QObject *context, std::function<void(bool available, const QString &reason)> done);

// Stores `value` as NAME; `done(error)` on the main thread, error empty on success.
void storeKeychainSecret(const QString &name, const QString &value, QObject *context,
                         std::function<void(const QString &error)> done);

// Forgets the values read so far (tests).
void clearKeychainCache();

} // namespace idem::connectors
