#include "models/envelope/fieldspec.h"

#include "models/envelope/envelopetext_p.h"

namespace idem::models {

using envelope_detail::EnvelopeText;

namespace {

bool isSpace(QChar c)
{
    return c == QLatin1Char(' ') || c == QLatin1Char('\t') || c == QLatin1Char('\n')
        || c == QLatin1Char('\r');
}

bool endsBareWord(QChar c)
{
    return isSpace(c) || c == QLatin1Char('|') || c == QLatin1Char('"');
}

const char *formatKeyword(ValueFormat format)
{
    switch (format) {
    case ValueFormat::Auto:
        return "";
    case ValueFormat::Text:
        return "text";
    case ValueFormat::Hex:
        return "hex";
    case ValueFormat::Int:
        return "int";
    case ValueFormat::Int32Be:
        return "int32be";
    case ValueFormat::Int64Be:
        return "int64be";
    case ValueFormat::Decimal:
        return "decimal";
    }
    return "";
}

std::optional<ValueFormat> formatFromKeyword(QStringView word)
{
    for (ValueFormat f : { ValueFormat::Text, ValueFormat::Hex, ValueFormat::Int,
                           ValueFormat::Int32Be, ValueFormat::Int64Be, ValueFormat::Decimal }) {
        if (word == QLatin1String(formatKeyword(f)))
            return f;
    }
    return std::nullopt;
}

bool readsRawBytes(ValueFormat format)
{
    return format == ValueFormat::Hex || format == ValueFormat::Int32Be
        || format == ValueFormat::Int64Be;
}

QString kindKeyword(FieldSourceKind kind)
{
    switch (kind) {
    case FieldSourceKind::Header:
        return QStringLiteral("header");
    case FieldSourceKind::Key:
        return QStringLiteral("key");
    case FieldSourceKind::Payload:
        return QStringLiteral("payload");
    case FieldSourceKind::Data:
        return QStringLiteral("data");
    case FieldSourceKind::CloudEvent:
        return QStringLiteral("cloudevent");
    case FieldSourceKind::Timestamp:
        return QStringLiteral("timestamp");
    }
    return {};
}

// Bare when the grammar allows, quoted otherwise.
QString nameText(const QString &name)
{
    bool bare = !name.isEmpty();
    for (QChar c : name) {
        if (endsBareWord(c) || c == QLatin1Char('\\'))
            bare = false;
    }
    if (bare)
        return name;
    QString quoted = QStringLiteral("\"");
    for (QChar c : name) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            quoted += QLatin1Char('\\');
        quoted += c;
    }
    quoted += QLatin1Char('"');
    return quoted;
}

class SpecParser
{
public:
    SpecParser(QStringView text, EnvelopeField field)
        : m_text(text)
        , m_field(field)
    {
    }

    Result<FieldSpec> parse()
    {
        FieldSpec spec;
        skipSpace();
        if (atEnd())
            return fail(0, EnvelopeText::tr("empty spec; write none to leave the field unread"));
        bool none = false;
        qsizetype nonePos = 0;
        for (;;) {
            skipSpace();
            const qsizetype start = m_pos;
            if (atEnd() || peek() == QLatin1Char('|')) {
                if (spec.alternatives.isEmpty() && !none)
                    return fail(start, EnvelopeText::tr("expected a source before \"|\""));
                return fail(start, EnvelopeText::tr("expected a source after \"|\""));
            }
            const QStringView word = readWord(true);
            if (word == QLatin1String("none")) {
                if (none || !spec.alternatives.isEmpty())
                    return fail(start, EnvelopeText::tr("none cannot be combined with sources"));
                none = true;
                nonePos = start;
            } else {
                auto source = parseSource(word, start);
                if (!source)
                    return Error { source.error() };
                if (none)
                    return fail(nonePos, EnvelopeText::tr("none cannot be combined with sources"));
                spec.alternatives.append(std::move(source.value()));
            }
            skipSpace();
            if (atEnd())
                break;
            if (peek() != QLatin1Char('|')) {
                return fail(m_pos,
                            EnvelopeText::tr("unexpected \"%1\"; expected \"|\" or the end")
                                .arg(readWord(false).toString()));
            }
            ++m_pos;
            skipSpace();
            if (atEnd())
                return fail(m_pos, EnvelopeText::tr("expected a source after \"|\""));
        }
        if (none && m_field == EnvelopeField::EventId) {
            return fail(
                nonePos,
                EnvelopeText::tr("event_id cannot be none: Idem identifies every event by it"));
        }
        return spec;
    }

private:
    bool atEnd() const { return m_pos >= m_text.size(); }
    QChar peek() const { return m_text[m_pos]; }

