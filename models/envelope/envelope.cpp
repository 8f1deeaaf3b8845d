#include "models/envelope/envelope.h"

#include "models/envelope/envelope_p.h"
#include "models/envelope/envelopetext_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <algorithm>
#include <cmath>
#include <limits>

namespace idem::models {

using namespace envelope_detail;

namespace {

// Epoch numbers below this are seconds: as milliseconds they would fall in
// 1970-1973, as seconds they reach the year 5138.
constexpr qint64 kEpochSecondsBelow = 100'000'000'000;
constexpr qint64 kMaxEpochMs = 253'402'300'799'999; // 9999-12-31T23:59:59.999Z

QString jsonTypeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Object:
        return EnvelopeText::tr("a JSON object");
    case QJsonValue::Array:
        return EnvelopeText::tr("a JSON array");
    case QJsonValue::Bool:
        return EnvelopeText::tr("a JSON boolean");
    case QJsonValue::String:
        return EnvelopeText::tr("a JSON string");
    case QJsonValue::Double:
        return EnvelopeText::tr("a JSON number");
    default:
        return EnvelopeText::tr("JSON null");
    }
}

struct Payload
{
    PayloadKind kind = PayloadKind::Tombstone;
    std::optional<quint32> schemaId;
    QJsonValue root; // an object or array when readable
    bool readable = false; // JSON pointers can be followed
    bool structuredCe = false;
    QString unreadable; // why not, as a clause: "the payload is not JSON (...)"
    QString ceUnreadable; // why structured CloudEvent attributes cannot be read
};

bool startsWithIgnoringCase(QByteArrayView text, QByteArrayView prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (qsizetype i = 0; i < prefix.size(); ++i) {
        char a = text[i];
        if (a >= 'A' && a <= 'Z')
            a = char(a - 'A' + 'a');
        if (a != prefix[i])
            return false;
    }
    return true;
}

