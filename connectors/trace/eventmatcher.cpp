#include "connectors/trace/eventmatcher.h"

#include "models/envelope/fieldspec.h"

#include <simdjson.h>

namespace idem::connectors::trace {

namespace {

std::vector<std::string> pointersOf(const models::EnvelopeSpec &spec)
{
    std::vector<std::string> pointers;
    for (const models::FieldSource &source : spec.field(models::EnvelopeField::EventId).alternatives)
        pointers.push_back(source.kind == models::FieldSourceKind::Payload
                               ? models::jsonPointerText(source.pointer).toStdString()
                               : std::string());
    return pointers;
}

bool isPlain(const models::FieldSource &source)
{
    return source.format == models::ValueFormat::Auto || source.format == models::ValueFormat::Text;
}

// The header `source` names, picked as the decoder picks it; nullptr when the
// record has none. `conflict`: an "only" pick found copies that disagree.
const models::RawHeader *pickHeader(const models::RawMessage &message, const models::FieldSource &source,
                                    bool *conflict)
{
    const models::RawHeader *first = nullptr;
    const models::RawHeader *last = nullptr;
    bool agree = true;
    for (const models::RawHeader &h : message.headers) {
        if (h.name != source.name)
            continue;
        if (first && h.value != first->value)
            agree = false;
        if (!first)
            first = &h;
        last = &h;
    }
    *conflict = first && source.pick == models::HeaderPick::Only && !agree;
    return source.pick == models::HeaderPick::Last ? last : first;
}

enum class PointerRead { Absent, Value, Other };

// The string or number at `pointer` of a JSON payload, without building a
// document: Value (its text in `out`), Other (another JSON type), Absent (not
// JSON, or nothing there).
PointerRead readPointer(EventMatcher::Parser &p, const QByteArray &payload, const std::string &pointer,
                        QByteArrayView *out);

} // namespace

struct EventMatcher::Parser
{
    simdjson::ondemand::parser parser;
    simdjson::padded_string buffer;
};

namespace {

PointerRead readPointer(EventMatcher::Parser &p, const QByteArray &payload, const std::string &pointer,
                        QByteArrayView *out)
{
    // The parser reads SIMDJSON_PADDING bytes past the end: copy into its padded buffer.
    p.buffer = simdjson::padded_string(payload.constData(), size_t(payload.size()));
    simdjson::ondemand::document doc;
    if (p.parser.iterate(p.buffer).get(doc))
        return PointerRead::Absent;
    simdjson::ondemand::value value;
    if (doc.at_pointer(pointer).get(value))
        return PointerRead::Absent;
    simdjson::ondemand::json_type type;
    if (value.type().get(type))
        return PointerRead::Absent;
    if (type == simdjson::ondemand::json_type::string) {
        std::string_view text;
        if (value.get_string().get(text))
            return PointerRead::Absent;
        *out = QByteArrayView(text.data(), qsizetype(text.size()));
        return PointerRead::Value;
    }
    if (type == simdjson::ondemand::json_type::number) {
        const std::string_view raw = value.raw_json_token();
        *out = QByteArrayView(raw.data(), qsizetype(raw.size())).trimmed();
        return PointerRead::Value;
    }
    return PointerRead::Other;
}

} // namespace

EventMatcher::EventMatcher(models::EnvelopeSpec spec, const QString &eventId)
    : m_spec(std::move(spec))
    , m_id(eventId.toUtf8())
    , m_finder(m_id)
    , m_pointers(pointersOf(m_spec))
    , m_parser(std::make_unique<Parser>())
{
}

EventMatcher::~EventMatcher() = default;

EventMatcher::Answer EventMatcher::payloadPointer(const QByteArray &payload, const std::string &pointer)
{
    QByteArrayView value;
    switch (readPointer(*m_parser, payload, pointer, &value)) {
    case PointerRead::Absent:
        return Answer::Absent;
    case PointerRead::Value:
        return value == m_id ? Answer::Yes : Answer::No;
    case PointerRead::Other:
        break;
    }
    return Answer::No;
}

bool EventMatcher::matches(const models::RawMessage &message)
{
    const auto &alternatives = m_spec.field(models::EnvelopeField::EventId).alternatives;
    bool payloadSearched = false;
    bool payloadHolds = false;
    for (size_t i = 0; i < size_t(alternatives.size()); ++i) {
        const models::FieldSource &source = alternatives[qsizetype(i)];
        const bool plain = isPlain(source);
        switch (source.kind) {
        case models::FieldSourceKind::Header: {
            if (!plain)
                break;
            bool conflict = false;
            const models::RawHeader *pick = pickHeader(message, source, &conflict);
            if (!pick)
                continue; // absent: the next source decides
            if (conflict)
                return false;
            return pick->value && *pick->value == m_id;
        }
        case models::FieldSourceKind::Key:
            if (!plain)
                break;
            if (!message.key)
                continue;
            return *message.key == m_id;
        case models::FieldSourceKind::Payload: {
            if (!message.value)
                continue;
            if (!payloadSearched) {
                payloadSearched = true;
                payloadHolds = m_finder.indexIn(*message.value) >= 0;
            }
            const bool lastSource = i + 1 == size_t(alternatives.size());
            if (!payloadHolds && lastSource)
                return false;
            const Answer answer = payloadPointer(*message.value, m_pointers[i]);
            if (answer == Answer::Yes)
                return true;
            if (answer == Answer::No)
                return false;
            if (payloadHolds)
                break; // not plain JSON (framed, a JSON string holding JSON): the decoder decides
            continue;
        }
        default:
            break;
        }
        // A source only the full decoder reads: worth it only where the
        // record holds the event_id's bytes somewhere.
        auto holds = [&](const std::optional<QByteArray> &bytes) { return bytes && m_finder.indexIn(*bytes) >= 0; };
        bool candidate = holds(message.key) || holds(message.value);
        for (const models::RawHeader &h : message.headers)
            candidate = candidate || holds(h.value);
        if (!candidate)
            return false;
        return models::decode(message, m_spec).eventId.toUtf8() == m_id;
    }
    return false;
}

EventIdReader::EventIdReader(models::EnvelopeSpec spec)
    : m_spec(std::move(spec))
    , m_pointers(pointersOf(m_spec))
    , m_parser(std::make_unique<EventMatcher::Parser>())
{
}

EventIdReader::~EventIdReader() = default;

QByteArray EventIdReader::read(const models::RawMessage &message)
{
    const auto &alternatives = m_spec.field(models::EnvelopeField::EventId).alternatives;
    for (size_t i = 0; i < size_t(alternatives.size()); ++i) {
        const models::FieldSource &source = alternatives[qsizetype(i)];
        const bool plain = isPlain(source);
        switch (source.kind) {
        case models::FieldSourceKind::Header: {
            if (!plain)
                break;
            bool conflict = false;
            const models::RawHeader *pick = pickHeader(message, source, &conflict);
            if (!pick)
                continue;
            if (conflict || !pick->value)
                return {};
            return *pick->value;
        }
        case models::FieldSourceKind::Key:
            if (!plain)
                break;
            if (!message.key)
                continue;
            return *message.key;
        case models::FieldSourceKind::Payload: {
            if (!message.value)
                continue;
            QByteArrayView value;
            const PointerRead read = readPointer(*m_parser, *message.value, m_pointers[i], &value);
            if (read == PointerRead::Value)
                return value.toByteArray();
            if (read == PointerRead::Other)
                return {};
            if (message.value->startsWith('{'))
                continue; // plain JSON without it: the next source decides
            break; // not plain JSON (framed, a JSON string holding JSON): the decoder decides
        }
        default:
            break;
        }
        return models::decode(message, m_spec).eventId.toUtf8();
    }
    return {};
}

} // namespace idem::connectors::trace
