#include "models/envelope/presets.h"

#include "models/envelope/envelopetext_p.h"

#include <algorithm>

namespace idem::models {

using envelope_detail::EnvelopeText;
using F = EnvelopeField;

namespace {

QList<EnvelopePreset> buildPresets()
{
    return {
        {
            QStringLiteral("idem"),
            EnvelopeText::tr("Idem default"),
            {
                { F::EventId, QStringLiteral("header:event_id | payload:/event_id") },
                { F::EntityKey, QStringLiteral("header:entity_key | payload:/entity_key | key") },
                { F::EventType, QStringLiteral("header:event_type | payload:/event_type") },
                { F::EventVersion,
                  QStringLiteral("header:event_version | payload:/event_version") },
                { F::Time, QStringLiteral("timestamp") },
                { F::Attempt, QStringLiteral("header:attempt") },
                { F::OriginalTopic, QStringLiteral("header:original_topic") },
                { F::OriginalPartition, QStringLiteral("header:original_partition") },
                { F::OriginalOffset, QStringLiteral("header:original_offset") },
                { F::FailedAt, QStringLiteral("header:failed_at") },
                { F::ConsumerGroup, QStringLiteral("header:consumer_group") },
                { F::ErrorClass, QStringLiteral("header:error_class") },
                { F::Error, QStringLiteral("header:error") },
                { F::StackTrace, QStringLiteral("header:stack_trace") },
            },
            { QStringLiteral("header:event_id | payload:/event_id") },
            { QStringLiteral("header:original_topic | header:error") },
            0.9,
            { QStringLiteral("{topic}.dlq"), QStringLiteral("{topic}-dlq"),
              QStringLiteral("{topic}_dlq") },
            { QStringLiteral("{topic}.retry.{delay}"), QStringLiteral("{topic}.retry"),
              QStringLiteral("{topic}_retry") },
        },
        {
            QStringLiteral("cloudevents"),
            EnvelopeText::tr("CloudEvents (Kafka binding, binary or structured)"),
            {
                { F::EventId, QStringLiteral("cloudevent:id") },
                { F::EntityKey, QStringLiteral("key | cloudevent:subject") },
                { F::EventType, QStringLiteral("cloudevent:type") },
                { F::Source, QStringLiteral("cloudevent:source") },
                { F::Subject, QStringLiteral("cloudevent:subject") },
                { F::Time, QStringLiteral("cloudevent:time | timestamp") },
            },
            { QStringLiteral("cloudevent:id") },
            {},
            1.0,
            {},
            {},
        },
        {
            QStringLiteral("spring"),
            EnvelopeText::tr("Spring Kafka dead-letter and retry topics"),
            {
                // Each retry hop appends another copy of the "original" headers;
                // the first copy names the record that failed first.
                { F::OriginalTopic, QStringLiteral("header:kafka_dlt-original-topic first") },
                { F::OriginalPartition,
                  QStringLiteral("header:kafka_dlt-original-partition first as int") },
                { F::OriginalOffset,
                  QStringLiteral("header:kafka_dlt-original-offset first as int") },
                { F::OriginalTimestamp,
                  QStringLiteral("header:kafka_dlt-original-timestamp first as int") },
                { F::ConsumerGroup,
                  QStringLiteral("header:kafka_dlt-original-consumer-group first") },
                // The listener's exception is usually a wrapper; its cause says
                // what went wrong.
                { F::ErrorClass,
                  QStringLiteral("header:kafka_dlt-exception-cause-fqcn last"
                                 " | header:kafka_dlt-exception-fqcn last") },
                { F::Error, QStringLiteral("header:kafka_dlt-exception-message last") },
                { F::StackTrace, QStringLiteral("header:kafka_dlt-exception-stacktrace last") },
                { F::Attempt, QStringLiteral("header:retry_topic-attempts last as int") },
            },
            {},
            { QStringLiteral("header:kafka_dlt-original-topic | header:kafka_dlt-exception-fqcn"
                             " | header:retry_topic-attempts") },
            1.0,
            { QStringLiteral("{topic}.DLT"), QStringLiteral("{topic}-dlt") },
            { QStringLiteral("{topic}-retry"), QStringLiteral("{topic}-retry-{delay}"),
              QStringLiteral("{topic}-retry-{delay}-{n}") },
        },
        {
            QStringLiteral("connect"),
            EnvelopeText::tr("Kafka Connect dead-letter queue (context headers enabled)"),
            {
                // A record that fails again in a second connector gets a second
                // set; the last one describes the latest failure.
                { F::OriginalTopic, QStringLiteral("header:__connect.errors.topic last") },
                { F::OriginalPartition,
                  QStringLiteral("header:__connect.errors.partition last as int") },
                { F::OriginalOffset, QStringLiteral("header:__connect.errors.offset last as int") },
                { F::Connector, QStringLiteral("header:__connect.errors.connector.name last") },
                { F::Task, QStringLiteral("header:__connect.errors.task.id last as int") },
                { F::Stage, QStringLiteral("header:__connect.errors.stage last") },
                { F::ErrorClass,
                  QStringLiteral("header:__connect.errors.exception.class.name last") },
                { F::Error, QStringLiteral("header:__connect.errors.exception.message last") },
                { F::StackTrace,
                  QStringLiteral("header:__connect.errors.exception.stacktrace last") },
            },
            {},
            { QStringLiteral("header:__connect.errors.topic"
                             " | header:__connect.errors.exception.class.name") },
            1.0,
            {},
            {},
        },
        {
            QStringLiteral("debezium-outbox"),
            EnvelopeText::tr("Debezium outbox event router"),
            {
                { F::EventId, QStringLiteral("header:id") },
                { F::EntityKey, QStringLiteral("key") },
                // Where the type goes depends on table.fields.additional.placement.
                { F::EventType,
                  QStringLiteral("header:eventType | header:type | payload:/eventType") },
                { F::Time, QStringLiteral("timestamp") },
            },
            { QStringLiteral("header:id"), QStringLiteral("key") },
            {},
            // "id" is a common header name; a key beside it is weak support.
            0.7,
            {},
            {},
        },
        {
            QStringLiteral("custom"),
            EnvelopeText::tr("Custom: only the fields the configuration names"),
            {},
            {},
            {},
            0.0,
            {},
            {},
        },
    };
}

qsizetype editDistance(QStringView a, QStringView b)
{
    QList<qsizetype> row(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (qsizetype i = 1; i <= a.size(); ++i) {
        qsizetype diagonal = row[0];
        row[0] = i;
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const qsizetype above = row[j];
            const qsizetype cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + cost });
            diagonal = above;
        }
    }
    return row[b.size()];
}

