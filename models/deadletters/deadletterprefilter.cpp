#include "models/deadletters/deadletterprefilter.h"

#include "models/envelope/envelopetext_p.h" // isAscii

#include <QVarLengthArray>

#include <cstring>

namespace idem::models {

namespace {

constexpr EnvelopeField kTextFields[] = {EnvelopeField::EventId, EnvelopeField::EntityKey, EnvelopeField::ErrorClass,
                                         EnvelopeField::Error};

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

bool isLetter(char c)
{
    return c >= 'a' && c <= 'z';
}

bool onlyOf(const QByteArray &text, const char *alphabet)
{
    for (char c : text) {
        if (!std::strchr(alphabet, c))
            return false;
    }
    return true;
}

// Whether `bytes` hold `needle` (lowercase ASCII), ASCII letters compared
// without case: for ASCII text the same answer as QString::contains with
// Qt::CaseInsensitive.
bool containsFolded(QByteArrayView bytes, QByteArrayView needle)
{
    const qsizetype n = needle.size();
    if (n == 0)
        return true;
    if (bytes.size() < n)
        return false;
    const char *h = bytes.data();
    const qsizetype last = bytes.size() - n; // the last window's start
    const auto at = [&](qsizetype start) {
        for (qsizetype k = 0; k < n; ++k) {
            if (lower(h[start + k]) != needle[k])
                return false;
        }
        return true;
    };
    // Anchored on the needle's first character that has no case: memchr
    // finds its candidates.
    qsizetype a = 0;
    while (a < n && isLetter(needle[a]))
        ++a;
    if (a < n) {
        const char *p = h + a;
        const char *end = h + last + a + 1;
        while (p < end) {
            p = static_cast<const char *>(std::memchr(p, needle[a], size_t(end - p)));
            if (!p)
                return false;
            if (at(p - h - a))
                return true;
            ++p;
        }
        return false;
    }
    const char first = needle[0];
    const char upper = char(first - 'a' + 'A');
    for (qsizetype i = 0; i <= last; ++i) {
        if ((h[i] == first || h[i] == upper) && at(i))
            return true;
    }
    return false;
}

// Every JSON number the payload can hold is shown as written (or "-0" as
// "0"): none has a fraction or an exponent (a digit never stands right
// before '.', 'e' or 'E') or as many as 16 digits (all below 2^53 then).
bool numbersShownAsWritten(QByteArrayView payload)
{
    qsizetype run = 0;
    for (char c : payload) {
        if (c >= '0' && c <= '9') {
            if (++run >= 16)
                return false;
            continue;
        }
        if (run > 0 && (c == '.' || c == 'e' || c == 'E'))
            return false;
        run = 0;
    }
    return true;
}

} // namespace

DeadLetterPrefilter::DeadLetterPrefilter(const DeadLetterFilter &filter, const EnvelopeSpec &spec)
    : m_probe(spec)
{
    if (filter.text.isEmpty())
        return;
    for (QChar c : filter.text) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return;
    }
    m_needle = filter.text.toLatin1().toLower();

    bool renders = false; // hex or numeric formats in a text field
    bool rendersInError = false; // … in error class or error
    for (EnvelopeField field : kTextFields) {
        for (const FieldSource &source : spec.field(field).alternatives) {
            switch (source.kind) {
            case FieldSourceKind::Header:
                m_headers << source.name;
                break;
            case FieldSourceKind::Key:
                m_key = true;
                break;
            case FieldSourceKind::CloudEvent:
                m_headers << QByteArrayLiteral("ce_") + source.name;
                m_payload = true;
                break;
            case FieldSourceKind::Payload:
            case FieldSourceKind::Data:
                m_payload = true;
                break;
            case FieldSourceKind::Timestamp: // time fields only
                break;
            }
            if (source.format != ValueFormat::Auto && source.format != ValueFormat::Text) {
                renders = true;
                rendersInError = rendersInError || field == EnvelopeField::ErrorClass || field == EnvelopeField::Error;
            }
        }
    }

    // The error column joins class and error with ": ". A match across the
    // join has the needle's ':' at the join (or its first character the
    // join's space).
    for (qsizetype j = 0; j < m_needle.size(); ++j) {
        if (m_needle[j] == ':' && (j + 1 == m_needle.size() || m_needle[j + 1] == ' '))
            m_spans.append({m_needle.left(j), m_needle.mid(j + 2)});
    }
    if (m_needle.startsWith(' '))
        m_spans.append({QByteArray(), m_needle.mid(1)});
    for (const auto &[before, after] : std::as_const(m_spans)) {
        if (before.isEmpty() && after.isEmpty())
            return; // ":", ": " or " ": any class with an error matches
    }
    if (renders && onlyOf(m_needle, "0123456789abcdef-"))
        return;
    if (rendersInError && !m_spans.isEmpty())
        return;
    m_numberGuard = m_payload && (onlyOf(m_needle, "0123456789.e+-") || !m_spans.isEmpty());
    m_active = true;
}

bool DeadLetterPrefilter::excludes(const RawMessage &message) const
{
    if (!m_active)
        return false;
    QVarLengthArray<QByteArrayView, 16> sources;
    if (m_key && message.key)
        sources.append(*message.key);
    for (const RawHeader &h : message.headers) {
        if (h.value && m_headers.contains(h.name))
            sources.append(*h.value);
    }
    const bool payload = m_payload && message.value;
    if (payload)
        sources.append(*message.value);
    for (QByteArrayView bytes : sources) {
        if (!envelope_detail::isAscii(bytes) || containsFolded(bytes, m_needle))
            return false;
    }
    if (payload) {
        if (message.value->contains('\\'))
            return false;
        if (m_numberGuard && !numbersShownAsWritten(*message.value))
            return false;
    }
    const auto anywhere = [&](const QByteArray &part) {
        if (part.isEmpty())
            return true;
        for (QByteArrayView bytes : sources) {
            if (containsFolded(bytes, part))
                return true;
        }
        return false;
    };
    for (const auto &[before, after] : m_spans) {
        if (anywhere(before) && anywhere(after))
            return false;
    }
    return m_probe.certainlyClean(message);
}

} // namespace idem::models
