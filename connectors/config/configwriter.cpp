// The configuration file's writer: models::Config to YAML in the documented
// shape, keys in a fixed order and defaults left out, saved atomically.

#include "connectors/config/configfile.h"
#include "connectors/config/configfile_p.h"

#include "models/envelope/presets.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <yaml-cpp/yaml.h>

namespace idem::connectors {

using namespace configfile; // with the models:: names the file speaks of

namespace {

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
    const FlowAlertConfig &a = flow.alerts;
    if (a != FlowAlertConfig{}) {
        const FlowAlertConfig d;
        const auto duration = [](bool on, qint64 ms) { return on ? models::formatAlertDuration(ms).toStdString() : std::string("off"); };
        out << YAML::Key << "alerts" << YAML::Value << YAML::Flow << YAML::BeginMap;
        if (a.lagStatus != d.lagStatus || a.lagStatusForMs != d.lagStatusForMs)
            out << YAML::Key << "lag_status" << YAML::Value << duration(a.lagStatus, a.lagStatusForMs);
        if (a.thresholds != d.thresholds || a.thresholdForMs != d.thresholdForMs)
            out << YAML::Key << "thresholds" << YAML::Value << duration(a.thresholds, a.thresholdForMs);
        if (a.rising != d.rising || a.risingForMs != d.risingForMs)
            out << YAML::Key << "rising" << YAML::Value << duration(a.rising, a.risingForMs);
        if (a.risingWindowMs != d.risingWindowMs)
            out << YAML::Key << "rising_window" << YAML::Value << models::formatAlertDuration(a.risingWindowMs).toStdString();
        if (a.risingFactor != d.risingFactor)
            out << YAML::Key << "rising_factor" << YAML::Value << QString::number(a.risingFactor, 'g', 12).toStdString();
        if (a.risingMinShare != d.risingMinShare)
            out << YAML::Key << "rising_min_share" << YAML::Value << QString::number(a.risingMinShare, 'g', 12).toStdString();
        if (a.risingMinPerMinute != d.risingMinPerMinute)
            out << YAML::Key << "rising_min_per_minute" << YAML::Value
                << QString::number(a.risingMinPerMinute, 'g', 12).toStdString();
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
}

void writeEnvironment(YAML::Emitter &out, const EnvironmentConfig &env)
{
    out << YAML::Key << env.name << YAML::Value;
    if (env.clusters.isEmpty() && env.stores.isEmpty() && env.flows.isEmpty() && !env.ops && !env.band) {
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
        if (env.ops->indexRetentionDays != OpsDatabaseConfig::kDefaultIndexRetentionDays)
            out << YAML::Key << "index_retention_days" << YAML::Value << env.ops->indexRetentionDays;
        if (env.ops->historyDays != OpsDatabaseConfig{}.historyDays)
            out << YAML::Key << "history_days" << YAML::Value << env.ops->historyDays;
        out << YAML::EndMap;
    }
    if (env.band) {
        out << YAML::Key << "band" << YAML::Value << YAML::BeginMap;
        if (!env.band->label.isEmpty())
            out << YAML::Key << "label" << YAML::Value << env.band->label;
        if (!env.band->colour.isEmpty())
            out << YAML::Key << "colour" << YAML::Value << env.band->colour;
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
}

} // namespace

QByteArray writeConfig(const Config &config)
{
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::Comment(
        "Idem configuration. Idem edits changed values in place and keeps your comments.")
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

namespace {

Status writeFile(const QString &path, const QByteArray &text, const QString &what)
{
    QSaveFile file(path);
    const auto failed = [&](const QString &why) {
        return makeError(QStringLiteral("cannot write %1 %2: %3. Nothing was changed: the file is as it was.")
                             .arg(what, path, why));
    };
    if (!file.open(QIODevice::WriteOnly))
        return failed(file.errorString());
    // Owner only, even though secrets belong elsewhere: connection strings still reveal hosts and
    // users.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        file.cancelWriting();
        return failed(QStringLiteral("its permissions cannot be restricted (%1)").arg(file.errorString()));
    }
    if (file.write(text) != text.size() || !file.commit())
        return failed(file.errorString());
    return Status::success();
}

} // namespace

Status saveConfig(const Config &config, const QString &path, QString *note)
{
    if (note)
        note->clear();
    QByteArray text = writeConfig(config);
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
    if (info.exists()) {
        QFile existing(path);
        if (!existing.open(QIODevice::ReadOnly)) {
            return makeError(QStringLiteral("cannot read %1 before saving over it: %2. Nothing was changed.")
                                 .arg(path, existing.errorString()));
        }
        const QByteArray original = existing.read(kMaxFileSize + 1);
        existing.close();
        // The user's comments and key order are kept: only the changed values are edited.
        if (const auto patched = patchConfigText(original, config)) {
            text = *patched;
        } else {
            const QString backup = path + QStringLiteral(".bak");
            if (const Status kept = writeFile(backup, original, QStringLiteral("a copy of the configuration"));
                !kept) {
                return makeError(QStringLiteral("the configuration was not saved: its comments could not be kept "
                                                "and %1")
                                     .arg(kept.error()));
            }
            if (note) {
                *note = QStringLiteral("The changes could not be made in place, so %1 was written anew without "
                                       "its comments; the previous file is kept as %2.")
                            .arg(path, backup);
            }
        }
    }
    return writeFile(path, text, QStringLiteral("the configuration"));
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
    m_note.clear();
    if (config.sourcePath.isEmpty())
        return makeError(QStringLiteral("the configuration has no file to be saved to"));
    return saveConfig(config, config.sourcePath, &m_note);
}

} // namespace idem::connectors