// " (did you mean X?)" when a known name is within two edits.
QString suggestion(QStringView name, const QStringList &known)
{
    QString best;
    qsizetype bestDistance = 3;
    for (const QString &candidate : known) {
        const qsizetype d = editDistance(name.toString().toLower(), candidate);
        if (d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    return best.isEmpty() ? QString() : EnvelopeText::tr(" (did you mean %1?)").arg(best);
}

QStringList presetNames()
{
    QStringList names;
    for (const EnvelopePreset &p : envelopePresets())
        names.append(p.name);
    return names;
}

QStringList fieldNames()
{
    QStringList names;
    for (EnvelopeField f : allEnvelopeFields())
        names.append(envelopeFieldName(f));
    return names;
}

} // namespace

const QList<EnvelopePreset> &envelopePresets()
{
    static const QList<EnvelopePreset> presets = buildPresets();
    return presets;
}

const EnvelopePreset *findEnvelopePreset(QStringView name)
{
    for (const EnvelopePreset &p : envelopePresets()) {
        if (p.name == name)
            return &p;
    }
    return nullptr;
}

Result<EnvelopeSpec> makeEnvelopeSpec(const QString &preset, const QMap<QString, QString> &fields)
{
    EnvelopeSpec spec;
    spec.preset = preset.trimmed();
    if (spec.preset.isEmpty()) {
        return makeError(EnvelopeText::tr("no envelope preset given; known presets: %1")
                             .arg(presetNames().join(QStringLiteral(", "))));
    }

    QList<const EnvelopePreset *> chain;
    bool custom = false;
    for (const QString &part : spec.preset.split(QLatin1Char('+'))) {
        const QString name = part.trimmed();
        const EnvelopePreset *found = findEnvelopePreset(name);
        if (!found) {
            if (name.isEmpty()) {
                return makeError(EnvelopeText::tr("envelope preset \"%1\" has an empty part "
                                                  "around \"+\"")
                                     .arg(spec.preset));
            }
            return makeError(EnvelopeText::tr("unknown envelope preset \"%1\"%2; known presets: %3")
                                 .arg(name, suggestion(name, presetNames()),
                                      presetNames().join(QStringLiteral(", "))));
        }
        if (chain.contains(found)) {
            return makeError(
                EnvelopeText::tr("envelope preset \"%1\" names %2 twice").arg(spec.preset, name));
        }
        custom = custom || found->name == QLatin1String("custom");
        chain.append(found);
    }
    if (custom && chain.size() > 1) {
        return makeError(EnvelopeText::tr("envelope preset \"%1\": custom stands alone; name the "
                                          "fields it should read instead")
                             .arg(spec.preset));
    }
    if (!custom) {
        const EnvelopePreset *idem = findEnvelopePreset(u"idem");
        if (!chain.contains(idem))
            chain.append(idem);
    }

    std::array<bool, EnvelopeFieldCount> set {};
    for (const EnvelopePreset *p : chain) {
        for (const auto &[field, text] : p->fields) {
            if (set[size_t(field)])
                continue;
            auto parsed = parseFieldSpec(text, field);
            if (!parsed) {
                // The table is ours; tst_envelope parses every entry.
                return makeError(
                    EnvelopeText::tr("envelope preset %1: %2").arg(p->name, parsed.error()));
            }
            spec.setField(field, std::move(parsed.value()));
            set[size_t(field)] = true;
        }
    }

    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        const auto field = envelopeFieldFromName(it.key().trimmed());
        if (!field) {
            return makeError(EnvelopeText::tr("unknown envelope field \"%1\"%2; known fields: %3")
                                 .arg(it.key(), suggestion(it.key(), fieldNames()),
                                      fieldNames().join(QStringLiteral(", "))));
        }
        auto parsed = parseFieldSpec(it.value(), *field);
        if (!parsed)
            return makeError(EnvelopeText::tr("envelope field %1").arg(parsed.error()));
        spec.setField(*field, std::move(parsed.value()));
    }

    if (spec.field(EnvelopeField::EventId).isNone()) {
        return makeError(EnvelopeText::tr("envelope preset %1 reads no event_id; set "
                                          "fields.event_id, e.g. \"header:event_id\"")
                             .arg(spec.preset));
    }
    return spec;
}

} // namespace idem::models
