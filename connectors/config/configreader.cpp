// The configuration file's reader: YAML to models::Config, every problem
// collected with its position instead of stopping at the first. The
// cross-reference checks are in configchecks.cpp, writing in configwriter.cpp.

#include "connectors/config/configfile.h"
#include "connectors/config/configfile_p.h"

#include "models/config/kafkasafety.h"
#include "models/envelope/presets.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>

#include <cmath>

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace idem::connectors {

using namespace configfile; // with the models:: names the file speaks of

namespace {



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

    // A name defined elsewhere in the environment, checked once it is read.
    void reference(Reference::Kind kind, const QString &flow, const QString &group, const QString &name,
                   const YAML::Mark &mark)
    {
        m_references.append({kind, flow, group, name, mark.is_null() ? 1 : mark.line + 1,
                             mark.is_null() ? 1 : mark.column + 1});
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
    std::optional<models::EnvironmentBand> readBand(const Entry &entry, const QString &environment);
    void readAlerts(const Entry &entry, FlowConfig &flow);

    VariableCheck m_variables;
    QList<Problem> m_problems;
    QList<Reference> m_references; // of the environment being read
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
        ? models::checkEnvironmentVariables(value)
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
          QStringLiteral("ops"), QStringLiteral("band") });
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
    m_problems += checkReferences(env, m_references);
    m_references.clear();
    if (const Entry *ops = find(u"ops"))
        env.ops = readOps(*ops);
    if (const Entry *band = find(u"band"))
        env.band = readBand(*band, env.name);
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
          QStringLiteral("dead_letter_envelope"), QStringLiteral("thresholds"), QStringLiteral("alerts") });
    if (!settings)
        return std::nullopt;

    bool haveCluster = false;
    bool haveTopics = false;
    for (const Entry &e : *settings) {
        if (e.key == u"cluster") {
            haveCluster = true;
            const auto cluster = name(e, QStringLiteral("the name of a Kafka cluster"));
            if (!cluster)
                continue;
            flow.cluster = *cluster;
            reference(Reference::Kind::Cluster, flow.name, {}, *cluster, e.valueMark());
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
                    reference(Reference::Kind::Store, flow.name, group.name, *store, s.valueMark());
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
        } else if (e.key == u"alerts") {
            readAlerts(e, flow);
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

void Reader::readAlerts(const Entry &entry, FlowConfig &flow)
{
    const auto list = entries(entry.value, QStringLiteral("a map of alert settings"),
                              QStringLiteral("in the alerts of flow ") + quoted(flow.name), models::alertSettingNames());
    models::FlowAlertConfig &a = flow.alerts;
    for (const Entry &t : list.value_or(QList<Entry>())) {
        const bool onOff = t.key == u"lag_status" || t.key == u"thresholds" || t.key == u"rising";
        const bool duration = onOff || t.key == u"rising_window";
        const QString expected = duration
            ? QStringLiteral("a duration from 1s to 24h such as 90s, 5m or 2h%1 for %2")
                  .arg(onOff ? QStringLiteral(", or off,") : QString(), t.key)
            : t.key == u"rising_min_share" ? QStringLiteral("a ratio above 0 and at most 1 for %1").arg(t.key)
            : t.key == u"rising_factor"    ? QStringLiteral("a number of 1 or more for %1").arg(t.key)
                                           : QStringLiteral("a number above 0 for %1").arg(t.key);
        const auto value = scalar(t, expected);
        if (!value)
            continue;
        if (duration) {
            const bool off = onOff && value->trimmed() == u"off";
            const auto ms = models::parseAlertDuration(*value);
            if (!off && !ms) {
                error(t.valueMark(), QStringLiteral("expected %1, found %2").arg(expected, quoted(*value)));
                continue;
            }
            if (t.key == u"lag_status") {
                a.lagStatus = !off;
                a.lagStatusForMs = ms.value_or(a.lagStatusForMs);
            } else if (t.key == u"thresholds") {
                a.thresholds = !off;
                a.thresholdForMs = ms.value_or(a.thresholdForMs);
            } else if (t.key == u"rising") {
                a.rising = !off;
                a.risingForMs = ms.value_or(a.risingForMs);
            } else {
                a.risingWindowMs = *ms;
            }
            continue;
        }
        bool ok = false;
        const double v = value->toDouble(&ok);
        const bool valid = ok && std::isfinite(v)
            && (t.key == u"rising_factor" ? v >= 1 : t.key == u"rising_min_share" ? v > 0 && v <= 1 : v > 0);
        if (!valid) {
            error(t.valueMark(), QStringLiteral("expected %1, found %2").arg(expected, quoted(*value)));
            continue;
        }
        if (t.key == u"rising_factor")
            a.risingFactor = v;
        else if (t.key == u"rising_min_share")
            a.risingMinShare = v;
        else
            a.risingMinPerMinute = v;
    }
}

std::optional<OpsDatabaseConfig> Reader::readOps(const Entry &entry)
{
    const auto settings
        = entries(entry.value, QStringLiteral("a map with the connection of the ops database"),
                  QStringLiteral("in ops"), { QStringLiteral("connection"), QStringLiteral("index_retention_days"),
                                              QStringLiteral("history_days") });
    if (!settings)
        return std::nullopt;
    OpsDatabaseConfig ops;
    bool haveConnection = false;
    for (const Entry &e : *settings) {
        if (e.key == u"index_retention_days") {
            const auto text = name(e, QStringLiteral("a number of days the event index keeps"));
            if (!text)
                continue;
            bool isNumber = false;
            const int days = text->toInt(&isNumber);
            if (!isNumber || days < 1 || days > OpsDatabaseConfig::kMaxIndexRetentionDays) {
                error(e.valueMark(), QStringLiteral("expected the event index's retention in whole days, "
                                                    "from 1 to %1, found %2")
                                         .arg(OpsDatabaseConfig::kMaxIndexRetentionDays)
                                         .arg(quoted(*text)));
                continue;
            }
            ops.indexRetentionDays = days;
            continue;
        }
        if (e.key == u"history_days") {
            const QString expected = QStringLiteral("a whole number of days from 1 to 3660 for history_days "
                                                    "(how long the metric history is kept)");
            const auto value = scalar(e, expected);
            if (!value)
                continue;
            bool ok = false;
            const int days = value->trimmed().toInt(&ok);
            if (!ok || days < 1 || days > 3660) {
                error(e.valueMark(), QStringLiteral("expected %1, found %2").arg(expected, quoted(*value)));
                continue;
            }
            ops.historyDays = days;
            continue;
        }
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

std::optional<models::EnvironmentBand> Reader::readBand(const Entry &entry, const QString &environment)
{
    const auto settings = entries(
        entry.value,
        QStringLiteral("a map with the label and colour of environment %1's band").arg(quoted(environment)),
        QStringLiteral("in the band of environment ") + quoted(environment),
        { QStringLiteral("label"), QStringLiteral("colour") });
    if (!settings)
        return std::nullopt;
    models::EnvironmentBand band;
    for (const Entry &e : *settings) {
        const auto value = scalar(e, QStringLiteral("a single value for the band's ") + e.key);
        if (!value)
            continue;
        if (e.key == u"label") {
            band.label = *value;
        } else {
            if (const QString problem = models::bandColourProblem(*value); !problem.isEmpty())
                error(e.valueMark(), problem + QStringLiteral(" (environment ") + quoted(environment)
                                         + QLatin1Char(')'));
            band.colour = value->trimmed();
        }
    }
    return band;
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

QString defaultConfigPath()
{
    QString base = qEnvironmentVariable("XDG_CONFIG_HOME");
    // The XDG spec says a relative value is invalid and must be ignored.
    if (base.isEmpty() || QDir::isRelativePath(base))
        base = QDir::homePath() + QStringLiteral("/.config");
    return base + QStringLiteral("/idem/idem.yaml");
}

} // namespace idem::connectors
