#pragma once

// librdkafka properties that make the Kafka client load code into Idem or run
// a command (librdkafka's CONFIGURATION.md, 2.0): a configuration file is
// data, and whoever can write one must not be able to run code as the person
// who opens it. They are refused by the configuration reader and again just
// before a client is created, unless IDEM_ALLOW_UNSAFE_KAFKA_PROPERTIES=1 is
// set in Idem's environment.

#include <QString>

namespace idem::models {

// The variable that allows the properties below, and whether it is set to 1.
inline constexpr const char kAllowUnsafeKafkaPropertiesVariable[] = "IDEM_ALLOW_UNSAFE_KAFKA_PROPERTIES";
bool unsafeKafkaPropertiesAllowed();

// Why setting `key` to `value` would load code into Idem or run a command,
// in a few words for an error message ("loads a shared library into Idem");
// empty when it does neither. Never repeats the value. ${NAME} references in
// `value` count as harmless here; check the expanded value again before use.
QString unsafeKafkaPropertyReason(const QString &key, const QString &value);

// The complete refusal for an error message: the reason and how to allow it.
QString unsafeKafkaPropertyMessage(const QString &key, const QString &reason);

} // namespace idem::models
