#pragma once

// Shared by the envelope sources only: the translation context for the text
// Idem shows about envelopes, and byte-level readers that never trust their
// input.

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QString>
#include <cstring>
#include <optional>

namespace idem::models::envelope_detail {

struct EnvelopeText
{
    Q_DECLARE_TR_FUNCTIONS(Envelope)
};

// No byte above 0x7f (then also well-formed UTF-8).
inline bool isAscii(QByteArrayView bytes)
{
    const char *p = bytes.data();
    qsizetype n = bytes.size();
    for (; n >= 8; p += 8, n -= 8) {
        quint64 word;
        std::memcpy(&word, p, 8);
        if (word & 0x8080808080808080ull)
            return false;
    }
    for (; n > 0; ++p, --n) {
        if (static_cast<unsigned char>(*p) & 0x80)
            return false;
    }
    return true;
}

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
