#pragma once

// The configuration Idem reads: environments, each with Kafka clusters,
// consumer stores, flows and the ops database. These are plain values; the
// YAML file format that holds them is read and written in
// connectors/config/configfile.h, the only place that knows the file shape.
//
// Values are kept exactly as written: librdkafka properties and connection
// strings may contain ${NAME} references, which are expanded only at the
// moment a connection is made (expandEnvironment), so saving a configuration
// never writes a secret taken from the environment into the file.

#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace idem::models {

// Ordered key/value pairs, passed through verbatim.
using Properties = QList<QPair<QString, QString>>;

struct KafkaClusterConfig
{
    QString name;
    // librdkafka properties: bootstrap.servers, security.protocol, sasl.*, ssl.*
    Properties properties;

    // The value of a property, or an empty string when it is not set.
    QString property(const QString &key) const;

    bool operator==(const KafkaClusterConfig &) const = default;
};

// A table of a consumer store and the real names of the columns Idem reads.
struct TableMapping
{
    QString table;
    QMap<QString, QString> columns; // logical column name -> real column name

    // The real name of a logical column; the logical name when unmapped.
    QString column(const QString &logical) const { return columns.value(logical, logical); }

    bool operator==(const TableMapping &) const = default;
};

// The logical names Idem reads from a store, in the order they are documented.
QStringList registryColumnNames(); // event_id, entity_key, event_type, ...
QStringList attemptsColumnNames(); // event_id, attempt, outcome, error, at
QStringList outcomeNames(); // processed, duplicate_skipped, retry_scheduled, ...

// Mappings where every logical name maps to itself.
TableMapping defaultRegistryMapping(); // table processed_events
TableMapping defaultAttemptsMapping(); // table processing_attempts
QMap<QString, QString> defaultOutcomeValues();

struct StoreConfig
{
    QString name;
    QString connection; // libpq keyword/value string, URI or "service=name"; ${NAME} not expanded
    int statementTimeoutMs = 5000;
    TableMapping registry = defaultRegistryMapping();
    TableMapping attempts = defaultAttemptsMapping();
    QMap<QString, QString> outcomeValues
        = defaultOutcomeValues(); // logical outcome -> value stored

    // The value the store writes for a logical outcome; the logical name when unmapped.
    QString outcomeValue(const QString &logical) const
    {
        return outcomeValues.value(logical, logical);
    }

    bool operator==(const StoreConfig &) const = default;
};

// Where the identity of a message lives. The preset name, the field names and
// their specs ("header:event_id", "key", "payload:/event_id") are kept as
// written; the envelope decoder interprets and checks them.
struct EnvelopeConfig
{
    QString preset = QStringLiteral("idem");
    QMap<QString, QString> fields; // logical field name -> spec text, overriding the preset

    bool operator==(const EnvelopeConfig &) const = default;
};

// The names a flow's thresholds may use, and whether each is a ratio (0..1).
QStringList thresholdNames();
bool isRatioThreshold(const QString &name);

struct ConsumerGroupConfig
{
    QString name;
    QString store; // empty: the group's store is not watched

    bool operator==(const ConsumerGroupConfig &) const = default;
};

// When the recorder raises an alert for a flow (models/alerts/alertrules.h):
// each rule on by default, each with a hold time, so a flow with no alert
// settings is watched sensibly.
struct FlowAlertConfig
{
    bool lagStatus = true;           // a group WARNING, STALLED or STOPPED ...
    qint64 lagStatusForMs = 300000;  // ... for this long
    bool thresholds = true;          // a figure above its threshold ...
    qint64 thresholdForMs = 300000;  // ... for this long
    bool rising = true;              // retry share, dead letters and duplicates per minute
    qint64 risingWindowMs = 300000;  // compared over this recent window ...
    qint64 risingForMs = 120000;     // ... staying above the baseline for this long
    double risingFactor = 3;         // above baseline × factor ...
    double risingMinShare = 0.01;    // ... and by at least this much for a share (0..1)
    double risingMinPerMinute = 1;   // ... or this many per minute

    bool operator==(const FlowAlertConfig &) const = default;
};

// The keys of a flow's `alerts` map, and the durations they take: "90s",
// "5m", "2h" (1 s to 24 h). parseAlertDuration returns nullopt otherwise.
QStringList alertSettingNames();
std::optional<qint64> parseAlertDuration(const QString &text);
QString formatAlertDuration(qint64 ms);

