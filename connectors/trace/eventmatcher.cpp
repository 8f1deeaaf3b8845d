#include "connectors/trace/eventmatcher.h"

#include "models/envelope/fieldspec.h"

#include <simdjson.h>

namespace idem::connectors::trace {

struct EventMatcher::Parser
{
    simdjson::ondemand::parser parser;
    simdjson::padded_string buffer;
};

EventMatcher::EventMatcher(models::EnvelopeSpec spec, const QString &eventId)
    : m_spec(std::move(spec))
    , m_id(eventId.toUtf8())
    , m_finder(m_id)
    , m_parser(std::make_unique<Parser>())
{
    for (const models::FieldSource &source : m_spec.field(models::EnvelopeField::EventId).alternatives)
        m_pointers.push_back(source.kind == models::FieldSourceKind::Payload
                                 ? models::jsonPointerText(source.pointer).toStdString()
                                 : std::string());
}

EventMatcher::~EventMatcher() = default;

EventMatcher::Answer EventMatcher::payloadPointer(const QByteArray &payload, const std::string &pointer)
{
    // The parser reads SIMDJSON_PADDING bytes past the end: copy into its padded buffer.
    m_parser->buffer = simdjson::padded_string(payload.constData(), size_t(payload.size()));
    simdjson::ondemand::document doc;
    if (m_parser->parser.iterate(m_parser->buffer).get(doc))
        return Answer::Absent;
    simdjson::ondemand::value value;
    if (doc.at_pointer(pointer).get(value))
        return Answer::Absent;
    simdjson::ondemand::json_type type;
    if (value.type().get(type))
        return Answer::Absent;
    if (type == simdjson::ondemand::json_type::string) {
        std::string_view text;
        if (value.get_string().get(text))
            return Answer::Absent;
        return QByteArrayView(text.data(), qsizetype(text.size())) == m_id ? Answer::Yes : Answer::No;
    }
    if (type == simdjson::ondemand::json_type::number) {
        const std::string_view raw = value.raw_json_token();
        QByteArrayView token(raw.data(), qsizetype(raw.size()));
        return token.trimmed() == m_id ? Answer::Yes : Answer::No;
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
        const bool plain = source.format == models::ValueFormat::Auto || source.format == models::ValueFormat::Text;
        switch (source.kind) {
        case models::FieldSourceKind::Header: {
            if (!plain)
                break;
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
            if (!first)
                continue; // absent: the next source decides
            const models::RawHeader *pick = source.pick == models::HeaderPick::Last ? last : first;
            if (source.pick == models::HeaderPick::Only && !agree)
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

} // namespace idem::connectors::trace
