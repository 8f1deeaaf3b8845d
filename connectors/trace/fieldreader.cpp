#include "connectors/trace/fieldreader.h"

#include <simdjson.h>

namespace idem::connectors::trace {

namespace {

bool plain(const models::FieldSource &source)
{
    return source.format == models::ValueFormat::Auto || source.format == models::ValueFormat::Text;
}

constexpr models::EnvelopeField kFields[3] = {models::EnvelopeField::EventId, models::EnvelopeField::EntityKey,
                                               models::EnvelopeField::EventType};

} // namespace

QByteArray utf8AsQStringWouldHaveIt(const QByteArray &bytes)
{
    if (!bytes.startsWith("\xef\xbb\xbf") && simdjson::validate_utf8(bytes.constData(), size_t(bytes.size())))
        return bytes;
    return QString::fromUtf8(bytes).toUtf8();
}

SourceAnswer headerSource(const models::RawMessage &message, const models::FieldSource &source, QByteArray *value)
{
    if (!plain(source))
        return SourceAnswer::Undecided;
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
        return SourceAnswer::Absent;
    if (source.pick == models::HeaderPick::Only && !agree)
        return SourceAnswer::Undecided;
    const models::RawHeader *pick = source.pick == models::HeaderPick::Last ? last : first;
    if (!pick->value)
        return SourceAnswer::Undecided;
    *value = *pick->value;
    return SourceAnswer::Value;
}

struct JsonPointerReader::Parser
{
    simdjson::ondemand::parser parser;
    simdjson::padded_string buffer;
};

JsonPointerReader::JsonPointerReader()
    : m_parser(std::make_unique<Parser>())
{
}

JsonPointerReader::~JsonPointerReader() = default;

SourceAnswer JsonPointerReader::read(const QByteArray &payload, const std::string &pointer, QByteArray *value)
{
    // The parser reads SIMDJSON_PADDING bytes past the end: copy into its padded buffer.
    m_parser->buffer = simdjson::padded_string(payload.constData(), size_t(payload.size()));
    simdjson::ondemand::document doc;
    if (m_parser->parser.iterate(m_parser->buffer).get(doc))
        return SourceAnswer::Undecided;
    simdjson::ondemand::value found;
    if (const auto error = doc.at_pointer(pointer).get(found)) {
        return error == simdjson::NO_SUCH_FIELD || error == simdjson::INDEX_OUT_OF_BOUNDS ? SourceAnswer::Absent
                                                                                          : SourceAnswer::Undecided;
    }
    simdjson::ondemand::json_type type;
    if (found.type().get(type))
        return SourceAnswer::Undecided;
    if (type == simdjson::ondemand::json_type::string) {
        std::string_view text;
        if (found.get_string().get(text))
            return SourceAnswer::Undecided;
        *value = QByteArray(text.data(), qsizetype(text.size()));
        return SourceAnswer::Value;
    }
    if (type == simdjson::ondemand::json_type::number) {
        const std::string_view raw = found.raw_json_token();
        *value = QByteArray(raw.data(), qsizetype(raw.size())).trimmed();
        return SourceAnswer::Value;
    }
    return SourceAnswer::OtherType;
}

EnvelopeFieldReader::EnvelopeFieldReader(models::EnvelopeSpec spec, bool eventIdOnly)
    : m_spec(std::move(spec))
    , m_fields(eventIdOnly ? 1 : 3)
{
    for (int f = 0; f < 3; ++f) {
        for (const models::FieldSource &source : m_spec.field(kFields[f]).alternatives)
            m_pointers[f].push_back(source.kind == models::FieldSourceKind::Payload
                                        ? models::jsonPointerText(source.pointer).toStdString()
                                        : std::string());
    }
}

EnvelopeFieldReader::~EnvelopeFieldReader() = default;

SourceAnswer EnvelopeFieldReader::field(const models::RawMessage &message, models::EnvelopeField f, QByteArray *value)
{
    const int index = f == models::EnvelopeField::EventId ? 0 : f == models::EnvelopeField::EntityKey ? 1 : 2;
    const auto &alternatives = m_spec.field(f).alternatives;
    for (qsizetype i = 0; i < alternatives.size(); ++i) {
        const models::FieldSource &source = alternatives[i];
        SourceAnswer answer = SourceAnswer::Undecided;
        switch (source.kind) {
        case models::FieldSourceKind::Header:
            answer = headerSource(message, source, value);
            break;
        case models::FieldSourceKind::Key:
            if (!plain(source))
                break;
            if (!message.key) {
                answer = SourceAnswer::Absent;
                break;
            }
            *value = *message.key;
            answer = SourceAnswer::Value;
            break;
        case models::FieldSourceKind::Payload:
            if (!message.value) {
                answer = SourceAnswer::Absent;
                break;
            }
            if (!plain(source))
                break;
            answer = m_json.read(*message.value, m_pointers[index][size_t(i)], value);
            break;
        default:
            break;
        }
        if (answer == SourceAnswer::Absent)
            continue;
        if (answer == SourceAnswer::Value && value->isEmpty())
            return SourceAnswer::Undecided; // the decoder says what an empty value means
        return answer == SourceAnswer::Value ? SourceAnswer::Value : SourceAnswer::Undecided;
    }
    return SourceAnswer::Absent; // no alternative is in the record
}

QByteArray EnvelopeFieldReader::readEventId(const models::RawMessage &message, QString *problem)
{
    QByteArray value;
    if (field(message, models::EnvelopeField::EventId, &value) == SourceAnswer::Value) {
        return utf8AsQStringWouldHaveIt(value);
    }
    Fields f = read(message);
    if (problem)
        *problem = f.problem;
    return f.eventId.toUtf8();
}

EnvelopeFieldReader::Fields EnvelopeFieldReader::read(const models::RawMessage &message)
{
    Fields out;
    QByteArray values[3];
    bool fast = true;
    for (int f = 0; f < m_fields && fast; ++f) {
        const SourceAnswer a = field(message, kFields[f], &values[f]);
        // An absent entity key or type is no problem; an absent event_id is the decoder's to explain.
        fast = a == SourceAnswer::Value || (a == SourceAnswer::Absent && f > 0);
    }
    if (fast) {
        out.eventId = QString::fromUtf8(values[0]);
        out.entityKey = QString::fromUtf8(values[1]);
        out.eventType = QString::fromUtf8(values[2]);
        return out;
    }
    const models::DecodedEnvelope d = models::decode(message, m_spec);
    out.eventId = d.eventId;
    out.entityKey = d.entityKey;
    out.eventType = d.eventType;
    for (const models::FieldProblem &p : d.problems) {
        if (p.field == models::EnvelopeField::EventId)
            out.problem = p.text();
    }
    if (out.eventId.isEmpty() && out.problem.isEmpty())
        out.problem = QStringLiteral("could not read event_id: empty");
    if (!out.problem.isEmpty())
        out.eventId.clear();
    return out;
}

} // namespace idem::connectors::trace