struct FlowConfig
{
    QString name;
    QString cluster;
    QStringList topics;
    QList<ConsumerGroupConfig> groups;
    QStringList retryTopics;
    QString deadLetterTopic; // empty: the flow has no dead-letter topic
    EnvelopeConfig envelope;
    EnvelopeConfig deadLetterEnvelope;
    // Lines drawn on the flow's charts and figures marked when above them:
    // lag, lag_seconds, retry_share, error_share (ratios 0..1),
    // errors_per_minute, dead_letters.
    QMap<QString, double> thresholds;
    FlowAlertConfig alerts;

    const ConsumerGroupConfig *group(const QString &name) const;

    bool operator==(const FlowConfig &) const = default;
};

struct OpsDatabaseConfig
{
    QString connection; // libpq connection string; ${NAME} not expanded
    // How long the event index keeps a day (whole days, 1..3650): older day
    // partitions are dropped by the index's tailer. Key index_retention_days.
    int indexRetentionDays = kDefaultIndexRetentionDays;
    static constexpr int kDefaultIndexRetentionDays = 7;
    static constexpr int kMaxIndexRetentionDays = 3650;
    int historyDays = 30; // days of metric history kept (1 to 3660)

    bool operator==(const OpsDatabaseConfig &) const = default;
};

// The band the console draws across its window for an environment, so that
// nobody mistakes production for staging: `band: {label: PRODUCTION,
// colour: "#b71c1c"}`. Both keys are optional; without them the band shows
// the environment's name on the palette's neutral colour.
struct EnvironmentBand
{
    QString label;  // empty: the environment's name in capitals
    QString colour; // #RGB, #RRGGBB or an SVG colour name; empty: neutral

    bool operator==(const EnvironmentBand &) const = default;
};

// Why `text` is not a band colour ("" when it is one): a precise sentence
// naming what was found and what is expected.
QString bandColourProblem(const QString &text);

// Lookups return nullptr when the name is unknown. The pointers are valid
// until the list they point into is modified.
struct EnvironmentConfig
{
    QString name;
    QList<KafkaClusterConfig> clusters;
    QList<StoreConfig> stores;
    QList<FlowConfig> flows;
    std::optional<OpsDatabaseConfig> ops;
    std::optional<EnvironmentBand> band;

    // The band's text: its label, or the environment's name in capitals.
    QString bandLabel() const;

    const KafkaClusterConfig *cluster(const QString &name) const;
    const StoreConfig *store(const QString &name) const;
    const FlowConfig *flow(const QString &name) const;

    bool operator==(const EnvironmentConfig &) const = default;
};

struct Config
{
    QList<EnvironmentConfig> environments;
    QString sourcePath; // the file it was loaded from; empty when parsed from text

    const EnvironmentConfig *environment(const QString &name) const;
    const KafkaClusterConfig *cluster(const QString &environment, const QString &name) const;
    const StoreConfig *store(const QString &environment, const QString &name) const;
    const FlowConfig *flow(const QString &environment, const QString &name) const;

    bool operator==(const Config &) const = default;
};

// Whether a property or connection key holds a credential (password, secret,
// token, credential, private, sasl.*, ssl.key*; not sasl.mechanism(s), sasl.username nor ssl.key.location): its value is not to be shown,
// logged or repeated in an error message.
bool isSecretKey(const QString &key);

// Expands ${NAME} and ${NAME:-default} from the process environment; "$$" is
// a literal dollar and any other "$" is kept as it is. ${NAME:-default} takes
// the default when NAME is unset or empty; the default is literal text.
// When a variable without default is not set or a reference is malformed,
// returns an empty string and sets *error (when given); *error is cleared on
// success. The error names an unset variable but repeats nothing else of
// the text, which may be a secret.
QString expandEnvironment(const QString &text, QString *error);

// Reads the secret NAME of a ${keychain:NAME} reference: the value, or
// nullopt with *why (for a person, never holding a secret).
using KeychainLookup = std::function<std::optional<QString>(const QString &name, QString *why)>;

// expandEnvironment, with ${keychain:NAME} read through `keychain` (a
// connector's: the OS keychain). Without one, a keychain reference is an
// error ("cannot be read here").
QString expandReferences(const QString &text, QString *error, const KeychainLookup &keychain);

// The first problem expandEnvironment would report for `text` except for
// keychain references, which are only checked for their form (reading the
// keychain is the connectors' business and asynchronous).
QString checkEnvironmentVariables(const QString &text);

// The NAMEs of the ${keychain:NAME} references in `text`, each once, in order.
QStringList keychainReferences(const QString &text);

// The first malformed ${...} reference in `text`, described as
// expandEnvironment would; empty when all are well formed. Does not look at
// the environment.
QString checkEnvironmentReferences(const QString &text);

} // namespace idem::models
