#include "connectors/config/configfile.h"

#include "models/config/kafkasafety.h"
#include "models/envelope/presets.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSaveFile>

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace idem::connectors {

using models::Config;
using models::ConsumerGroupConfig;
using models::EnvelopeConfig;
using models::EnvironmentConfig;
using models::FlowConfig;
using models::KafkaClusterConfig;
using models::OpsDatabaseConfig;
using models::StoreConfig;
using models::TableMapping;

namespace {

constexpr int kFormatVersion = 1;
constexpr qsizetype kMaxReported = 20;
// Far above any real configuration; keeps a wrong path (a log, an image) from being slurped.
constexpr qint64 kMaxFileSize = 4 * 1024 * 1024; // a configuration is a few KiB

QString quoted(const QString &text)
{
    return u'"' + text + u'"';
}

QString fromYaml(const std::string &text)
{
    return QString::fromStdString(text);
}

std::string toYaml(const QString &text)
{
    return text.toStdString();
}

QString kindOf(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
        return QStringLiteral("a single value");
    case YAML::NodeType::Sequence:
        return QStringLiteral("a list");
    case YAML::NodeType::Map:
        return QStringLiteral("a map");
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

QStringList names(const auto &list)
{
    QStringList out;
    for (const auto &item : list)
        out << item.name;
    return out;
}

struct Problem
{
    int line = 0; // 1-based
    int column = 0;
    QString message;
};

struct Entry
{
    QString key;
    YAML::Node keyNode;
    YAML::Node value;

    YAML::Mark keyMark() const { return keyNode.Mark(); }
    // yaml-cpp places an empty value at the token after it, often the next
    // line; the key is where a person looks.
    YAML::Mark valueMark() const
    {
        return value.IsNull() || !value.IsDefined() ? keyNode.Mark() : value.Mark();
    }
};

// Walks the document, building the configuration and collecting every
// problem with its position instead of stopping at the first.
class Reader
{
public:
    explicit Reader(VariableCheck variables)
        : m_variables(variables)
    {
    }

    Config read(const YAML::Node &root);
    const QList<Problem> &problems() const { return m_problems; }

    void error(const YAML::Mark &mark, const QString &message)
    {
        m_problems.append(
            { mark.is_null() ? 1 : mark.line + 1, mark.is_null() ? 1 : mark.column + 1, message });
    }

private:
    std::optional<QList<Entry>> entries(const YAML::Node &node, const QString &expected,
                                        const QString &context, const QStringList &allowed = {},
                                        const QString &noun = QStringLiteral("key"));
    std::optional<QString> scalar(const Entry &entry, const QString &expected);
    std::optional<QString> name(const Entry &entry, const QString &expected);
    std::optional<QStringList> topicList(const Entry &entry, const QString &flow);
    void checkVariables(const QString &value, const YAML::Mark &mark, const QString &what);

    EnvironmentConfig readEnvironment(const Entry &entry);
    std::optional<KafkaClusterConfig> readCluster(const Entry &entry);
    std::optional<StoreConfig> readStore(const Entry &entry);
    void readMapping(const Entry &entry, const QString &store, const QStringList &logical,
                     TableMapping *mapping);
    std::optional<FlowConfig> readFlow(const Entry &entry, const EnvironmentConfig &env);
    EnvelopeConfig readEnvelope(const Entry &entry, const QString &flow);
    std::optional<OpsDatabaseConfig> readOps(const Entry &entry);

    VariableCheck m_variables;
    QList<Problem> m_problems;
};

std::optional<QList<Entry>> Reader::entries(const YAML::Node &node, const QString &expected,
                                            const QString &context, const QStringList &allowed,
                                            const QString &noun)
{
    QList<Entry> out;
    // An empty value ("stores:") reads as an empty map: nothing configured.
    if (!node.IsDefined() || node.IsNull())
        return out;
    if (!node.IsMap()) {
        error(node.Mark(), QStringLiteral("expected %1, found %2").arg(expected, kindOf(node)));
        return std::nullopt;
    }
    QHash<QString, YAML::Mark> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) {
            error(key.Mark(),
                  QStringLiteral("expected a name as key %1, found %2").arg(context, kindOf(key)));
            continue;
        }
        const QString text = fromYaml(key.Scalar());
        if (text.isEmpty()) {
            error(key.Mark(), QStringLiteral("an empty %1 name %2").arg(noun, context));
            continue;
        }
        if (const auto first = seen.constFind(text); first != seen.cend()) {
            error(key.Mark(),
                  QStringLiteral("%1 %2 appears twice %3 (first at line %4)")
                      .arg(noun, quoted(text), context)
                      .arg(first->line + 1));
            continue;
        }
        seen.insert(text, key.Mark());
        if (!allowed.isEmpty() && !allowed.contains(text)) {
            error(key.Mark(),
                  QStringLiteral("unknown %1 %2 %3; expected one of: %4")
                      .arg(noun, quoted(text), context, allowed.join(QStringLiteral(", "))));
            continue;
        }
        out.append({ text, key, it->second });
    }
    return out;
}

std::optional<QString> Reader::scalar(const Entry &entry, const QString &expected)
{
    if (!entry.value.IsScalar()) {
        error(entry.valueMark(),
              QStringLiteral("expected %1, found %2").arg(expected, kindOf(entry.value)));
        return std::nullopt;
    }
    return fromYaml(entry.value.Scalar());
}

std::optional<QString> Reader::name(const Entry &entry, const QString &expected)
{
    std::optional<QString> text = scalar(entry, expected);
    if (text && text->isEmpty()) {
        error(entry.valueMark(), QStringLiteral("expected %1, found an empty text").arg(expected));
        return std::nullopt;
    }
    return text;
}

std::optional<QStringList> Reader::topicList(const Entry &entry, const QString &flow)
{
    if (entry.value.IsNull())
        return QStringList();
    if (!entry.value.IsSequence()) {
        error(entry.valueMark(),
              QStringLiteral("expected a list of topic names, found %1").arg(kindOf(entry.value)));
        return std::nullopt;
    }
    QStringList topics;
    bool ok = true;
    for (const YAML::Node &item : entry.value) {
        const YAML::Mark mark = item.IsNull() ? entry.value.Mark() : item.Mark();
        if (!item.IsScalar() || item.Scalar().empty()) {
            error(mark,
                  QStringLiteral("expected a topic name, found %1")
                      .arg(item.IsScalar() ? QStringLiteral("an empty text") : kindOf(item)));
            ok = false;
            continue;
        }
        const QString topic = fromYaml(item.Scalar());
        if (topics.contains(topic)) {
            error(mark,
                  QStringLiteral("topic %1 is listed twice in %2 of flow %3")
                      .arg(quoted(topic), entry.key, quoted(flow)));
            ok = false;
            continue;
        }
        topics << topic;
    }
    if (!ok)
        return std::nullopt;
    return topics;
}

void Reader::checkVariables(const QString &value, const YAML::Mark &mark, const QString &what)
{
    const QString problem = m_variables == VariableCheck::Required
        ? [&] {
              QString message;
              (void)models::expandEnvironment(value, &message);
              return message;
          }()
        : models::checkEnvironmentReferences(value);
    if (!problem.isEmpty())
        error(mark, what + QStringLiteral(": ") + problem);
}

Config Reader::read(const YAML::Node &root)
{
    Config config;
    if (!root.IsDefined() || root.IsNull()) {
        error(YAML::Mark::null_mark(),
              QStringLiteral(
                  "the file is empty; expected a map with the keys version and environments"));
        return config;
    }
    const auto top = entries(root, QStringLiteral("a map with the keys version and environments"),
                             QStringLiteral("at the top level"),
                             { QStringLiteral("version"), QStringLiteral("environments") });
    if (!top)
        return config;

    bool haveVersion = false;
    for (const Entry &entry : *top) {
        if (entry.key == u"version") {
            haveVersion = true;
            if (const auto version = scalar(entry, QStringLiteral("version: 1"));
                version && *version != QString::number(kFormatVersion)) {
                error(entry.valueMark(),
                      QStringLiteral("unsupported version %1; this Idem reads version %2")
                          .arg(quoted(*version))
                          .arg(kFormatVersion));
            }
        } else if (entry.key == u"environments") {
            const auto environments
                = entries(entry.value, QStringLiteral("a map of environments by name"),
                          QStringLiteral("in environments"), {}, QStringLiteral("environment"));
            for (const Entry &env : environments.value_or(QList<Entry>()))
                config.environments.append(readEnvironment(env));
        }
    }
    if (!haveVersion)
        error(root.Mark(), QStringLiteral("version is missing; expected version: 1"));
    return config;
}

EnvironmentConfig Reader::readEnvironment(const Entry &entry)
{
    EnvironmentConfig env;
    env.name = entry.key;
    const QString context = QStringLiteral("in environment ") + quoted(env.name);
    const auto settings = entries(
        entry.value, QStringLiteral("a map with the settings of environment ") + quoted(env.name),
        context,
        { QStringLiteral("kafka"), QStringLiteral("stores"), QStringLiteral("flows"),
          QStringLiteral("ops") });
    if (!settings)
        return env;

    // Clusters and stores first, whatever their place in the file, so flows
    // can be checked against them; problems are sorted by position later.
    const auto find = [&](QStringView key) -> const Entry * {
        for (const Entry &e : *settings) {
            if (e.key == key)
                return &e;
        }
        return nullptr;
    };
    if (const Entry *kafka = find(u"kafka")) {
        const auto clusters
            = entries(kafka->value, QStringLiteral("a map of Kafka clusters by name"), context, {},
                      QStringLiteral("cluster"));
        for (const Entry &e : clusters.value_or(QList<Entry>())) {
            if (auto cluster = readCluster(e))
                env.clusters.append(std::move(*cluster));
        }
    }
    if (const Entry *stores = find(u"stores")) {
        const auto list = entries(stores->value, QStringLiteral("a map of stores by name"), context,
                                  {}, QStringLiteral("store"));
        for (const Entry &e : list.value_or(QList<Entry>())) {
            if (auto store = readStore(e))
                env.stores.append(std::move(*store));
        }
    }
    if (const Entry *flows = find(u"flows")) {
        const auto list = entries(flows->value, QStringLiteral("a map of flows by name"), context,
                                  {}, QStringLiteral("flow"));
        for (const Entry &e : list.value_or(QList<Entry>())) {
            if (auto flow = readFlow(e, env))
                env.flows.append(std::move(*flow));
        }
    }
    if (const Entry *ops = find(u"ops"))
        env.ops = readOps(*ops);
    return env;
}

std::optional<KafkaClusterConfig> Reader::readCluster(const Entry &entry)
{
    KafkaClusterConfig cluster;
    cluster.name = entry.key;
    const QString context = QStringLiteral("in cluster ") + quoted(cluster.name);
    const auto properties = entries(entry.value,
                                    QStringLiteral("a map of librdkafka properties for cluster ")
                                        + quoted(cluster.name),
                                    context, {}, QStringLiteral("property"));
    if (!properties)
        return std::nullopt;
    const auto brokers = [](const Entry &p) {
        return p.key == u"bootstrap.servers" || p.key == u"metadata.broker.list";
    };
    for (const Entry &p : *properties) {
        // Values are never quoted back in a message: any of them may be a credential.
        const QString what
            = QStringLiteral("property %1 of cluster %2").arg(quoted(p.key), quoted(cluster.name));
        const auto value = scalar(p, QStringLiteral("a single value for ") + what);
        if (!value)
            continue;
        checkVariables(*value, p.valueMark(), what);
        if (!models::unsafeKafkaPropertiesAllowed()) {
            const QString why = models::unsafeKafkaPropertyReason(p.key, *value);
            if (!why.isEmpty())
                error(p.keyMark(), models::unsafeKafkaPropertyMessage(p.key, why));
        }
        if (brokers(p) && value->trimmed().isEmpty()) {
            error(p.valueMark(),
                  QStringLiteral("%1 of cluster %2 is empty; expected host:port of its brokers")
                      .arg(p.key, quoted(cluster.name)));
        }
        cluster.properties.append({ p.key, *value });
    }
    // A broker list that is present but wrong has been reported already.
    if (std::none_of(properties->cbegin(), properties->cend(), brokers)) {
        error(entry.keyMark(),
              QStringLiteral("cluster %1 needs bootstrap.servers (host:port of its brokers)")
                  .arg(quoted(cluster.name)));
    }
    return cluster;
}

std::optional<StoreConfig> Reader::readStore(const Entry &entry)
{
    StoreConfig store;
    store.name = entry.key;
    const QString context = QStringLiteral("in store ") + quoted(store.name);
    const auto settings = entries(
        entry.value, QStringLiteral("a map with the settings of store ") + quoted(store.name),
        context,
        { QStringLiteral("connection"), QStringLiteral("statement_timeout_ms"),
          QStringLiteral("registry"), QStringLiteral("attempts"), QStringLiteral("outcomes") });
    if (!settings)
        return std::nullopt;

    bool haveConnection = false;
    for (const Entry &e : *settings) {
        if (e.key == u"connection") {
            haveConnection = true;
            const QString what = QStringLiteral("connection of store ") + quoted(store.name);
            const auto value
                = name(e,
                       QStringLiteral("a libpq connection string, URI or service=NAME for ")
                           + quoted(store.name));
            if (!value)
                continue;
            checkVariables(*value, e.valueMark(), what);
            store.connection = *value;
        } else if (e.key == u"statement_timeout_ms") {
            const QString expected = QStringLiteral(
                "a positive whole number of milliseconds for statement_timeout_ms");
            const auto value = scalar(e, expected);
            if (!value)
                continue;
            bool ok = false;
            const int ms = value->toInt(&ok);
            if (!ok || ms <= 0) {
                error(e.valueMark(),
                      QStringLiteral("expected %1, found %2").arg(expected, quoted(*value)));
                continue;
            }
            store.statementTimeoutMs = ms;
        } else if (e.key == u"registry") {
            readMapping(e, store.name, models::registryColumnNames(), &store.registry);
        } else if (e.key == u"attempts") {
            readMapping(e, store.name, models::attemptsColumnNames(), &store.attempts);
        } else if (e.key == u"outcomes") {
            const auto outcomes
                = entries(e.value,
                          QStringLiteral("a map of outcome to the value store %1 writes for it")
                              .arg(quoted(store.name)),
                          context, models::outcomeNames(), QStringLiteral("outcome"));
            for (const Entry &o : outcomes.value_or(QList<Entry>())) {
                if (const auto value
                    = name(o, QStringLiteral("the value written for outcome ") + quoted(o.key)))
                    store.outcomeValues.insert(o.key, *value);
            }
        }
    }
    if (!haveConnection) {
        error(entry.keyMark(),
              QStringLiteral(
                  "store %1 needs a connection (a libpq connection string, URI or service=NAME)")
                  .arg(quoted(store.name)));
    }
    return store;
}

void Reader::readMapping(const Entry &entry, const QString &store, const QStringList &logical,
                         TableMapping *mapping)
{
    const QString context
        = QStringLiteral("in the %1 mapping of store %2").arg(entry.key, quoted(store));
    const auto settings = entries(entry.value, QStringLiteral("a map with table and columns"),
                                  context, { QStringLiteral("table"), QStringLiteral("columns") });
    for (const Entry &e : settings.value_or(QList<Entry>())) {
        if (e.key == u"table") {
            if (const auto table = name(e, QStringLiteral("a table name")))
                mapping->table = *table;
        } else {
            const auto columns = entries(
                e.value, QStringLiteral("a map of Idem's column name to the store's column name"),
                context, logical, QStringLiteral("column"));
            for (const Entry &c : columns.value_or(QList<Entry>())) {
                if (const auto column
                    = name(c, QStringLiteral("the store's column name for ") + quoted(c.key)))
                    mapping->columns.insert(c.key, *column);
            }
        }
    }
}

std::optional<FlowConfig> Reader::readFlow(const Entry &entry, const EnvironmentConfig &env)
{
    FlowConfig flow;
    flow.name = entry.key;
    const QString context = QStringLiteral("in flow ") + quoted(flow.name);
    const auto settings = entries(
        entry.value, QStringLiteral("a map with the settings of flow ") + quoted(flow.name),
        context,
        { QStringLiteral("cluster"), QStringLiteral("topics"), QStringLiteral("retry_topics"),
          QStringLiteral("dead_letter_topic"), QStringLiteral("groups"), QStringLiteral("envelope"),
          QStringLiteral("dead_letter_envelope"), QStringLiteral("thresholds") });
    if (!settings)
        return std::nullopt;

    const auto defined = [&env](const QStringList &known, const QString &what) {
        return known.isEmpty()
            ? QStringLiteral("environment %1 defines no %2").arg(quoted(env.name), what)
            : QStringLiteral("environment %1 defines only: %2")
                  .arg(quoted(env.name), known.join(QStringLiteral(", ")));
    };

    bool haveCluster = false;
    bool haveTopics = false;
    for (const Entry &e : *settings) {
        if (e.key == u"cluster") {
            haveCluster = true;
            const auto cluster = name(e, QStringLiteral("the name of a Kafka cluster"));
            if (!cluster)
                continue;
            flow.cluster = *cluster;
            if (!env.cluster(*cluster)) {
                error(e.valueMark(),
                      QStringLiteral("flow %1 names cluster %2, but %3")
                          .arg(quoted(flow.name), quoted(*cluster),
                               defined(names(env.clusters), QStringLiteral("Kafka clusters"))));
            }
        } else if (e.key == u"topics") {
            haveTopics = true;
            const auto topics = topicList(e, flow.name);
            if (!topics)
                continue;
            flow.topics = *topics;
            if (topics->isEmpty()) {
                error(e.valueMark(),
                      QStringLiteral("flow %1 needs at least one topic").arg(quoted(flow.name)));
            }
        } else if (e.key == u"retry_topics") {
            flow.retryTopics = topicList(e, flow.name).value_or(QStringList());
        } else if (e.key == u"dead_letter_topic") {
            flow.deadLetterTopic = name(e, QStringLiteral("a topic name")).value_or(QString());
        } else if (e.key == u"groups") {
            const auto groups = entries(e.value, QStringLiteral("a map of consumer groups by name"),
                                        context, {}, QStringLiteral("group"));
            for (const Entry &g : groups.value_or(QList<Entry>())) {
                ConsumerGroupConfig group;
                group.name = g.key;
                const auto groupSettings = entries(
                    g.value,
                    QStringLiteral("a map with the settings of group ") + quoted(group.name),
                    QStringLiteral("in group %1 of flow %2").arg(quoted(g.key), quoted(flow.name)),
                    { QStringLiteral("store") });
                for (const Entry &s : groupSettings.value_or(QList<Entry>())) {
                    const auto store = name(s, QStringLiteral("the name of a store"));
                    if (!store)
                        continue;
                    group.store = *store;
                    if (!env.store(*store)) {
                        error(s.valueMark(),
                              QStringLiteral("group %1 of flow %2 names store %3, but %4")
                                  .arg(quoted(group.name), quoted(flow.name), quoted(*store),
                                       defined(names(env.stores), QStringLiteral("stores"))));
                    }
                }
                flow.groups.append(group);
            }
        } else if (e.key == u"envelope") {
            flow.envelope = readEnvelope(e, flow.name);
        } else if (e.key == u"dead_letter_envelope") {
            flow.deadLetterEnvelope = readEnvelope(e, flow.name);
        } else if (e.key == u"thresholds") {
            const auto list = entries(e.value, QStringLiteral("a map of figure to threshold"),
                                      QStringLiteral("in the thresholds of flow ") + quoted(flow.name),
                                      models::thresholdNames());
            for (const Entry &t : list.value_or(QList<Entry>())) {
                const bool ratio = models::isRatioThreshold(t.key);
                const QString expected = ratio ? QStringLiteral("a ratio from 0 to 1 for %1").arg(t.key)
                                               : QStringLiteral("a number of 0 or more for %1").arg(t.key);
                const auto value = scalar(t, expected);
                if (!value)
                    continue;
                bool ok = false;
                const double v = value->toDouble(&ok);
                if (!ok || v < 0 || (ratio && v > 1)) {
                    error(t.valueMark(), QStringLiteral("expected %1, found %2").arg(expected, quoted(*value)));
                    continue;
                }
                flow.thresholds.insert(t.key, v);
            }
        }
    }
    if (!haveCluster) {
        error(
            entry.keyMark(),
            QStringLiteral("flow %1 needs a cluster (one of the Kafka clusters of environment %2)")
                .arg(quoted(flow.name), quoted(env.name)));
    }
    if (!haveTopics) {
        error(entry.keyMark(),
              QStringLiteral("flow %1 needs topics (a list of at least one topic name)")
                  .arg(quoted(flow.name)));
    }
    return flow;
}

EnvelopeConfig Reader::readEnvelope(const Entry &entry, const QString &flow)
{
    EnvelopeConfig envelope;
    const QString context = QStringLiteral("in the %1 of flow %2").arg(entry.key, quoted(flow));
    const auto settings = entries(entry.value, QStringLiteral("a map with preset and fields"),
                                  context, { QStringLiteral("preset"), QStringLiteral("fields") });
    for (const Entry &e : settings.value_or(QList<Entry>())) {
        if (e.key == u"preset") {
            if (const auto preset = name(e, QStringLiteral("the name of an envelope preset")))
                envelope.preset = *preset;
        } else {
            // Names and specs belong to the envelope decoder, which checks them
            // when it builds the flow's envelope; here they only need to be text.
            const auto fields
                = entries(e.value, QStringLiteral("a map of envelope field to where it is found"),
                          context, {}, QStringLiteral("envelope field"));
            for (const Entry &f : fields.value_or(QList<Entry>())) {
                if (const auto spec = name(
                        f,
                        QStringLiteral("where %1 is found (header:NAME, key or payload:/pointer)")
                            .arg(f.key)))
                    envelope.fields.insert(f.key, *spec);
            }
        }
    }
    // The envelope decoder owns the preset names and the field grammar; a
    // mistake is reported here, at the flow's envelope, before anything runs.
    if (auto spec = models::makeEnvelopeSpec(envelope.preset, envelope.fields); !spec)
        error(entry.keyMark(), QStringLiteral("the %1 of flow %2: %3").arg(entry.key, quoted(flow), spec.error()));
    return envelope;
}

std::optional<OpsDatabaseConfig> Reader::readOps(const Entry &entry)
{
    const auto settings
        = entries(entry.value, QStringLiteral("a map with the connection of the ops database"),
                  QStringLiteral("in ops"), { QStringLiteral("connection") });
    if (!settings)
        return std::nullopt;
    OpsDatabaseConfig ops;
    bool haveConnection = false;
    for (const Entry &e : *settings) {
        haveConnection = true;
        const auto value = name(
            e,
            QStringLiteral("a libpq connection string, URI or service=NAME for the ops database"));
        if (!value)
            continue;
        checkVariables(*value, e.valueMark(), QStringLiteral("connection of the ops database"));
        ops.connection = *value;
    }
    if (!haveConnection) {
        error(entry.keyMark(),
              QStringLiteral("the ops database needs a connection (a libpq connection string, URI "
                             "or service=NAME)"));
    }
    return ops;
}

QString formatProblems(QList<Problem> problems, const QString &source)
{
    std::stable_sort(problems.begin(), problems.end(), [](const Problem &a, const Problem &b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    QStringList lines;
    for (qsizetype i = 0; i < problems.size() && i < kMaxReported; ++i) {
        const Problem &p = problems.at(i);
        lines
            << QStringLiteral("%1:%2:%3: %4").arg(source).arg(p.line).arg(p.column).arg(p.message);
    }
    if (problems.size() > kMaxReported) {
        lines << QStringLiteral("%1: %2 more problems not shown")
                     .arg(source)
                     .arg(problems.size() - kMaxReported);
    }
    return lines.join(u'\n');
}

// Writing ----------------------------------------------------------------------------------

YAML::Emitter &operator<<(YAML::Emitter &out, const QString &text)
{
    return out << toYaml(text);
}

void writeList(YAML::Emitter &out, const char *key, const QStringList &items)
{
    out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const QString &item : items)
        out << item;
    out << YAML::EndSeq;
}

// Only the entries that differ from the defaults, which the reader fills in again.
void writeDifferences(YAML::Emitter &out, const char *key, const QMap<QString, QString> &values,
                      const QMap<QString, QString> &defaults)
{
    QList<std::pair<QString, QString>> changed;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (defaults.value(it.key()) != it.value())
            changed.append({ it.key(), it.value() });
    }
    if (changed.isEmpty())
        return;
    out << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (const auto &[k, v] : changed)
        out << YAML::Key << k << YAML::Value << v;
    out << YAML::EndMap;
}

void writeMapping(YAML::Emitter &out, const char *key, const TableMapping &mapping,
                  const TableMapping &defaults)
{
    if (mapping == defaults)
        return;
    out << YAML::Key << key << YAML::Value << YAML::BeginMap;
    if (mapping.table != defaults.table)
        out << YAML::Key << "table" << YAML::Value << mapping.table;
    writeDifferences(out, "columns", mapping.columns, defaults.columns);
    out << YAML::EndMap;
}

void writeEnvelope(YAML::Emitter &out, const char *key, const EnvelopeConfig &envelope)
{
    const EnvelopeConfig defaults;
    if (envelope == defaults)
        return;
    out << YAML::Key << key << YAML::Value << YAML::BeginMap;
    if (envelope.preset != defaults.preset)
        out << YAML::Key << "preset" << YAML::Value << envelope.preset;
    if (!envelope.fields.isEmpty()) {
        out << YAML::Key << "fields" << YAML::Value << YAML::BeginMap;
        for (auto it = envelope.fields.cbegin(); it != envelope.fields.cend(); ++it)
            out << YAML::Key << it.key() << YAML::Value << it.value();
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
}

void writeStore(YAML::Emitter &out, const StoreConfig &store)
{
    const StoreConfig defaults;
    out << YAML::Key << store.name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "connection" << YAML::Value << store.connection;
    if (store.statementTimeoutMs != defaults.statementTimeoutMs)
        out << YAML::Key << "statement_timeout_ms" << YAML::Value << store.statementTimeoutMs;
    writeMapping(out, "registry", store.registry, defaults.registry);
    writeMapping(out, "attempts", store.attempts, defaults.attempts);
    writeDifferences(out, "outcomes", store.outcomeValues, defaults.outcomeValues);
    out << YAML::EndMap;
}

void writeFlow(YAML::Emitter &out, const FlowConfig &flow)
{
    out << YAML::Key << flow.name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cluster" << YAML::Value << flow.cluster;
    writeList(out, "topics", flow.topics);
    if (!flow.retryTopics.isEmpty())
        writeList(out, "retry_topics", flow.retryTopics);
    if (!flow.deadLetterTopic.isEmpty())
        out << YAML::Key << "dead_letter_topic" << YAML::Value << flow.deadLetterTopic;
    if (!flow.groups.isEmpty()) {
        out << YAML::Key << "groups" << YAML::Value << YAML::BeginMap;
        for (const ConsumerGroupConfig &group : flow.groups) {
            out << YAML::Key << group.name << YAML::Value << YAML::Flow << YAML::BeginMap;
            if (!group.store.isEmpty())
                out << YAML::Key << "store" << YAML::Value << group.store;
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    writeEnvelope(out, "envelope", flow.envelope);
    writeEnvelope(out, "dead_letter_envelope", flow.deadLetterEnvelope);
    if (!flow.thresholds.isEmpty()) {
        out << YAML::Key << "thresholds" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (auto it = flow.thresholds.cbegin(); it != flow.thresholds.cend(); ++it)
            out << YAML::Key << it.key().toStdString() << YAML::Value << QString::number(it.value(), 'g', 12).toStdString();
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
}

void writeEnvironment(YAML::Emitter &out, const EnvironmentConfig &env)
{
    out << YAML::Key << env.name << YAML::Value;
    if (env.clusters.isEmpty() && env.stores.isEmpty() && env.flows.isEmpty() && !env.ops) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
    }
    out << YAML::BeginMap;
    if (!env.clusters.isEmpty()) {
        out << YAML::Key << "kafka" << YAML::Value << YAML::BeginMap;
        for (const KafkaClusterConfig &cluster : env.clusters) {
            out << YAML::Key << cluster.name << YAML::Value << YAML::BeginMap;
            for (const auto &[key, value] : cluster.properties)
                out << YAML::Key << key << YAML::Value << value;
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    if (!env.stores.isEmpty()) {
        out << YAML::Key << "stores" << YAML::Value << YAML::BeginMap;
        for (const StoreConfig &store : env.stores)
            writeStore(out, store);
        out << YAML::EndMap;
    }
    if (!env.flows.isEmpty()) {
        out << YAML::Key << "flows" << YAML::Value << YAML::BeginMap;
        for (const FlowConfig &flow : env.flows)
            writeFlow(out, flow);
        out << YAML::EndMap;
    }
    if (env.ops) {
        out << YAML::Key << "ops" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "connection" << YAML::Value << env.ops->connection;
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
}

} // namespace

Result<Config> parseConfig(const QByteArray &yaml, const QString &sourceName,
                           VariableCheck variables)
{
    Reader reader(variables);
    Config config;
    try {
        const std::vector<YAML::Node> documents
            = YAML::LoadAll(std::string(yaml.constData(), size_t(yaml.size())));
        if (documents.size() > 1) {
            reader.error(
                documents.at(1).Mark(),
                QStringLiteral("a second YAML document; the configuration is one document"));
        }
        config = reader.read(documents.empty() ? YAML::Node() : documents.front());
    } catch (const YAML::ParserException &e) {
        reader.error(e.mark, QStringLiteral("invalid YAML: ") + fromYaml(e.msg));
    } catch (const std::exception &e) {
        // Anything else yaml-cpp throws is a defect of ours, still not a crash.
        reader.error(YAML::Mark::null_mark(),
                     QStringLiteral("cannot read the configuration: ") + fromYaml(e.what()));
    }
    if (!reader.problems().isEmpty())
        return makeError(formatProblems(reader.problems(), sourceName));
    return config;
}

Result<Config> loadConfig(const QString &path, VariableCheck variables)
{
    const auto cannotRead = [&](int err) {
        return makeError(QStringLiteral("%1: cannot read the configuration: %2")
                             .arg(path, QString::fromLocal8Bit(strerror(err))));
    };
    const auto notAFile = [&] {
        return makeError(QStringLiteral("%1: not a regular file (a pipe, device or directory); "
                                        "the configuration is read from a file")
                             .arg(path));
    };
    const auto tooLarge = [&] {
        return makeError(QStringLiteral("%1: is larger than %2 MiB; a configuration file is small")
                             .arg(path)
                             .arg(kMaxFileSize / (1024 * 1024)));
    };
    const QByteArray native = QFile::encodeName(path);
    // Looked at before opening: opening a FIFO for reading waits for a writer.
    struct stat before{};
    if (::stat(native.constData(), &before) != 0)
        return cannotRead(errno);
    if (!S_ISREG(before.st_mode))
        return notAFile();
    if (before.st_size > kMaxFileSize)
        return tooLarge();
    // O_NONBLOCK: should the path be swapped for a FIFO meanwhile, open()
    // returns at once, and fstat() below refuses it.
    const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return cannotRead(errno);
    struct stat opened{};
    if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
        ::close(fd);
        return notAFile();
    }
    QByteArray text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return cannotRead(err);
        }
        if (n == 0)
            break;
        // The file may grow after fstat(): the cap holds for what is read.
        if (text.size() + n > kMaxFileSize) {
            ::close(fd);
            return tooLarge();
        }
        text.append(buffer, n);
    }
    ::close(fd);
    Result<Config> config = parseConfig(text, path, variables);
    if (config)
        config->sourcePath = QFileInfo(path).absoluteFilePath();
    return config;
}

Result<models::EnvironmentConfig> selectEnvironment(const models::Config &config, const QString &name,
                                                    const QString &path)
{
    const models::EnvironmentConfig *env = name.isEmpty()
        ? (config.environments.isEmpty() ? nullptr : &config.environments.first())
        : config.environment(name);
    if (env)
        return *env;
    QStringList names;
    for (const auto &e : config.environments)
        names << e.name;
    return makeError(name.isEmpty() ? QStringLiteral("%1 defines no environment").arg(path)
                                    : QStringLiteral("%1 has no environment \"%2\"; it defines: %3")
                                          .arg(path, name, names.join(QStringLiteral(", "))));
}

QByteArray writeConfig(const Config &config)
{
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::Comment(
        "Idem configuration. Idem keeps the keys but not the comments when it writes this file.")
        << YAML::Newline;
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << kFormatVersion;
    out << YAML::Key << "environments" << YAML::Value;
    if (config.environments.isEmpty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    } else {
        out << YAML::BeginMap;
        for (const EnvironmentConfig &env : config.environments)
            writeEnvironment(out, env);
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
    return QByteArray(out.c_str(), qsizetype(out.size())) + '\n';
}

Status saveConfig(const Config &config, const QString &path)
{
    const QByteArray text = writeConfig(config);
    // Never replace a working file with one Idem itself would reject.
    if (const auto check = parseConfig(text, path, VariableCheck::Skipped); !check) {
        return makeError(
            QStringLiteral("the configuration was not saved because it is not valid:\n")
            + check.error());
    }

    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        return makeError(QStringLiteral("cannot create the folder %1 for the configuration")
                             .arg(info.absolutePath()));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return makeError(
            QStringLiteral("cannot write the configuration %1: %2").arg(path, file.errorString()));
    }
    // Owner only, even though secrets belong elsewhere: connection strings still reveal hosts and
    // users.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        file.cancelWriting();
        return makeError(QStringLiteral("cannot restrict the permissions of %1: %2")
                             .arg(path, file.errorString()));
    }
    if (file.write(text) != text.size() || !file.commit()) {
        return makeError(
            QStringLiteral("cannot write the configuration %1: %2").arg(path, file.errorString()));
    }
    return Status::success();
}

QByteArray YamlConfigStorage::text(const Config &config) const
{
    return writeConfig(config);
}

Result<Config> YamlConfigStorage::read(const QByteArray &text, const QString &sourceName) const
{
    return parseConfig(text, sourceName, VariableCheck::Skipped);
}

Status YamlConfigStorage::save(const Config &config)
{
    if (config.sourcePath.isEmpty())
        return makeError(QStringLiteral("the configuration has no file to be saved to"));
    return saveConfig(config, config.sourcePath);
}

QString defaultConfigPath()
{
    QString base = qEnvironmentVariable("XDG_CONFIG_HOME");
    // The XDG spec says a relative value is invalid and must be ignored.
    if (base.isEmpty() || QDir::isRelativePath(base))
        base = QDir::homePath() + QStringLiteral("/.config");
    return base + QStringLiteral("/idem/idem.yaml");
}

} // namespace idem::connectors
