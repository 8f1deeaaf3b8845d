#pragma once

// Decoding a Kafka record through an envelope spec: where its event_id, entity
// key, type and, for dead-letter and retry copies, its origin and failure live.
//
// Decoding never fails as a whole and never throws: each field it cannot read
// becomes a problem "could not read <field>: <reason>" on that message, which
// callers count per topic (DecodeErrorCounter) instead of popping anything up.
//
// Known limits:
// - Only event_id is required. Other fields that no source provides are
//   simply absent; a source that is present but unreadable is a problem.
// - Payloads framed for Confluent Schema Registry are readable only when the
//   framed bytes are JSON (the JSON Schema serializer); Avro and Protobuf
//   bodies are recognised, their schema id reported, their content not read.
// - A payload that is a JSON string holding a JSON document (Debezium's outbox
//   without table.expand.json.payload) is read through.
// - Structured CloudEvents are recognised by a content-type of
//   application/cloudevents+json, or by a JSON object with a specversion
//   string; batches (cloudevents-batch+json) are not split.

#include "models/envelope/envelopefield.h"
#include "models/envelope/presets.h"
#include "models/envelope/rawmessage.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <optional>

namespace idem::models {

enum class PayloadKind {
    Tombstone, // no value at all
    Empty, // a value of zero bytes
    Json,
    CloudEventsStructured,
    SchemaRegistryFramed, // magic byte 0 and a 4-byte big-endian schema id
    Text, // UTF-8, not JSON
    Binary,
};

QString payloadKindName(PayloadKind kind);

struct FieldProblem
{
    EnvelopeField field = EnvelopeField::EventId;
    QString reason;

    // "could not read event_id: no header event_id; the payload is not JSON (...)"
    QString text() const;

    bool operator==(const FieldProblem &) const = default;
};

struct DecodedEnvelope
{
    QString eventId;
    QString entityKey;
    QString eventType;
    QString eventVersion;
    QString source;
    QString subject;
    QDateTime time; // UTC; invalid when absent
    std::optional<qint64> attempt;

    QString originalTopic;
    std::optional<qint32> originalPartition;
    std::optional<qint64> originalOffset;
    QDateTime originalTimestamp;
    QDateTime failedAt;
    QString consumerGroup;
    QString errorClass;
    QString error;
    QString stackTrace;
    QString connector;
    std::optional<qint32> task;
    QString stage;

    PayloadKind payloadKind = PayloadKind::Tombstone;
    std::optional<quint32> schemaId; // SchemaRegistryFramed only
    bool payloadReadable = false; // JSON pointers can be read (JSON, possibly framed)

    QList<FieldProblem> problems; // in field order

    bool ok() const { return problems.isEmpty(); }
    bool has(EnvelopeField field) const;
    // The value as text: numbers in decimal, times in ISO 8601 UTC; empty when absent.
    QString text(EnvelopeField field) const;
    // Carries what a dead-letter or retry copy carries: an origin or an error.
    bool isDeadLetter() const;

    bool operator==(const DecodedEnvelope &) const = default;
};

DecodedEnvelope decode(const RawMessage &message, const EnvelopeSpec &spec);
// The same fields, the payload classified (parsed) only when a field is read
// from it; payloadKind, schemaId and payloadReadable are left at their
// defaults when none was. For reading many records where only the fields
// matter: dead-letter rows, filters, failure groups.
DecodedEnvelope decodeFields(const RawMessage &message, const EnvelopeSpec &spec);

// Tells, without parsing payloads, that decoding a message through a spec
// reports no problem: for filters that skip what they can prove does not
// match, where a problem's text is part of what they match. Headers, the key
// and the timestamp are read as decode() reads them; a payload source counts
// as certainly absent only when there is no payload or a member name its
// pointer needs does not occur in it (and no backslash could spell one);
// a CloudEvents attribute is a ce_ header only when no content-type claims a
// structured event and the payload holds no "specversion".
class CleanDecodeProbe
{
public:
    explicit CleanDecodeProbe(const EnvelopeSpec &spec);
    // true: decodeFields(message, spec).problems is certainly empty; false:
    // it cannot tell without decoding.
    bool certainlyClean(const RawMessage &message) const;

private:
    struct Alternative
    {
        enum Kind { Direct, Pointer, CloudEvent };
        Kind kind = Direct;
        FieldSource source; // CloudEvent: the ce_ header of binary mode
        QList<QByteArray> members; // Pointer: "name" of each member it needs
    };
    struct Field
    {
        EnvelopeField field = EnvelopeField::EventId;
        EnvelopeValueType type = EnvelopeValueType::Text;
        QList<Alternative> alternatives;
    };
    QList<Field> m_fields; // the fields the spec reads
};

} // namespace idem::models