    void skipSpace()
    {
        while (!atEnd() && isSpace(peek()))
            ++m_pos;
    }

    // A run of characters up to white space, '|', '"' and, for source
    // keywords, ':'.
    QStringView readWord(bool stopAtColon)
    {
        const qsizetype start = m_pos;
        while (!atEnd() && !endsBareWord(peek()) && !(stopAtColon && peek() == QLatin1Char(':')))
            ++m_pos;
        return m_text.mid(start, m_pos - start);
    }

    Result<QString> readName(const QString &expected)
    {
        if (atEnd() || isSpace(peek()) || peek() == QLatin1Char('|'))
            return fail(m_pos, expected);
        if (peek() != QLatin1Char('"'))
            return readWord(false).toString();
        const qsizetype open = m_pos;
        ++m_pos;
        QString name;
        for (;;) {
            if (atEnd())
                return fail(open, EnvelopeText::tr("unterminated quoted name"));
            const QChar c = peek();
            if (c == QLatin1Char('"')) {
                ++m_pos;
                break;
            }
            if (c == QLatin1Char('\\')) {
                if (m_pos + 1 >= m_text.size()
                    || (m_text[m_pos + 1] != QLatin1Char('"')
                        && m_text[m_pos + 1] != QLatin1Char('\\'))) {
                    return fail(m_pos,
                                EnvelopeText::tr("only \\\" and \\\\ may follow \\ in a "
                                                 "quoted name"));
                }
                name += m_text[m_pos + 1];
                m_pos += 2;
                continue;
            }
            name += c;
            ++m_pos;
        }
        if (name.isEmpty())
            return fail(open, expected);
        return name;
    }

    Result<QStringList> parsePointer(const QString &text, qsizetype column0)
    {
        if (!text.startsWith(QLatin1Char('/'))) {
            return fail(column0,
                        EnvelopeText::tr("a JSON pointer starts with \"/\" (did you mean "
                                         "\"/%1\"?)")
                            .arg(text));
        }
        QStringList tokens;
        QString token;
        for (qsizetype i = 1; i <= text.size(); ++i) {
            if (i == text.size() || text[i] == QLatin1Char('/')) {
                tokens.append(token);
                token.clear();
                continue;
            }
            if (text[i] == QLatin1Char('~')) {
                const QChar next = i + 1 < text.size() ? text[i + 1] : QChar();
                if (next == QLatin1Char('0'))
                    token += QLatin1Char('~');
                else if (next == QLatin1Char('1'))
                    token += QLatin1Char('/');
                else
                    return fail(column0 + i,
                                EnvelopeText::tr("in a JSON pointer \"~\" must be followed by 0 "
                                                 "(for \"~\") or 1 (for \"/\")"));
                ++i;
                continue;
            }
            token += text[i];
        }
        return tokens;
    }

