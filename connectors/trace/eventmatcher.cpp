#include "connectors/trace/eventmatcher.h"

#include "models/envelope/fieldspec.h"


namespace idem::connectors::trace {

EventMatcher::EventMatcher(models::EnvelopeSpec spec, const QString &eventId)
    : m_spec(std::move(spec))
    , m_id(eventId.toUtf8())
    , m_finder(m_id)
{
    for (const models::FieldSource &source : m_spec.field(models::EnvelopeField::EventId).alternatives)
        m_pointers.push_back(source.kind == models::FieldSourceKind::Payload
                                 ? models::jsonPointerText(source.pointer).toStdString()
                                 : std::string());
}

EventMatcher::~EventMatcher() = default;

EventMatcher::Answer EventMatcher::payloadPointer(const QByteArray &payload, const std::string &pointer)
{
    QByteArray value;
    switch (m_json.read(payload, pointer, &value)) {
    case SourceAnswer::Value:
        return value == m_id ? Answer::Yes : Answer::No;
    case SourceAnswer::OtherType:
        return Answer::No;
    default:
        return Answer::Absent;
    }
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
            QByteArray value;
            const SourceAnswer answer = headerSource(message, source, &value);
            if (answer == SourceAnswer::Absent)
                continue; // absent: the next source decides
            return answer == SourceAnswer::Value && value == m_id;
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
    : m_reader(std::move(spec), true)
{
}

EventIdReader::~EventIdReader() = default;

QByteArray EventIdReader::read(const models::RawMessage &message)
{
    return m_reader.readEventId(message);
}

} // namespace idem::connectors::trace
