#pragma once

// Reading envelope fields at scan speed, the way the envelope decoder reads
// them (the first source of a field's spec that the record has wins) for the
// common sources: a header, the key, a JSON pointer into a plain JSON
// payload (simdjson's On-Demand API, no document built). Anything else (a
// CloudEvents attribute, a framed or doubly encoded payload, a value format
// other than text, headers that disagree) goes through the full decoder
// (models::decode), for that record only. EventMatcher (does a record carry
// this event_id?) and EnvelopeFieldReader (what are its event_id, entity key
// and type?) share these pieces.
//
// Not thread-safe (a reader keeps a parser); one per scanning thread.

#include "models/envelope/envelope.h"
#include "models/envelope/fieldspec.h"
#include "models/envelope/presets.h"
#include "models/envelope/rawmessage.h"

#include <QByteArray>

#include <memory>
#include <string>

namespace idem::connectors::trace {

enum class SourceAnswer {
    Absent, // the record does not have this source: the next one decides
    Value, // read
    OtherType, // present, but neither a string nor a number (a JSON object, …)
    Undecided, // only the full decoder can tell (not plain JSON, a format, disagreeing headers)
};

// The bytes QString::fromUtf8(bytes).toUtf8() gives, without the QString
// where it changes nothing: `bytes` themselves when they are valid UTF-8 and
// do not begin with a byte order mark (which fromUtf8 drops).
QByteArray utf8AsQStringWouldHaveIt(const QByteArray &bytes);

// A header source's value (`*value` set on Value).
SourceAnswer headerSource(const models::RawMessage &message, const models::FieldSource &source, QByteArray *value);

// Reads the value at a JSON pointer of a payload: a string's text or a
// number's token. Keeps its parser between calls.
class JsonPointerReader final
{
public:
    JsonPointerReader();
    ~JsonPointerReader();
    JsonPointerReader(const JsonPointerReader &) = delete;
    JsonPointerReader &operator=(const JsonPointerReader &) = delete;

    // `pointer`: RFC 6901 text. Absent where the pointer leads nowhere,
    // Undecided where the payload is not plain JSON.
    SourceAnswer read(const QByteArray &payload, const std::string &pointer, QByteArray *value);

private:
    struct Parser;
    std::unique_ptr<Parser> m_parser;
};

class EnvelopeFieldReader final
{
public:
    // `eventIdOnly`: the entity key and type are not read (nor are payloads parsed for them).
    explicit EnvelopeFieldReader(models::EnvelopeSpec spec, bool eventIdOnly = false);
    ~EnvelopeFieldReader();
    EnvelopeFieldReader(const EnvelopeFieldReader &) = delete;
    EnvelopeFieldReader &operator=(const EnvelopeFieldReader &) = delete;

    struct Fields
    {
        QString eventId; // empty: unreadable (see problem)
        QString entityKey;
        QString eventType;
        QString problem; // the decoder's words where the event_id cannot be read
    };
    Fields read(const models::RawMessage &message);
    // The event_id alone as UTF-8 bytes: read(message).eventId.toUtf8(),
    // without a QString where it is read directly (then the bytes may point
    // into the message's: copy what is kept). Empty: unreadable, the
    // decoder's words in *problem.
    QByteArray readEventId(const models::RawMessage &message, QString *problem = nullptr);

private:
    // Value or Absent read fast; Undecided where the decoder must look.
    SourceAnswer field(const models::RawMessage &message, models::EnvelopeField f, QByteArray *value);

    models::EnvelopeSpec m_spec;
    int m_fields = 3; // how many of event_id, entity_key, event_type are read
    JsonPointerReader m_json;
    std::vector<std::string> m_pointers[3]; // event_id, entity_key, event_type: per alternative
};

} // namespace idem::connectors::trace
