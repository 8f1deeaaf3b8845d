#pragma once

// Where one envelope field lives in a Kafka record, as written in a flow's
// configuration (`envelope: {preset: NAME, fields: {event_id: "SPEC"}}`).
//
// Grammar (white space around tokens is free; keywords are lowercase):
//
//   spec        = "none" | alternative { "|" alternative }
//   alternative = source { modifier }
//   source      = "header:" name          a record header, by exact name
//               | "key"                   the record key
//               | "payload:" pointer      a JSON pointer into the record value
//               | "data:" pointer         into a CloudEvent's data (structured mode: the
//                                         value's /data; otherwise the whole value)
//               | "cloudevent:" attribute header ce_<attribute> (binary mode) or the
//                                         attribute of a structured CloudEvent
//               | "timestamp"             the record timestamp (time fields only)
//   modifier    = "first" | "last"        which copy of a repeated header to read
//               | "as" format
//   format      = "text"     UTF-8 text (default for text fields)
//               | "hex"      raw bytes as lowercase hex (text fields; for binary keys)
//               | "int"      decimal text, else a 1-, 2-, 4- or 8-byte big-endian
//                            integer (default for number fields); bytes that are all
//                            printable ASCII are always read as text
//               | "int32be"  exactly 4 bytes, big-endian two's complement
//               | "int64be"  exactly 8 bytes, big-endian two's complement
//               | "decimal"  decimal text only
//   name        = bare | quoted           header names, pointers and attributes alike
//   pointer     = name whose text is an RFC 6901 pointer: "/" tokens, "~0" for "~",
//                 "~1" for "/"
//   bare        = one or more characters other than white space, '|' and '"'
//   quoted      = '"' { any character but '"' and '\' | '\"' | '\\' } '"'
//
// Alternatives are tried left to right; the first that yields a value wins.
// An absent source (no such header, null or empty value, a payload that is not
// JSON, a pointer that leads nowhere) passes to the next alternative; so does
// one present with an unreadable value, whose reason is reported if no
// alternative succeeds. A header that repeats with different values is
// unreadable unless "first" or "last" says which copy counts.
//
// Time fields accept ISO 8601 text (a time without an offset is taken as UTC)
// and epoch numbers: below 100 000 000 000 seconds, from there milliseconds.
// Numbers in JSON are read as numbers or as decimal strings.
//
// Examples:
//   header:event_id | payload:/event_id
//   header:kafka_dlt-original-offset first as int64be
//   payload:/data/id | key as hex
//   header:"x request id" | cloudevent:id

#include "models/core/result.h"
#include "models/envelope/envelopefield.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>

namespace idem::models {

enum class FieldSourceKind {
    Header,
    Key,
    Payload,
    Data,
    CloudEvent,
    Timestamp,
};

enum class HeaderPick {
    Only, // repeated copies must agree
    First,
    Last,
};

enum class ValueFormat {
    Auto, // by the field's type: text, int, or time (ISO text, epoch text or bytes)
    Text,
    Hex,
    Int,
    Int32Be,
    Int64Be,
    Decimal,
};

struct FieldSource
{
    FieldSourceKind kind = FieldSourceKind::Header;
    QByteArray name; // header name, or CloudEvents attribute name
    QStringList pointer; // JSON pointer reference tokens, unescaped
    HeaderPick pick = HeaderPick::Only;
    ValueFormat format = ValueFormat::Auto;

    bool operator==(const FieldSource &) const = default;
};

struct FieldSpec
{
    QList<FieldSource> alternatives; // empty: the field is not read ("none")

    bool isNone() const { return alternatives.isEmpty(); }
    bool operator==(const FieldSpec &) const = default;
};

// Parses `text` for `field`. Errors name the field, quote the spec and give a
// 1-based column: `event_id: "header: | key" column 8: expected a header name
// after "header:"`. Also rejects what the grammar allows but the field cannot
// use (a timestamp for a text field, hex for a number, int64be on a JSON value,
// none for event_id, which Idem identifies every event by).
Result<FieldSpec> parseFieldSpec(QStringView text, EnvelopeField field);

// The canonical text of a spec; parsing it gives the same spec back.
QString formatFieldSpec(const FieldSpec &spec);
QString formatFieldSource(const FieldSource &source);

// How a person would name a source in a sentence: "header ce_id", "the key",
// "/event_id in the payload".
QString describeFieldSource(const FieldSource &source);

// RFC 6901 pointer text from unescaped tokens: {"a/b", "c"} -> "/a~1b/c".
QString jsonPointerText(const QStringList &tokens);

} // namespace idem::models
