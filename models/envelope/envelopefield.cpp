#include "models/envelope/envelopefield.h"

#include <array>

namespace idem::models {

namespace {

struct FieldInfo
{
    EnvelopeField field;
    const char *name;
    EnvelopeValueType type;
};

constexpr std::array<FieldInfo, EnvelopeFieldCount> kFields { {
    { EnvelopeField::EventId, "event_id", EnvelopeValueType::Text },
    { EnvelopeField::EntityKey, "entity_key", EnvelopeValueType::Text },
    { EnvelopeField::EventType, "event_type", EnvelopeValueType::Text },
    { EnvelopeField::EventVersion, "event_version", EnvelopeValueType::Text },
    { EnvelopeField::Source, "source", EnvelopeValueType::Text },
    { EnvelopeField::Subject, "subject", EnvelopeValueType::Text },
    { EnvelopeField::Time, "time", EnvelopeValueType::Time },
    { EnvelopeField::Attempt, "attempt", EnvelopeValueType::Integer },
    { EnvelopeField::OriginalTopic, "original_topic", EnvelopeValueType::Text },
    { EnvelopeField::OriginalPartition, "original_partition", EnvelopeValueType::Integer },
    { EnvelopeField::OriginalOffset, "original_offset", EnvelopeValueType::Integer },
    { EnvelopeField::OriginalTimestamp, "original_timestamp", EnvelopeValueType::Time },
    { EnvelopeField::FailedAt, "failed_at", EnvelopeValueType::Time },
    { EnvelopeField::ConsumerGroup, "consumer_group", EnvelopeValueType::Text },
    { EnvelopeField::ErrorClass, "error_class", EnvelopeValueType::Text },
    { EnvelopeField::Error, "error", EnvelopeValueType::Text },
    { EnvelopeField::StackTrace, "stack_trace", EnvelopeValueType::Text },
    { EnvelopeField::Connector, "connector", EnvelopeValueType::Text },
    { EnvelopeField::Task, "task", EnvelopeValueType::Integer },
    { EnvelopeField::Stage, "stage", EnvelopeValueType::Text },
} };

// The table is indexed by the enum; a reordering would silently mislabel fields.
constexpr bool tableMatchesEnum()
{
    for (int i = 0; i < EnvelopeFieldCount; ++i) {
        if (int(kFields[size_t(i)].field) != i)
            return false;
    }
    return true;
}
static_assert(tableMatchesEnum());

} // namespace

QString envelopeFieldName(EnvelopeField field)
{
    return QString::fromLatin1(kFields[size_t(field)].name);
}

std::optional<EnvelopeField> envelopeFieldFromName(QStringView name)
{
    for (const FieldInfo &info : kFields) {
        if (name == QLatin1String(info.name))
            return info.field;
    }
    return std::nullopt;
}

EnvelopeValueType envelopeFieldType(EnvelopeField field)
{
    return kFields[size_t(field)].type;
}

QList<EnvelopeField> allEnvelopeFields()
{
    QList<EnvelopeField> all;
    all.reserve(EnvelopeFieldCount);
    for (const FieldInfo &info : kFields)
        all.append(info.field);
    return all;
}

} // namespace idem::models
