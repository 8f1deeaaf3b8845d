#pragma once

// A filter run's shortcut: decides on a dead letter's raw bytes, before it
// is decoded, that a text filter certainly does not match it. Decoding every
// record (a JSON parse of its payload, a string per field) cost several
// times what reading it did; most records of a run do not hold the text at
// all, and for those a byte search says so.
//
// It only ever says "certainly no match"; whenever the decoded texts could
// hold the needle where the bytes do not, it says nothing and the record is
// decoded. What the text filter looks at (event_id, entity key, the error
// column) is, for a record that decodes without a problem, made of pieces of
// the bytes of the sources those fields read, except for:
//   - Unicode case folding (K and ſ match k and s): any byte above 0x7f in
//     those sources, or a needle that is not printable ASCII, and it says
//     nothing;
//   - JSON escapes (\u0041, \/): a backslash in the payload;
//   - JSON numbers written with a fraction, an exponent or 16 digits or more,
//     shown other than written (1e5 is shown 100000): such a payload, when
//     the needle could be made of a number's characters or span a join;
//   - hex and numeric formats (key as hex, int32be): their renderings hold
//     only [0-9a-f-], so needles of those characters alone are decoded;
//   - the join of error class and error, "class: error": a needle that could
//     span it is looked for as its two sides;
//   - decode problems, whose text the error column shows: a record is
//     skipped only when CleanDecodeProbe proves it decodes cleanly.
// Truncation of long values and the ellipsis added only remove matches.

#include "models/deadletters/deadletterrow.h"
#include "models/envelope/envelope.h"

#include <QByteArray>
#include <QList>

#include <utility>

namespace idem::models {

class DeadLetterPrefilter
{
public:
    DeadLetterPrefilter(const DeadLetterFilter &filter, const EnvelopeSpec &spec);

    // false: it never excludes (no text to look for, or one it cannot reason about).
    bool active() const { return m_active; }
    // true only when filter.matches(message, decodeFields(message, spec)) is
    // certainly false. The message's bytes are only read (a view of the
    // reader's buffers will do).
    bool excludes(const RawMessage &message) const;

private:
    bool m_active = false;
    QByteArray m_needle; // lowercase ASCII
    // Ways the needle could span "class: error": what would stand before the
    // join and after it (lowercase; either may be empty, not both).
    QList<std::pair<QByteArray, QByteArray>> m_spans;
    QList<QByteArray> m_headers; // the headers the text fields read
    bool m_key = false; // the text fields read the key
    bool m_payload = false; // … or the payload
    bool m_numberGuard = false; // payload numbers must be shown as written
    CleanDecodeProbe m_probe;
};

} // namespace idem::models