    Result<FieldSource> parseSource(QStringView word, qsizetype start)
    {
        FieldSource source;
        const bool colon = !atEnd() && peek() == QLatin1Char(':');
        struct Named
        {
            const char *keyword;
            FieldSourceKind kind;
        };
        static constexpr Named named[] = { { "header", FieldSourceKind::Header },
                                           { "payload", FieldSourceKind::Payload },
                                           { "data", FieldSourceKind::Data },
                                           { "cloudevent", FieldSourceKind::CloudEvent } };
        bool known = false;
        for (const Named &n : named) {
            if (word != QLatin1String(n.keyword))
                continue;
            known = true;
            if (!colon)
                return fail(m_pos, EnvelopeText::tr("expected \":\" after \"%1\"").arg(word));
            ++m_pos;
            source.kind = n.kind;
            const qsizetype nameStart = m_pos;
            const bool quoted = !atEnd() && peek() == QLatin1Char('"');
            QString what;
            switch (n.kind) {
            case FieldSourceKind::Header:
                what = EnvelopeText::tr("expected a header name after \"header:\"");
                break;
            case FieldSourceKind::CloudEvent:
                what = EnvelopeText::tr("expected an attribute name after \"cloudevent:\"");
                break;
            default:
                what = EnvelopeText::tr("expected a JSON pointer after \"%1:\"").arg(word);
                break;
            }
            auto name = readName(what);
            if (!name)
                return Error { name.error() };
            if (n.kind == FieldSourceKind::Header) {
                source.name = name->toUtf8();
            } else if (n.kind == FieldSourceKind::CloudEvent) {
                for (QChar c : *name) {
                    if (!((c >= QLatin1Char('a') && c <= QLatin1Char('z'))
                          || (c >= QLatin1Char('0') && c <= QLatin1Char('9')))) {
                        return fail(nameStart,
                                    EnvelopeText::tr("CloudEvents attribute names are lowercase "
                                                     "letters and digits, not \"%1\"")
                                        .arg(*name));
                    }
                }
                source.name = name->toLatin1();
            } else {
                // Columns inside a quoted pointer point at its opening quote.
                auto pointer = parsePointer(*name, quoted ? nameStart + 1 : nameStart);
                if (!pointer)
                    return Error { pointer.error() };
                source.pointer = std::move(pointer.value());
            }
            break;
        }
        if (!known) {
            if (word == QLatin1String("key")) {
                source.kind = FieldSourceKind::Key;
            } else if (word == QLatin1String("timestamp")) {
                source.kind = FieldSourceKind::Timestamp;
            } else {
                const QString shown = colon ? word.toString() + QLatin1Char(':') : word.toString();
                return fail(start,
                            EnvelopeText::tr("unknown source \"%1\"; expected header:NAME, "
                                             "key, payload:/POINTER, data:/POINTER, "
                                             "cloudevent:ATTRIBUTE, timestamp or none")
                                .arg(shown));
            }
            if (colon) {
                return fail(m_pos, EnvelopeText::tr("\"%1\" takes no name after \":\"").arg(word));
            }
        }
        auto modifiers = parseModifiers(source);
        if (!modifiers.ok())
            return Error { modifiers.error() };
        auto valid = checkFits(source, start);
        if (!valid.ok())
            return Error { valid.error() };
        return source;
    }

    Status parseModifiers(FieldSource &source)
    {
        bool picked = false;
        bool formatted = false;
        for (;;) {
            skipSpace();
            if (atEnd() || peek() == QLatin1Char('|'))
                return {};
            const qsizetype at = m_pos;
            const QStringView word = readWord(false);
            if (word == QLatin1String("first") || word == QLatin1String("last")) {
                if (picked)
                    return fail(at, EnvelopeText::tr("first or last is given twice"));
                if (source.kind != FieldSourceKind::Header
                    && source.kind != FieldSourceKind::CloudEvent) {
                    return fail(at,
                                EnvelopeText::tr("%1 chooses among repeated headers; it does "
                                                 "not apply to %2")
                                    .arg(word, kindKeyword(source.kind)));
                }
                picked = true;
                source.pick = word == QLatin1String("first") ? HeaderPick::First : HeaderPick::Last;
            } else if (word == QLatin1String("as")) {
                if (formatted)
                    return fail(at, EnvelopeText::tr("\"as\" is given twice"));
                skipSpace();
                const qsizetype formatAt = m_pos;
                const QStringView name = readWord(false);
                const auto format = formatFromKeyword(name);
                if (!format) {
                    const QString known = EnvelopeText::tr("text, hex, int, int32be, int64be or "
                                                           "decimal");
                    if (name.isEmpty()) {
                        return fail(formatAt,
                                    EnvelopeText::tr("expected a format after \"as\": "
                                                     "%1")
                                        .arg(known));
                    }
                    return fail(formatAt,
                                EnvelopeText::tr("unknown format \"%1\"; expected %2")
                                    .arg(name.toString(), known));
                }
                formatted = true;
                source.format = *format;
                m_formatAt = formatAt;
            } else if (word.isEmpty()) {
                return fail(at, EnvelopeText::tr("unexpected '\"'; quotes belong around names"));
            } else {
                return fail(at,
                            EnvelopeText::tr("unexpected \"%1\"; expected first, last, "
                                             "as FORMAT, \"|\" or the end")
                                .arg(word));
            }
        }
    }

