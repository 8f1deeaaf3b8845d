#include "models/envelope/envelopetext_p.h"

#include <cstring>
#include <limits>

namespace idem::models::envelope_detail {

std::optional<qsizetype> firstInvalidUtf8(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        // ASCII eight bytes at a time.
        if (n - i >= 8) {
            quint64 word;
            std::memcpy(&word, p + i, 8);
            if (!(word & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int extra = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            if (c == 0xe0)
                lo = 0xa0; // overlong
            else if (c == 0xed)
                hi = 0x9f; // surrogates
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            if (c == 0xf0)
                lo = 0x90; // overlong
            else if (c == 0xf4)
                hi = 0x8f; // above U+10FFFF
        } else {
            return i;
        }
        if (n - i <= extra)
            return i; // truncated sequence
        for (int k = 1; k <= extra; ++k) {
            const unsigned char cc = p[i + k];
            const unsigned char min = k == 1 ? lo : 0x80;
            const unsigned char max = k == 1 ? hi : 0xbf;
            if (cc < min || cc > max)
                return i;
        }
        i += extra + 1;
    }
    return std::nullopt;
}

QString notUtf8Reason(QByteArrayView bytes, qsizetype offset)
{
    const auto byte = offset < bytes.size() ? static_cast<unsigned char>(bytes[offset]) : 0;
    return EnvelopeText::tr("not UTF-8 text (byte 0x%1 at offset %2)")
        .arg(byte, 2, 16, QLatin1Char('0'))
        .arg(offset);
}

qint64 readBigEndian(QByteArrayView bytes)
{
    quint64 value = 0;
    for (const char c : bytes)
        value = (value << 8) | static_cast<unsigned char>(c);
    const auto width = bytes.size();
    if (width > 0 && width < 8 && (static_cast<unsigned char>(bytes[0]) & 0x80)) {
        // Sign-extend: Java writes negative numbers in two's complement.
        value |= ~quint64(0) << (width * 8);
    }
    return static_cast<qint64>(value);
}

std::optional<qint64> readDecimal(QByteArrayView bytes, bool *outOfRange)
{
    if (outOfRange)
        *outOfRange = false;
    const bool negative = !bytes.isEmpty() && bytes[0] == '-';
    qsizetype i = negative ? 1 : 0;
    if (i >= bytes.size())
        return std::nullopt;
    const quint64 limit = negative ? quint64(std::numeric_limits<qint64>::max()) + 1
                                   : quint64(std::numeric_limits<qint64>::max());
    quint64 value = 0;
    bool overflow = false;
    for (; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (c < '0' || c > '9')
            return std::nullopt;
        const auto digit = quint64(c - '0');
        if (overflow || value > (limit - digit) / 10)
            overflow = true; // keep scanning: a non-digit later still means "not decimal"
        else
            value = value * 10 + digit;
    }
    if (overflow) {
        if (outOfRange)
            *outOfRange = true;
        return std::nullopt;
    }
    return negative ? qint64(0 - value) : qint64(value);
}

QString quoteBytes(QByteArrayView bytes, qsizetype limit)
{
    QString out;
    out.reserve(qMin(bytes.size(), limit) + 2);
    out += QLatin1Char('"');
    const qsizetype shown = qMin(bytes.size(), limit);
    for (qsizetype i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '"' || c == '\\') {
            out += QLatin1Char('\\');
            out += QLatin1Char(char(c));
        } else if (c >= 0x20 && c < 0x7f) {
            out += QLatin1Char(char(c));
        } else {
            out += QStringLiteral("\\x%1").arg(c, 2, 16, QLatin1Char('0'));
        }
    }
    if (bytes.size() > shown)
        out += QStringLiteral("…");
    out += QLatin1Char('"');
    return out;
}

} // namespace idem::models::envelope_detail