QByteArrayView trimmedView(QByteArrayView v)
{
    while (!v.isEmpty()
           && (v.front() == ' ' || v.front() == '\t' || v.front() == '\r' || v.front() == '\n'))
        v = v.sliced(1);
    while (!v.isEmpty()
           && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
        v.chop(1);
    return v;
}

// Parses a JSON document; on failure `why` says where, in the payload's terms.
std::optional<QJsonValue> parseJson(QByteArrayView bytes, QString *why)
{
    const QByteArrayView body = trimmedView(bytes);
    if (body.isEmpty()) {
        *why = EnvelopeText::tr("the payload is blank");
        return std::nullopt;
    }
    const char first = body.front();
    if (first == '{' || first == '[') {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(bytes.toByteArray(), &error);
        if (error.error != QJsonParseError::NoError) {
            *why = EnvelopeText::tr("the payload is not JSON (%1 at offset %2)")
                       .arg(error.errorString())
                       .arg(error.offset);
            return std::nullopt;
        }
        return doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
    }
    if (first == '"') {
        // A JSON string whose content is itself a JSON document.
        QJsonParseError error;
        QByteArray wrapped;
        wrapped.reserve(body.size() + 2);
        wrapped.append('[').append(body.data(), body.size()).append(']');
        const QJsonDocument outer = QJsonDocument::fromJson(wrapped, &error);
        if (error.error == QJsonParseError::NoError && outer.array().size() == 1) {
            QString inner;
            const QJsonValue s = outer.array().at(0);
            if (s.isString()) {
                const QByteArray innerBytes = s.toString().toUtf8();
                const QByteArrayView innerBody = trimmedView(innerBytes);
                if (!innerBody.isEmpty()
                    && (innerBody.front() == '{' || innerBody.front() == '[')) {
                    if (auto v = parseJson(innerBytes, &inner))
                        return v;
                }
            }
        }
        *why = EnvelopeText::tr("the payload is a JSON string, not a JSON document");
        return std::nullopt;
    }
    *why = EnvelopeText::tr("the payload is not JSON (text starting with %1)")
               .arg(quoteBytes(body, 12));
    return std::nullopt;
}

// What the content-type headers say of CloudEvents.
struct CeClaims
{
    bool structured = false; // application/cloudevents+json
    bool batch = false; // application/cloudevents-batch+json
};

CeClaims ceClaims(const RawMessage &m)
{
    CeClaims claims;
    for (const RawHeader &h : m.headers) {
        if (!h.value || !startsWithIgnoringCase(h.name, "content-type") || h.name.size() != 12)
            continue;
        const QByteArrayView type = trimmedView(*h.value);
        claims.structured = claims.structured || startsWithIgnoringCase(type, "application/cloudevents+json");
        claims.batch = claims.batch || startsWithIgnoringCase(type, "application/cloudevents-batch+json");
    }
    return claims;
}

Payload classify(const RawMessage &m)
{
    Payload p;
    const auto [claimsCe, claimsCeBatch] = ceClaims(m);

    if (!m.value) {
        p.kind = PayloadKind::Tombstone;
        p.unreadable = EnvelopeText::tr("the message is a tombstone (no value)");
    } else if (m.value->isEmpty()) {
        p.kind = PayloadKind::Empty;
        p.unreadable = EnvelopeText::tr("the payload is empty");
    } else if (m.value->at(0) == '\0' && m.value->size() >= 5) {
        p.kind = PayloadKind::SchemaRegistryFramed;
        p.schemaId = quint32(readBigEndian(QByteArrayView(*m.value).sliced(1, 4))) & 0xffffffffu;
        const QByteArrayView body = QByteArrayView(*m.value).sliced(5);
        QString why;
        if (!firstInvalidUtf8(body)) {
            if (auto v = parseJson(body, &why)) {
                p.root = *v;
                p.readable = true;
            }
        }
        if (!p.readable) {
            p.unreadable = EnvelopeText::tr("the payload is Schema Registry framed (schema id %1) "
                                            "and not JSON")
                               .arg(*p.schemaId);
        }
    } else if (const auto bad = firstInvalidUtf8(*m.value)) {
        p.kind = PayloadKind::Binary;
        p.unreadable = EnvelopeText::tr("the payload is %1").arg(notUtf8Reason(*m.value, *bad));
    } else {
        QString why;
        if (auto v = parseJson(*m.value, &why)) {
            p.kind = PayloadKind::Json;
            p.root = *v;
            p.readable = true;
        } else {
            p.kind = PayloadKind::Text;
            p.unreadable = why;
        }
    }

    if (p.readable && p.root.isObject()) {
        const QJsonValue spec = p.root.toObject().value(QLatin1String("specversion"));
        p.structuredCe = claimsCe || spec.isString();
    }
    if (p.structuredCe && p.kind == PayloadKind::Json)
        p.kind = PayloadKind::CloudEventsStructured;
    if (claimsCeBatch) {
        p.ceUnreadable = EnvelopeText::tr("the message is a CloudEvents batch, which Idem does not "
                                          "split");
    } else if (claimsCe && !p.structuredCe) {
        p.ceUnreadable
            = EnvelopeText::tr("the content-type says structured CloudEvent, but %1")
                  .arg(p.unreadable.isEmpty() ? EnvelopeText::tr("the payload is not a JSON object")
                                              : p.unreadable);
    }
    return p;
}

enum class Outcome {
    Absent,
    Found,
    Bad,
};

// Where a value was looked up, put into words only when a message needs it
// (a problem text): decoding a record that reads cleanly builds no text.
struct Where
{
    enum Kind : quint8 { None, Header, Key, Payload, CeData, CeAttribute, Timestamp };
    Kind kind = None;
    QByteArray name; // Header: the header's name; CeAttribute: the attribute's
    const QStringList *pointer = nullptr; // Payload, CeData: the JSON pointer's tokens

    QString text() const
    {
        switch (kind) {
        case Header:
            return EnvelopeText::tr("header %1").arg(QString::fromUtf8(name));
        case Key:
            return EnvelopeText::tr("the key");
        case Payload:
            return EnvelopeText::tr("%1 in the payload").arg(jsonPointerText(*pointer));
        case CeData:
            return EnvelopeText::tr("%1 in the CloudEvent data").arg(jsonPointerText(*pointer));
        case CeAttribute:
            return EnvelopeText::tr("attribute %1 of the structured CloudEvent").arg(QString::fromLatin1(name));
        case Timestamp:
            return EnvelopeText::tr("the record timestamp");
        case None:
            break;
        }
        return {};
    }

    // What a JSON pointer reads into: "the payload".
    QString container() const
    {
        switch (kind) {
        case CeData:
            return EnvelopeText::tr("the CloudEvent data");
        case CeAttribute:
            return EnvelopeText::tr("the structured CloudEvent");
        default:
            return EnvelopeText::tr("the payload");
        }
    }
};

struct Lookup
{
    Outcome outcome = Outcome::Absent;
    QString note; // Absent and Bad: a clause for the problem text
    // Found: exactly one of these carries the value.
    std::optional<QByteArray> bytes;
    std::optional<QJsonValue> json;
    std::optional<qint64> millis;
    Where where; // "header ce_id", "/event_id in the payload"
    bool binaryHint = false; // a binary value here is usual enough to suggest "as hex"

    static Lookup absent(QString note)
    {
        return { Outcome::Absent, std::move(note), {}, {}, {}, {}, false };
    }
    static Lookup bad(QString note)
    {
        return { Outcome::Bad, std::move(note), {}, {}, {}, {}, false };
    }
};

// The copy of a header that `pick` chooses.
struct HeaderPicked
{
    enum Kind { NoHeader, Differ, NoValue, Empty, Found };
    Kind kind = NoHeader;
    int count = 0; // copies of the header
    const QByteArray *value = nullptr; // Found: not empty
};

HeaderPicked pickHeader(const RawMessage &m, const QByteArray &name, HeaderPick pick)
{
    const std::optional<QByteArray> *chosen = nullptr;
    HeaderPicked picked;
    bool differ = false;
    for (const RawHeader &h : m.headers) {
        // Lengths first: most names differ in length, and this runs for
        // every field of every record a filter looks at.
        if (h.name.size() != name.size() || h.name != name)
            continue;
        ++picked.count;
        if (pick == HeaderPick::Last || !chosen)
            chosen = &h.value;
        else if (pick == HeaderPick::Only && *chosen != h.value)
            differ = true;
    }
    if (!chosen)
        picked.kind = HeaderPicked::NoHeader;
    else if (differ)
        picked.kind = HeaderPicked::Differ;
    else if (!chosen->has_value())
        picked.kind = HeaderPicked::NoValue;
    else if ((*chosen)->isEmpty())
        picked.kind = HeaderPicked::Empty;
    else {
        picked.kind = HeaderPicked::Found;
        picked.value = &**chosen;
    }
    return picked;
}

Lookup lookupHeader(const RawMessage &m, const QByteArray &name, HeaderPick pick, bool explain)
{
    const HeaderPicked picked = pickHeader(m, name, pick);
    const auto where = [&] { return Where{Where::Header, name, nullptr}; };
    switch (picked.kind) {
    case HeaderPicked::NoHeader:
        return Lookup::absent(explain ? QString(EnvelopeText::tr("no header %1").arg(QString::fromUtf8(name))) : QString());
    case HeaderPicked::Differ:
        return Lookup::bad(explain ? QString(EnvelopeText::tr("%1 appears %2 times with different values; add "
                                            "first or last to the spec to choose")
                               .arg(where().text())
                               .arg(picked.count)) : QString());
    case HeaderPicked::NoValue:
        return Lookup::absent(explain ? QString(EnvelopeText::tr("%1 has no value").arg(where().text())) : QString());
    case HeaderPicked::Empty:
        return Lookup::absent(explain ? QString(EnvelopeText::tr("%1 is empty").arg(where().text())) : QString());
    case HeaderPicked::Found:
        break;
    }
    Lookup found;
    found.outcome = Outcome::Found;
    found.bytes = *picked.value;
    found.where = where();
    return found;
}

// A JSON pointer token that can index an array; any other token can only
// name an object's member.
bool isArrayIndex(const QString &token)
{
    bool index = !token.isEmpty() && token.size() <= 9 && (token.size() == 1 || token[0] != QLatin1Char('0'));
    for (QChar c : token)
        index = index && c >= QLatin1Char('0') && c <= QLatin1Char('9');
    return index;
}

// `where` names the value in messages ("/id in the payload") and what the
// pointer reads into ("the payload").
Lookup lookupPointer(const QJsonValue &root, const QStringList &tokens, const Where &where, bool explain)
{
    const auto noSuch = [&] {
        return Lookup::absent(explain ? QString(EnvelopeText::tr("%1 has no %2").arg(where.container(), jsonPointerText(tokens))) : QString());
    };
    QJsonValue v = root;
    for (const QString &token : tokens) {
        if (v.isObject()) {
            const QJsonObject o = v.toObject();
            const auto it = o.constFind(token);
            if (it == o.constEnd())
                return noSuch();
            v = it.value();
        } else if (v.isArray()) {
            const QJsonArray a = v.toArray();
            if (!isArrayIndex(token) || token.toInt() >= a.size())
                return noSuch();
            v = a.at(token.toInt());
        } else {
            return noSuch();
        }
    }
    if (v.isNull() || v.isUndefined())
        return Lookup::absent(explain ? QString(EnvelopeText::tr("%1 is null").arg(where.text())) : QString());
    if (v.isString() && v.toString().isEmpty())
        return Lookup::absent(explain ? QString(EnvelopeText::tr("%1 is empty").arg(where.text())) : QString());
    Lookup found;
    found.outcome = Outcome::Found;
    found.json = v;
    found.where = where;
    return found;
}

// The payload classified (and parsed) on first use: a record whose fields
// all come from headers, the key or the timestamp is never parsed.
struct LazyPayload
{
    const RawMessage &message;
    std::optional<Payload> payload;

    const Payload &get()
    {
        if (!payload)
            payload = classify(message);
        return *payload;
    }
};

Lookup lookup(const RawMessage &m, LazyPayload &lazy, const FieldSource &source, bool explain)
{
    switch (source.kind) {
    case FieldSourceKind::Header:
        return lookupHeader(m, source.name, source.pick, explain);
    case FieldSourceKind::Key: {
        if (!m.key)
            return Lookup::absent(explain ? QString(EnvelopeText::tr("the message has no key")) : QString());
        if (m.key->isEmpty())
            return Lookup::absent(explain ? QString(EnvelopeText::tr("the key is empty")) : QString());
        Lookup found;
        found.outcome = Outcome::Found;
        found.bytes = *m.key;
        found.where = Where{Where::Key, {}, nullptr};
        found.binaryHint = true;
        return found;
    }
    case FieldSourceKind::Payload: {
        const Payload &p = lazy.get();
        if (!p.readable)
            return Lookup::absent(explain ? QString(p.unreadable) : QString());
        return lookupPointer(p.root, source.pointer, Where{Where::Payload, {}, &source.pointer}, explain);
    }
    case FieldSourceKind::Data: {
        const Payload &p = lazy.get();
        if (!p.readable)
            return Lookup::absent(explain ? QString(p.unreadable) : QString());
        if (!p.structuredCe)
            return lookupPointer(p.root, source.pointer, Where{Where::Payload, {}, &source.pointer}, explain);
        const QJsonObject event = p.root.toObject();
        const auto data = event.constFind(QLatin1String("data"));
        if (data == event.constEnd() || data.value().isNull())
            return Lookup::absent(explain ? QString(EnvelopeText::tr("the CloudEvent has no data")) : QString());
        return lookupPointer(data.value(), source.pointer, Where{Where::CeData, {}, &source.pointer}, explain);
    }
    case FieldSourceKind::CloudEvent: {
        const Payload &p = lazy.get();
        if (!p.ceUnreadable.isEmpty())
            return Lookup::bad(explain ? QString(p.ceUnreadable) : QString());
        if (p.structuredCe) {
            return lookupPointer(p.root, {QString::fromLatin1(source.name)},
                                 Where{Where::CeAttribute, source.name, nullptr}, explain);
        }
        return lookupHeader(m, QByteArrayLiteral("ce_") + source.name, source.pick, explain);
    }
    case FieldSourceKind::Timestamp: {
        if (m.timestampMs < 0)
            return Lookup::absent(explain ? QString(EnvelopeText::tr("the record has no timestamp")) : QString());
        Lookup found;
        found.outcome = Outcome::Found;
        found.millis = m.timestampMs;
        found.where = Where{Where::Timestamp, {}, nullptr};
        return found;
    }
    }
    return Lookup::absent(QString());
}

// A converted value, or why not.
template<typename T> struct Converted
{
    std::optional<T> value;
    Outcome failure = Outcome::Bad; // when no value: Absent or Bad
    QString note;

    static Converted ok(T v) { return { std::move(v), Outcome::Found, {} }; }
    static Converted bad(QString note) { return { std::nullopt, Outcome::Bad, std::move(note) }; }
    static Converted absent(QString note)
    {
        return { std::nullopt, Outcome::Absent, std::move(note) };
    }
};

bool isPrintableAscii(QByteArrayView bytes)
{
    return std::all_of(bytes.cbegin(), bytes.cend(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

QString intWidthsText()
{
    return EnvelopeText::tr("decimal text nor a 1-, 2-, 4- or 8-byte big-endian integer");
}

Converted<qint64> bytesToInteger(const QByteArray &bytes, ValueFormat format, const Where &where)
{
    bool outOfRange = false;
    switch (format) {
    case ValueFormat::Int32Be:
    case ValueFormat::Int64Be: {
        const qsizetype want = format == ValueFormat::Int32Be ? 4 : 8;
        if (bytes.size() != want) {
            return Converted<qint64>::bad(
                EnvelopeText::tr("%1 is %2 bytes; as %3 expects exactly %4")
                    .arg(where.text())
                    .arg(bytes.size())
                    .arg(format == ValueFormat::Int32Be ? QStringLiteral("int32be")
                                                        : QStringLiteral("int64be"))
                    .arg(want));
        }
        return Converted<qint64>::ok(readBigEndian(bytes));
    }
    case ValueFormat::Decimal:
    case ValueFormat::Text:
        if (auto v = readDecimal(bytes, &outOfRange))
            return Converted<qint64>::ok(*v);
        if (outOfRange)
            return Converted<qint64>::bad(EnvelopeText::tr("%1 is out of range").arg(where.text()));
        return Converted<qint64>::bad(
            EnvelopeText::tr("%1 is not a decimal number: %2").arg(where.text(), quoteBytes(bytes)));
    default:
        break;
    }
    // Auto: text that is all digits reads as text; Spring's binary numbers
    // almost never consist of ASCII digits only.
    if (auto v = readDecimal(bytes, &outOfRange))
        return Converted<qint64>::ok(*v);
    if (outOfRange)
        return Converted<qint64>::bad(EnvelopeText::tr("%1 is out of range").arg(where.text()));
    // Real big-endian numbers of these widths always hold a byte outside
    // printable ASCII (a leading zero at least); printable text is text.
    if (isPrintableAscii(bytes)) {
        return Converted<qint64>::bad(
            EnvelopeText::tr("%1 is not a decimal number: %2").arg(where.text(), quoteBytes(bytes)));
    }
    const qsizetype n = bytes.size();
    if (n == 1 || n == 2 || n == 4 || n == 8)
        return Converted<qint64>::ok(readBigEndian(bytes));
    return Converted<qint64>::bad(EnvelopeText::tr("%1 is %2 bytes (%3), neither %4")
                                      .arg(where.text())
                                      .arg(n)
                                      .arg(quoteBytes(bytes, 16), intWidthsText()));
}

Converted<qint64> jsonToInteger(const QJsonValue &v, const Where &where)
{
    if (v.isDouble()) {
        const double d = v.toDouble();
        const qint64 i = v.toInteger();
        if (std::isfinite(d) && double(i) == d)
            return Converted<qint64>::ok(i);
        return Converted<qint64>::bad(EnvelopeText::tr("%1 is %2, not a whole number in range")
                                          .arg(where.text(), QString::number(d)));
    }
    if (v.isString()) {
        const QByteArray text = v.toString().toUtf8();
        bool outOfRange = false;
        if (auto i = readDecimal(text, &outOfRange))
            return Converted<qint64>::ok(*i);
        if (outOfRange)
            return Converted<qint64>::bad(EnvelopeText::tr("%1 is out of range").arg(where.text()));
        return Converted<qint64>::bad(
            EnvelopeText::tr("%1 is not a decimal number: %2").arg(where.text(), quoteBytes(text)));
    }
    return Converted<qint64>::bad(
        EnvelopeText::tr("%1 is %2, not a number").arg(where.text(), jsonTypeName(v)));
}

Converted<QString> toText(const Lookup &l, ValueFormat format)
{
    const bool numeric = format == ValueFormat::Int || format == ValueFormat::Int32Be
        || format == ValueFormat::Int64Be || format == ValueFormat::Decimal;
    if (l.bytes) {
        const QByteArray &bytes = *l.bytes;
        if (format == ValueFormat::Hex)
            return Converted<QString>::ok(QString::fromLatin1(bytes.toHex()));
        if (numeric) {
            auto i = bytesToInteger(bytes, format, l.where);
            if (!i.value)
                return Converted<QString>::bad(i.note);
            return Converted<QString>::ok(QString::number(*i.value));
        }
        if (const auto bad = firstInvalidUtf8(bytes)) {
            QString note = EnvelopeText::tr("%1 is %2").arg(l.where.text(), notUtf8Reason(bytes, *bad));
            if (l.binaryHint)
                note += EnvelopeText::tr("; \"key as hex\" reads binary keys");
            return Converted<QString>::bad(note);
        }
        return Converted<QString>::ok(QString::fromUtf8(bytes));
    }
    if (l.json) {
        const QJsonValue &v = *l.json;
        if (numeric) {
            auto i = jsonToInteger(v, l.where);
            if (!i.value)
                return Converted<QString>::bad(i.note);
            return Converted<QString>::ok(QString::number(*i.value));
        }
        switch (v.type()) {
        case QJsonValue::String:
            return Converted<QString>::ok(v.toString());
        case QJsonValue::Double: {
            const double d = v.toDouble();
            const qint64 i = v.toInteger();
            if (double(i) == d)
                return Converted<QString>::ok(QString::number(i));
            return Converted<QString>::ok(QString::number(d, 'g', QLocale::FloatingPointShortest));
        }
        case QJsonValue::Bool:
            return Converted<QString>::ok(v.toBool() ? QStringLiteral("true")
                                                     : QStringLiteral("false"));
        default:
            return Converted<QString>::bad(
                EnvelopeText::tr("%1 is %2, not a single value").arg(l.where.text(), jsonTypeName(v)));
        }
    }
    return Converted<QString>::bad(EnvelopeText::tr("%1 is not text").arg(l.where.text()));
}

Converted<QDateTime> fromEpoch(qint64 value, const Where &where)
{
    if (value == -1) {
        return Converted<QDateTime>::absent(
            EnvelopeText::tr("%1 holds -1, Kafka's \"no timestamp\"").arg(where.text()));
    }
    if (value < 0) {
        return Converted<QDateTime>::bad(
            EnvelopeText::tr("%1 holds %2, before 1970").arg(where.text()).arg(value));
    }
    const qint64 ms = value < kEpochSecondsBelow ? value * 1000 : value;
    if (ms > kMaxEpochMs) {
        return Converted<QDateTime>::bad(
            EnvelopeText::tr("%1 holds %2, after the year 9999").arg(where.text()).arg(value));
    }
    return Converted<QDateTime>::ok(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC));
}

std::optional<QDateTime> parseIso(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        return std::nullopt;
    if (t.timeSpec() == Qt::LocalTime)
        t = QDateTime(t.date(), t.time(), Qt::UTC); // no offset given: taken as UTC
    return t.toUTC();
}

Converted<QDateTime> textToTime(const QByteArray &bytes, const Where &where)
{
    bool outOfRange = false;
    if (auto v = readDecimal(bytes, &outOfRange))
        return fromEpoch(*v, where);
    if (outOfRange)
        return Converted<QDateTime>::bad(EnvelopeText::tr("%1 is out of range").arg(where.text()));
    if (!firstInvalidUtf8(bytes)) {
        if (auto t = parseIso(QString::fromUtf8(bytes)))
            return Converted<QDateTime>::ok(*t);
    }
    return Converted<QDateTime>::bad(EnvelopeText::tr("%1 is not an ISO 8601 time or epoch "
                                                      "number: %2")
                                         .arg(where.text(), quoteBytes(bytes)));
}

Converted<QDateTime> toTime(const Lookup &l, ValueFormat format)
{
    if (l.millis)
        return Converted<QDateTime>::ok(QDateTime::fromMSecsSinceEpoch(*l.millis, Qt::UTC));
    if (l.bytes) {
        const QByteArray &bytes = *l.bytes;
        switch (format) {
        case ValueFormat::Text:
            return textToTime(bytes, l.where);
        case ValueFormat::Auto: {
            auto t = textToTime(bytes, l.where);
            if (t.value || t.failure == Outcome::Absent || isPrintableAscii(bytes))
                return t;
            if (bytes.size() == 8 || bytes.size() == 4)
                return fromEpoch(readBigEndian(bytes), l.where);
            return Converted<QDateTime>::bad(EnvelopeText::tr("%1 is %2 bytes (%3), neither ISO "
                                                              "8601 text, a decimal epoch nor a "
                                                              "4- or 8-byte big-endian epoch")
                                                 .arg(l.where.text())
                                                 .arg(bytes.size())
                                                 .arg(quoteBytes(bytes, 16)));
        }
        default: {
            auto i = bytesToInteger(bytes, format, l.where);
            if (!i.value)
                return Converted<QDateTime>::bad(i.note);
            return fromEpoch(*i.value, l.where);
        }
        }
    }
    if (l.json) {
        const QJsonValue &v = *l.json;
        if (v.isDouble()) {
            const double d = v.toDouble();
            if (!std::isfinite(d) || d < -1 || d > double(kMaxEpochMs)) {
                return Converted<QDateTime>::bad(EnvelopeText::tr("%1 holds %2, out of range for "
                                                                  "a time")
                                                     .arg(l.where.text(), QString::number(d)));
            }
            const qint64 whole = v.toInteger();
            if (double(whole) == d)
                return fromEpoch(whole, l.where);
            // Fractional epoch seconds (Python's time.time()) keep their milliseconds.
            if (d >= 0 && d < double(kEpochSecondsBelow)) {
                return Converted<QDateTime>::ok(
                    QDateTime::fromMSecsSinceEpoch(std::llround(d * 1000), Qt::UTC));
            }
            return fromEpoch(qint64(d), l.where);
        }
        if (v.isString())
            return textToTime(v.toString().toUtf8(), l.where);
        return Converted<QDateTime>::bad(
            EnvelopeText::tr("%1 is %2, not a time").arg(l.where.text(), jsonTypeName(v)));
    }
    return Converted<QDateTime>::bad(EnvelopeText::tr("%1 is not a time").arg(l.where.text()));
}

// The values each number field can take; anything else is a misread.
std::optional<QString> outOfRange(EnvelopeField field, qint64 v)
{
    switch (field) {
    case EnvelopeField::OriginalPartition:
    case EnvelopeField::Task:
        if (v < 0 || v > std::numeric_limits<qint32>::max())
            return EnvelopeText::tr("a %1 is between 0 and 2147483647")
                .arg(field == EnvelopeField::Task ? EnvelopeText::tr("task id")
                                                  : EnvelopeText::tr("partition"));
        break;
    case EnvelopeField::OriginalOffset:
        if (v < 0)
            return EnvelopeText::tr("an offset is never negative");
        break;
    case EnvelopeField::Attempt:
        if (v < 0)
            return EnvelopeText::tr("an attempt count is never negative");
        break;
    default:
        break;
    }
    return std::nullopt;
}

void assignText(DecodedEnvelope &d, EnvelopeField field, QString value)
{
    switch (field) {
    case EnvelopeField::EventId:
        d.eventId = std::move(value);
        break;
    case EnvelopeField::EntityKey:
        d.entityKey = std::move(value);
        break;
    case EnvelopeField::EventType:
        d.eventType = std::move(value);
        break;
    case EnvelopeField::EventVersion:
        d.eventVersion = std::move(value);
        break;
    case EnvelopeField::Source:
        d.source = std::move(value);
        break;
    case EnvelopeField::Subject:
        d.subject = std::move(value);
        break;
    case EnvelopeField::OriginalTopic:
        d.originalTopic = std::move(value);
        break;
    case EnvelopeField::ConsumerGroup:
        d.consumerGroup = std::move(value);
        break;
    case EnvelopeField::ErrorClass:
        d.errorClass = std::move(value);
        break;
    case EnvelopeField::Error:
        d.error = std::move(value);
        break;
    case EnvelopeField::StackTrace:
        d.stackTrace = std::move(value);
        break;
    case EnvelopeField::Connector:
        d.connector = std::move(value);
        break;
    case EnvelopeField::Stage:
        d.stage = std::move(value);
        break;
    default:
        break;
    }
}

void assignInteger(DecodedEnvelope &d, EnvelopeField field, qint64 value)
{
    switch (field) {
    case EnvelopeField::Attempt:
        d.attempt = value;
        break;
    case EnvelopeField::OriginalPartition:
        d.originalPartition = qint32(value);
        break;
    case EnvelopeField::OriginalOffset:
        d.originalOffset = value;
        break;
    case EnvelopeField::Task:
        d.task = qint32(value);
        break;
    default:
        break;
    }
}

void assignTime(DecodedEnvelope &d, EnvelopeField field, QDateTime value)
{
    switch (field) {
    case EnvelopeField::Time:
        d.time = std::move(value);
        break;
    case EnvelopeField::OriginalTimestamp:
        d.originalTimestamp = std::move(value);
        break;
    case EnvelopeField::FailedAt:
        d.failedAt = std::move(value);
        break;
    default:
        break;
    }
}

// Reads one alternative into `d`; on failure returns the outcome and a note.
std::pair<Outcome, QString> readInto(DecodedEnvelope &d, EnvelopeField field, const Lookup &l,
                                     ValueFormat format)
{
    switch (envelopeFieldType(field)) {
    case EnvelopeValueType::Text: {
        auto c = toText(l, format);
        if (!c.value)
            return { c.failure, c.note };
        assignText(d, field, std::move(*c.value));
        break;
    }
    case EnvelopeValueType::Integer: {
        const Converted<qint64> c = l.bytes ? bytesToInteger(*l.bytes, format, l.where)
            : l.json ? jsonToInteger(*l.json, l.where)
                     : Converted<qint64>::bad(EnvelopeText::tr("%1 is not a number").arg(l.where.text()));
        if (!c.value)
            return { c.failure, c.note };
        if (const auto why = outOfRange(field, *c.value)) {
            return { Outcome::Bad,
                     EnvelopeText::tr("%1 holds %2; %3").arg(l.where.text()).arg(*c.value).arg(*why) };
        }
        assignInteger(d, field, *c.value);
        break;
    }
    case EnvelopeValueType::Time: {
        auto c = toTime(l, format);
        if (!c.value)
            return { c.failure, c.note };
        assignTime(d, field, std::move(*c.value));
        break;
    }
    }
    return { Outcome::Found, {} };
}

} // namespace

QString payloadKindName(PayloadKind kind)
{
    switch (kind) {
    case PayloadKind::Tombstone:
        return EnvelopeText::tr("tombstone");
    case PayloadKind::Empty:
        return EnvelopeText::tr("empty");
    case PayloadKind::Json:
        return EnvelopeText::tr("JSON");
    case PayloadKind::CloudEventsStructured:
        return EnvelopeText::tr("structured CloudEvent");
    case PayloadKind::SchemaRegistryFramed:
        return EnvelopeText::tr("Schema Registry framed");
    case PayloadKind::Text:
        return EnvelopeText::tr("text");
    case PayloadKind::Binary:
        return EnvelopeText::tr("binary");
    }
    return {};
}

QString FieldProblem::text() const
{
    return EnvelopeText::tr("could not read %1: %2").arg(envelopeFieldName(field), reason);
}

bool DecodedEnvelope::has(EnvelopeField field) const
{
    return !text(field).isEmpty();
}

QString DecodedEnvelope::text(EnvelopeField field) const
{
    const auto number = [](const auto &v) { return v ? QString::number(*v) : QString(); };
    const auto iso = [](const QDateTime &t) {
        return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
    };
    switch (field) {
    case EnvelopeField::EventId:
        return eventId;
    case EnvelopeField::EntityKey:
        return entityKey;
    case EnvelopeField::EventType:
        return eventType;
    case EnvelopeField::EventVersion:
        return eventVersion;
    case EnvelopeField::Source:
        return source;
    case EnvelopeField::Subject:
        return subject;
    case EnvelopeField::Time:
        return iso(time);
    case EnvelopeField::Attempt:
        return number(attempt);
    case EnvelopeField::OriginalTopic:
        return originalTopic;
    case EnvelopeField::OriginalPartition:
        return number(originalPartition);
    case EnvelopeField::OriginalOffset:
        return number(originalOffset);
    case EnvelopeField::OriginalTimestamp:
        return iso(originalTimestamp);
    case EnvelopeField::FailedAt:
        return iso(failedAt);
    case EnvelopeField::ConsumerGroup:
        return consumerGroup;
    case EnvelopeField::ErrorClass:
        return errorClass;
    case EnvelopeField::Error:
        return error;
    case EnvelopeField::StackTrace:
        return stackTrace;
    case EnvelopeField::Connector:
        return connector;
    case EnvelopeField::Task:
        return number(task);
    case EnvelopeField::Stage:
        return stage;
    }
    return {};
}

bool DecodedEnvelope::isDeadLetter() const
{
    return !originalTopic.isEmpty() || !error.isEmpty() || !errorClass.isEmpty()
        || !stackTrace.isEmpty();
}

namespace {

DecodedEnvelope decodeWith(const RawMessage &message, const EnvelopeSpec &spec, bool describePayload)
{
    LazyPayload payload{message, std::nullopt};
    DecodedEnvelope d;

    for (int i = 0; i < EnvelopeFieldCount; ++i) {
        const auto field = EnvelopeField(i);
        const FieldSpec &fieldSpec = spec.field(field);
        if (fieldSpec.isNone())
            continue;
        // The words for what was missing are built only for a field that
        // ends up with a problem: the lookups run again, explaining.
        const auto readField = [&](bool explain, QStringList *notes) {
            bool unreadable = false;
            for (const FieldSource &source : fieldSpec.alternatives) {
                const Lookup l = lookup(message, payload, source, explain);
                if (l.outcome != Outcome::Found) {
                    if (notes)
                        notes->append(l.note);
                    unreadable = unreadable || l.outcome == Outcome::Bad;
                    continue;
                }
                const auto [outcome, note] = readInto(d, field, l, source.format);
                if (outcome == Outcome::Found)
                    return std::pair(true, unreadable);
                if (notes)
                    notes->append(note);
                unreadable = unreadable || outcome == Outcome::Bad;
            }
            return std::pair(false, unreadable);
        };
        const auto [read, unreadable] = readField(false, nullptr);
        if (!read && (unreadable || field == EnvelopeField::EventId)) {
            QStringList notes;
            readField(true, &notes);
            notes.removeDuplicates();
            d.problems.append({ field, notes.join(QStringLiteral("; ")) });
        }
    }
    if (describePayload || payload.payload) {
        const Payload &p = payload.get();
        d.payloadKind = p.kind;
        d.schemaId = p.schemaId;
        d.payloadReadable = p.readable;
    }
    return d;
}

} // namespace

DecodedEnvelope decode(const RawMessage &message, const EnvelopeSpec &spec)
{
    return decodeWith(message, spec, true);
}

DecodedEnvelope decodeFields(const RawMessage &message, const EnvelopeSpec &spec)
{
    return decodeWith(message, spec, false);
}

namespace {

// What readInto() makes of `bytes` found for `field` of `type`, without
// building the value where that is cheap to tell: text in its own format is
// read when it is UTF-8 (as toText() decides), a number when bytesToInteger()
// reads it in range (as readInto() decides); other values are read.
Outcome readsFrom(EnvelopeField field, EnvelopeValueType type, const QByteArray &bytes, ValueFormat format,
                  std::optional<DecodedEnvelope> &scratch)
{
    if (type == EnvelopeValueType::Text && (format == ValueFormat::Auto || format == ValueFormat::Text))
        return isAscii(bytes) || !firstInvalidUtf8(bytes) ? Outcome::Found : Outcome::Bad;
    if (type == EnvelopeValueType::Integer) {
        const Converted<qint64> c = bytesToInteger(bytes, format, Where());
        if (!c.value)
            return c.failure;
        return outOfRange(field, *c.value) ? Outcome::Bad : Outcome::Found;
    }
    Lookup l;
    l.outcome = Outcome::Found;
    l.bytes = QByteArray::fromRawData(bytes.constData(), bytes.size()); // the message outlives it
    if (!scratch)
        scratch.emplace();
    return readInto(*scratch, field, l, format).first;
}

// Member names a pointer must find: its tokens that cannot index an array,
// each as it would stand in JSON, quotes included.
QList<QByteArray> memberNamesOf(const QStringList &pointer)
{
    QList<QByteArray> names;
    for (const QString &token : pointer) {
        if (!isArrayIndex(token))
            names << QByteArray('"' + token.toUtf8() + '"');
    }
    return names;
}

} // namespace

CleanDecodeProbe::CleanDecodeProbe(const EnvelopeSpec &spec)
{
    for (int i = 0; i < EnvelopeFieldCount; ++i) {
        const auto field = EnvelopeField(i);
        const FieldSpec &fieldSpec = spec.field(field);
        if (fieldSpec.isNone())
            continue;
        Field f;
        f.field = field;
        f.type = envelopeFieldType(field);
        for (const FieldSource &source : fieldSpec.alternatives) {
            Alternative a;
            a.source = source;
            switch (source.kind) {
            case FieldSourceKind::Payload:
            case FieldSourceKind::Data:
                a.kind = Alternative::Pointer;
                a.members = memberNamesOf(source.pointer);
                break;
            case FieldSourceKind::CloudEvent:
                // Binary mode: the header lookup() reads when the event is not structured.
                a.kind = Alternative::CloudEvent;
                a.source.kind = FieldSourceKind::Header;
                a.source.name = QByteArrayLiteral("ce_") + source.name;
                break;
            default:
                break;
            }
            f.alternatives << a;
        }
        m_fields << f;
    }
}

bool CleanDecodeProbe::certainlyClean(const RawMessage &message) const
{
    const QByteArrayView payload = message.value ? QByteArrayView(*message.value) : QByteArrayView();
    // Without a backslash every member name stands in the payload as it is.
    const bool verbatim = !payload.contains('\\');
    // A pointer into the payload certainly finds nothing: no payload to parse,
    // or a member name it needs is not there.
    const auto pointerAbsent = [&](const Alternative &a) {
        if (payload.isEmpty())
            return true;
        if (!verbatim)
            return false;
        for (const QByteArray &name : a.members) {
            if (!payload.contains(name))
                return true;
        }
        return false;
    };
    // Not a structured CloudEvent: no content-type says so, no specversion member.
    std::optional<bool> binaryCe;
    const auto ceBinary = [&] {
        if (!binaryCe) {
            const CeClaims claims = ceClaims(message);
            binaryCe = !claims.structured && !claims.batch
                && (payload.isEmpty() || (verbatim && !payload.contains("\"specversion\"")));
        }
        return *binaryCe;
    };
    // The lengths of the record's header names (63: that long or longer): a
    // name of another length has no header.
    quint64 lengths = 0;
    const auto lengthBit = [](qsizetype size) { return quint64(1) << std::min<qsizetype>(size, 63); };
    for (const RawHeader &h : message.headers)
        lengths |= lengthBit(h.name.size());
    LazyPayload never{message, std::nullopt}; // header, key and timestamp lookups do not parse
    std::optional<DecodedEnvelope> scratch; // what readInto() needs to write to
    // The same test decodeWith() makes: a field has a problem when no
    // alternative reads and one was unreadable, or it is event_id.
    for (const Field &f : m_fields) {
        bool read = false;
        bool unreadable = false;
        bool unknown = false;
        for (const Alternative &a : f.alternatives) {
            if (a.kind == Alternative::Pointer) {
                unknown = unknown || !pointerAbsent(a);
                continue;
            }
            if (a.kind == Alternative::CloudEvent && !ceBinary()) {
                unknown = true;
                continue;
            }
            Outcome outcome = Outcome::Absent;
            if (a.source.kind == FieldSourceKind::Header) {
                if (!(lengths & lengthBit(a.source.name.size())))
                    continue; // absent
                // lookupHeader()'s choice, and the value read without
                // building the lookup's texts.
                const HeaderPicked picked = pickHeader(message, a.source.name, a.source.pick);
                if (picked.kind == HeaderPicked::Differ)
                    outcome = Outcome::Bad;
                else if (picked.kind == HeaderPicked::Found)
                    outcome = readsFrom(f.field, f.type, *picked.value, a.source.format, scratch);
            } else if (a.source.kind == FieldSourceKind::Key) {
                // As lookup() finds the key: absent when null or empty.
                if (message.key && !message.key->isEmpty())
                    outcome = readsFrom(f.field, f.type, *message.key, a.source.format, scratch);
            } else if (a.source.kind == FieldSourceKind::Timestamp) {
                // lookup() finds a timestamp when there is one; toTime() reads any.
                outcome = message.timestampMs >= 0 ? Outcome::Found : Outcome::Absent;
            } else {
                const Lookup l = lookup(message, never, a.source, false);
                if (l.outcome == Outcome::Found && !scratch)
                    scratch.emplace();
                outcome = l.outcome == Outcome::Found ? readInto(*scratch, f.field, l, a.source.format).first : l.outcome;
            }
            if (outcome == Outcome::Found) {
                read = true;
                break;
            }
            unreadable = unreadable || outcome == Outcome::Bad;
        }
        if (!read && (unknown || unreadable || f.field == EnvelopeField::EventId))
            return false;
    }
    return true;
}

namespace envelope_detail {

QList<Presence> probeSources(const RawMessage &message, const QList<FieldSource> &sources)
{
    LazyPayload lazy{message, std::nullopt};
    QList<Presence> result;
    result.reserve(sources.size());
    for (const FieldSource &source : sources) {
        const Lookup l = lookup(message, lazy, source, false);
        if (l.outcome == Outcome::Absent)
            result.append(Presence::Absent);
        else if (source.kind == FieldSourceKind::CloudEvent && lazy.get().structuredCe)
            result.append(Presence::PresentStructured);
        else
            result.append(Presence::Present);
    }
    return result;
}

} // namespace envelope_detail

} // namespace idem::models
