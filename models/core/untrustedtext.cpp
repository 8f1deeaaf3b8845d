#include "models/core/untrustedtext.h"

namespace idem::models {

QString capUntrusted(QStringView text, qsizetype maxChars)
{
    if (text.size() <= maxChars)
        return text.toString();
    qsizetype cut = qMax<qsizetype>(maxChars, 0);
    if (cut > 0 && text[cut - 1].isHighSurrogate())
        --cut;
    return text.first(cut).toString() + QChar(0x2026);
}

bool isTerminalControl(char32_t c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e
        || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
        || c == 0x2028 || c == 0x2029;
}

QString escapeForTerminal(QStringView text)
{
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar ch = text[i];
        // Every character escaped is in the Basic Multilingual Plane:
        // surrogates (halves of other characters) pass unchanged.
        const char32_t c = ch.unicode();
        if (ch.isSurrogate() || !isTerminalControl(c)) {
            out += ch;
            continue;
        }
        switch (c) {
        case U'\t':
            out += QLatin1String("\\t");
            break;
        case U'\n':
            out += QLatin1String("\\n");
            break;
        case U'\r':
            out += QLatin1String("\\r");
            break;
        default:
            if (c < 0x80)
                out += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
            else
                out += QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0'));
        }
    }
    return out;
}

QString plainTextToolTip(const QString &text)
{
    if (text.isEmpty())
        return {};
    // <qt> makes Qt take the text as rich text whatever it holds; every
    // character of `text` is escaped, newlines become line breaks.
    QString escaped = text.toHtmlEscaped();
    escaped.replace(QLatin1Char('\n'), QLatin1String("<br>"));
    return QStringLiteral("<qt>") + escaped + QStringLiteral("</qt>");
}

} // namespace idem::models
