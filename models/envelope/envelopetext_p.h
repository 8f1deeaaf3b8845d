#pragma once

// Shared by the envelope sources only: the translation context for the text
// Idem shows about envelopes, and byte-level readers that never trust their
// input.

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QString>
#include <optional>

namespace idem::models::envelope_detail {

struct EnvelopeText
{
    Q_DECLARE_TR_FUNCTIONS(Envelope)
};

// The offset of the first byte that does not belong to well-formed UTF-8
// (no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt.
std::optional<qsizetype> firstInvalidUtf8(QByteArrayView bytes);

// "not UTF-8 text (byte 0xff at offset 3)"
QString notUtf8Reason(QByteArrayView bytes, qsizetype offset);

// Big-endian two's complement of 1 to 8 bytes.
qint64 readBigEndian(QByteArrayView bytes);

// Decimal text: an optional '-' and digits, nothing else; nullopt when not
// decimal or out of range. `outOfRange` tells the two apart.
std::optional<qint64> readDecimal(QByteArrayView bytes, bool *outOfRange = nullptr);

// Text for messages: printable ASCII kept, the rest escaped, long values cut.
QString quoteBytes(QByteArrayView bytes, qsizetype limit = 40);

} // namespace idem::models::envelope_detail
