#pragma once

// Does a record carry a given event_id? Decides it the way the envelope
// decoder would (the first source of the flow's event_id spec that the record
// has wins), at scan speed: headers and the key are compared first; a
// payload is looked at only when its bytes contain the event_id at all, and
// then read with simdjson's On-Demand API at the spec's JSON pointer, without
// building a document. Sources other than headers, the key and a JSON pointer
// (CloudEvents attributes, data pointers) go through the full decoder, for
// records holding the event_id's bytes only.
//
// Known limit: an event_id written in the payload with JSON escapes (\u00e9
// for é) is not found by the byte search.
//
// Not thread-safe (it keeps a parser); one matcher per scanning thread.

#include "connectors/trace/fieldreader.h"
#include "models/envelope/envelope.h"
#include "models/envelope/presets.h"
#include "models/envelope/rawmessage.h"

#include <QByteArray>
#include <QByteArrayMatcher>

#include <memory>

namespace idem::connectors::trace {

class EventMatcher final
{
public:
    EventMatcher(models::EnvelopeSpec spec, const QString &eventId);
    ~EventMatcher();
    EventMatcher(const EventMatcher &) = delete;
    EventMatcher &operator=(const EventMatcher &) = delete;

    bool matches(const models::RawMessage &message);

private:
    enum class Answer { Absent, Yes, No };
    Answer payloadPointer(const QByteArray &payload, const std::string &pointer);

    models::EnvelopeSpec m_spec;
    QByteArray m_id;
    QByteArrayMatcher m_finder;
    std::vector<std::string> m_pointers; // by alternative, for payload sources
    JsonPointerReader m_json;
};

// A record's event_id, read as EnvelopeFieldReader reads it (the first source
// of the spec that the record has wins; headers, key and JSON pointers read
// directly, other sources through the full decoder). For the event index's
// tailer, which reads every record of a topic.
//
// Not thread-safe (it keeps a parser); one reader per thread.
class EventIdReader final
{
public:
    explicit EventIdReader(models::EnvelopeSpec spec);
    ~EventIdReader();
    EventIdReader(const EventIdReader &) = delete;
    EventIdReader &operator=(const EventIdReader &) = delete;

    // The event_id as UTF-8 bytes; empty when the record has none readable.
    QByteArray read(const models::RawMessage &message);

private:
    EnvelopeFieldReader m_reader;
};

} // namespace idem::connectors::trace
