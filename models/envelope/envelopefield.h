#pragma once

// The logical fields of an event envelope (DESIGN.md §1). Their names are the
// keys of `envelope.fields` in a flow's configuration.

#include <QList>
#include <QString>
#include <QStringView>
#include <optional>

namespace idem::models {

enum class EnvelopeField {
    EventId,
    EntityKey,
    EventType,
    EventVersion,
    Source, // CloudEvents `source`: an id is unique only within its source
    Subject, // CloudEvents `subject`
    Time,
    Attempt,
    // Dead-letter and retry copies: where the message came from and why it failed.
    OriginalTopic,
    OriginalPartition,
    OriginalOffset,
    OriginalTimestamp,
    FailedAt,
    ConsumerGroup, // the group that failed to process it
    ErrorClass,
    Error, // the error message or cause as the failing consumer wrote it
    StackTrace,
    Connector, // Kafka Connect only
    Task,
    Stage,
};

inline constexpr int EnvelopeFieldCount = int(EnvelopeField::Stage) + 1;

// How a field's bytes are interpreted once found.
enum class EnvelopeValueType {
    Text,
    Integer,
    Time,
};

// The configuration name: "event_id", "original_offset", ...
QString envelopeFieldName(EnvelopeField field);
std::optional<EnvelopeField> envelopeFieldFromName(QStringView name);
EnvelopeValueType envelopeFieldType(EnvelopeField field);
// Every field, in declaration order.
QList<EnvelopeField> allEnvelopeFields();

} // namespace idem::models