    // What the grammar allows but this field cannot use.
    Status checkFits(const FieldSource &source, qsizetype start)
    {
        const EnvelopeValueType type = envelopeFieldType(m_field);
        const QString field = envelopeFieldName(m_field);
        if (source.kind == FieldSourceKind::Timestamp) {
            if (type != EnvelopeValueType::Time) {
                return fail(start,
                            EnvelopeText::tr("timestamp is the record time and fits only "
                                             "time fields (time, original_timestamp, "
                                             "failed_at), not %1")
                                .arg(field));
            }
            if (source.format != ValueFormat::Auto)
                return fail(m_formatAt, EnvelopeText::tr("timestamp takes no format"));
            return {};
        }
        if (source.format == ValueFormat::Hex && type != EnvelopeValueType::Text) {
            return fail(m_formatAt,
                        EnvelopeText::tr("as hex gives text and fits only text "
                                         "fields; %1 is a %2")
                            .arg(field,
                                 type == EnvelopeValueType::Time ? EnvelopeText::tr("time")
                                                                 : EnvelopeText::tr("number")));
        }
        const bool jsonValued = source.kind == FieldSourceKind::Payload
            || source.kind == FieldSourceKind::Data || source.kind == FieldSourceKind::CloudEvent;
        if (jsonValued && readsRawBytes(source.format)) {
            FieldSource bare = source;
            bare.pick = HeaderPick::Only;
            bare.format = ValueFormat::Auto;
            return fail(
                m_formatAt,
                EnvelopeText::tr("as %1 reads raw bytes, but %2 may be a JSON "
                                 "value")
                    .arg(QLatin1String(formatKeyword(source.format)), formatFieldSource(bare)));
        }
        return {};
    }

    Error fail(qsizetype pos, const QString &what) const
    {
        return makeError(EnvelopeText::tr("%1: \"%2\" column %3: %4")
                             .arg(envelopeFieldName(m_field), m_text.toString())
                             .arg(pos + 1)
                             .arg(what));
    }

    QStringView m_text;
    EnvelopeField m_field;
    qsizetype m_pos = 0;
    qsizetype m_formatAt = 0;
};

} // namespace

Result<FieldSpec> parseFieldSpec(QStringView text, EnvelopeField field)
{
    return SpecParser(text, field).parse();
}

QString jsonPointerText(const QStringList &tokens)
{
    QString text;
    for (const QString &token : tokens) {
        text += QLatin1Char('/');
        for (QChar c : token) {
            if (c == QLatin1Char('~'))
                text += QStringLiteral("~0");
            else if (c == QLatin1Char('/'))
                text += QStringLiteral("~1");
            else
                text += c;
        }
    }
    return text;
}

QString formatFieldSource(const FieldSource &source)
{
    QString text = kindKeyword(source.kind);
    switch (source.kind) {
    case FieldSourceKind::Header:
    case FieldSourceKind::CloudEvent:
        text += QLatin1Char(':') + nameText(QString::fromUtf8(source.name));
        break;
    case FieldSourceKind::Payload:
    case FieldSourceKind::Data:
        text += QLatin1Char(':') + nameText(jsonPointerText(source.pointer));
        break;
    case FieldSourceKind::Key:
    case FieldSourceKind::Timestamp:
        break;
    }
    if (source.pick == HeaderPick::First)
        text += QStringLiteral(" first");
    else if (source.pick == HeaderPick::Last)
        text += QStringLiteral(" last");
    if (source.format != ValueFormat::Auto)
        text += QStringLiteral(" as ") + QLatin1String(formatKeyword(source.format));
    return text;
}

QString formatFieldSpec(const FieldSpec &spec)
{
    if (spec.isNone())
        return QStringLiteral("none");
    QStringList parts;
    for (const FieldSource &source : spec.alternatives)
        parts.append(formatFieldSource(source));
    return parts.join(QStringLiteral(" | "));
}

QString describeFieldSource(const FieldSource &source)
{
    switch (source.kind) {
    case FieldSourceKind::Header:
        return EnvelopeText::tr("header %1").arg(QString::fromUtf8(source.name));
    case FieldSourceKind::Key:
        return EnvelopeText::tr("the key");
    case FieldSourceKind::Payload:
        return EnvelopeText::tr("%1 in the payload").arg(jsonPointerText(source.pointer));
    case FieldSourceKind::Data:
        return EnvelopeText::tr("%1 in the event data").arg(jsonPointerText(source.pointer));
    case FieldSourceKind::CloudEvent:
        return EnvelopeText::tr("CloudEvents attribute %1").arg(QString::fromLatin1(source.name));
    case FieldSourceKind::Timestamp:
        return EnvelopeText::tr("the record timestamp");
    }
    return {};
}

} // namespace idem::models
