#include "models/envelope/failuregroup.h"

#include "models/core/untrustedtext.h"
#include "models/envelope/envelopetext_p.h"

#include <QList>

namespace idem::models {

using envelope_detail::EnvelopeText;

namespace {

constexpr qsizetype kMaxCauseLength = 300;

bool isHexDigit(QChar c)
{
    return (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
        || (c >= QLatin1Char('a') && c <= QLatin1Char('f'))
        || (c >= QLatin1Char('A') && c <= QLatin1Char('F'));
}

bool isDigit(QChar c)
{
    return c >= QLatin1Char('0') && c <= QLatin1Char('9');
}

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_');
}

bool isUuidAt(QStringView s, qsizetype i)
{
    if (s.size() - i < 36)
        return false;
    for (qsizetype k = 0; k < 36; ++k) {
        const QChar c = s[i + k];
        const bool dash = k == 8 || k == 13 || k == 18 || k == 23;
        if (dash ? c != QLatin1Char('-') : !isHexDigit(c))
            return false;
    }
    return i + 36 == s.size() || !isWordChar(s[i + 36]);
}

bool isIdentifierStart(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_') || c == QLatin1Char('$');
}

// "com.acme.OrderException", "System.InvalidOperationException",
// "Outer$Inner", "Ns.Outer+Inner", "ValueError".
bool isClassName(QStringView s)
{
    if (s.isEmpty() || s.size() > 300)
        return false;
    bool segmentStart = true;
    for (QChar c : s) {
        if (c == QLatin1Char('.') || c == QLatin1Char('+')) {
            if (segmentStart)
                return false;
            segmentStart = true;
            continue;
        }
        if (segmentStart ? !isIdentifierStart(c)
                         : !(isWordChar(c) || c == QLatin1Char('$') || c == QLatin1Char('`'))) {
            return false;
        }
        segmentStart = false;
    }
    return !segmentStart;
}

struct Thrown
{
    QString exceptionClass;
    QString message;
    QString firstFrame;
};

// "pkg.Cls: message" -> class and message; nullopt when it does not start
// with a class name.
std::optional<Thrown> parseThrownLine(QStringView line)
{
    line = line.trimmed();
    const qsizetype colon = line.indexOf(QLatin1String(": "));
    const QStringView cls = colon < 0 ? (line.endsWith(QLatin1Char(':')) ? line.chopped(1) : line)
                                      : line.first(colon);
    if (!isClassName(cls))
        return std::nullopt;
    Thrown t;
    t.exceptionClass = cls.toString();
    if (colon >= 0)
        t.message = line.sliced(colon + 2).trimmed().toString();
    return t;
}

// "at com.acme.Orders.handle(Orders.java:42)" -> "com.acme.Orders.handle";
// module and class loader prefixes and generated proxy suffixes are dropped,
// so that a redeploy does not split a group.
QString normalizeFrame(QStringView at)
{
    QStringView f = at.trimmed();
    if (f.startsWith(QLatin1String("at ")))
        f = f.sliced(3).trimmed();
    const qsizetype paren = f.indexOf(QLatin1Char('('));
    if (paren >= 0)
        f = f.first(paren);
    const qsizetype slash = f.lastIndexOf(QLatin1Char('/'));
    if (slash >= 0)
        f = f.sliced(slash + 1);
    QString out;
    out.reserve(f.size());
    for (qsizetype i = 0; i < f.size(); ++i) {
        if (f[i] == QLatin1Char('$') && i + 1 < f.size() && f[i + 1] == QLatin1Char('$')) {
            out += QStringLiteral("$$");
            while (i < f.size() && f[i] != QLatin1Char('.'))
                ++i;
            if (i < f.size())
                out += f[i];
            continue;
        }
        out += f[i];
    }
    return out.trimmed();
}

bool isIndented(QStringView line)
{
    return !line.isEmpty() && (line[0] == QLatin1Char(' ') || line[0] == QLatin1Char('\t'));
}

QList<QStringView> splitLines(QStringView text)
{
    QList<QStringView> lines;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == QLatin1Char('\n')) {
            QStringView line = text.sliced(start, i - start);
            if (line.endsWith(QLatin1Char('\r')))
                line.chop(1);
            lines.append(line);
            start = i + 1;
        }
    }
    return lines;
}

std::optional<StackTraceSummary> summarizePython(const QList<QStringView> &lines)
{
    // The first traceback block is the original failure; later blocks are
    // what handling it raised.
    QString frame;
    std::optional<Thrown> thrown;
    for (QStringView line : lines) {
        const QStringView t = line.trimmed();
        if (t.startsWith(QLatin1String("During handling of the above exception"))
            || t.startsWith(QLatin1String("The above exception was the direct cause"))) {
            if (thrown)
                break;
            continue;
        }
        if (t.startsWith(QLatin1String("File \""))) {
            // File "/app/orders/handler.py", line 42, in handle
            const qsizetype close = t.indexOf(QLatin1Char('"'), 6);
            if (close < 0)
                continue;
            QStringView path = t.sliced(6, close - 6);
            const qsizetype slash
                = std::max(path.lastIndexOf(QLatin1Char('/')), path.lastIndexOf(QLatin1Char('\\')));
            if (slash >= 0)
                path = path.sliced(slash + 1);
            const qsizetype in = t.lastIndexOf(QLatin1String(", in "));
            frame = in >= 0 ? path.toString() + QLatin1String(" in ") + t.sliced(in + 5).toString()
                            : path.toString();
            continue;
        }
        if (isIndented(line) || t.isEmpty() || t.startsWith(QLatin1String("Traceback ")))
            continue;
        if (!thrown)
            thrown = parseThrownLine(t);
    }
    if (!thrown)
        return std::nullopt;
    return StackTraceSummary { thrown->exceptionClass, thrown->message, frame };
}

std::optional<StackTraceSummary> summarizeJvmOrDotNet(const QList<QStringView> &lines)
{
    QList<Thrown> chain;
    bool sawFrame = false;
    for (QStringView line : lines) {
        const QStringView t = line.trimmed();
        if (t.isEmpty())
            continue;
        if (chain.isEmpty()) {
            // .NET writes the whole chain on the first line: "A: x ---> B: y".
            const qsizetype arrow = t.lastIndexOf(QLatin1String(" ---> "));
            auto first = parseThrownLine(arrow >= 0 ? t.sliced(arrow + 6) : t);
            if (!first)
                return std::nullopt;
            chain.append(*first);
            continue;
        }
        if (t.startsWith(QLatin1String("at "))) {
            sawFrame = true;
            if (chain.last().firstFrame.isEmpty())
                chain.last().firstFrame = normalizeFrame(t);
            continue;
        }
        if (!isIndented(line) && t.startsWith(QLatin1String("Caused by: "))) {
            if (auto cause = parseThrownLine(t.sliced(11)))
                chain.append(*cause);
            continue;
        }
        // Message continuation lines, "... 12 more", suppressed exceptions and
        // .NET's "--- End of inner exception stack trace ---" say nothing new.
    }
    if (chain.isEmpty() || !sawFrame)
        return std::nullopt;
    const Thrown &root = chain.last();
    QString frame = root.firstFrame;
    // A cause whose frames are all shared with its wrapper prints none.
    for (qsizetype i = chain.size() - 1; frame.isEmpty() && i >= 0; --i)
        frame = chain[i].firstFrame;
    return StackTraceSummary { root.exceptionClass, root.message, frame };
}

} // namespace

std::optional<StackTraceSummary> summarizeStackTrace(QStringView trace)
{
    const QList<QStringView> lines = splitLines(trace);
    for (QStringView line : lines) {
        if (line.trimmed() == QLatin1String("Traceback (most recent call last):"))
            return summarizePython(lines);
    }
    return summarizeJvmOrDotNet(lines);
}

QString normalizeErrorCause(QStringView cause)
{
    QString out;
    out.reserve(qMin(cause.size(), kMaxCauseLength + 8));
    bool pendingSpace = false;
    qsizetype i = 0;
    const auto put = [&](QStringView piece) {
        if (pendingSpace && !out.isEmpty())
            out += QLatin1Char(' ');
        pendingSpace = false;
        out += piece;
    };
    while (i < cause.size() && out.size() < kMaxCauseLength) {
        const QChar c = cause[i];
        if (c.isSpace()) {
            pendingSpace = true;
            ++i;
            continue;
        }
        const bool wordStart = i == 0 || !isWordChar(cause[i - 1]);
        if (wordStart && isUuidAt(cause, i)) {
            put(u"<uuid>");
            i += 36;
            continue;
        }
        if (wordStart && c == QLatin1Char('0') && i + 2 < cause.size()
            && (cause[i + 1] == QLatin1Char('x') || cause[i + 1] == QLatin1Char('X'))
            && isHexDigit(cause[i + 2])) {
            i += 2;
            while (i < cause.size() && isHexDigit(cause[i]))
                ++i;
            put(u"<hex>");
            continue;
        }
        if (!isWordChar(c)) {
            put(cause.sliced(i, 1));
            ++i;
            continue;
        }
        qsizetype end = i;
        bool allHex = true;
        bool allDigits = true;
        bool anyDigit = false;
        while (end < cause.size() && isWordChar(cause[end])) {
            allHex = allHex && isHexDigit(cause[end]);
            allDigits = allDigits && isDigit(cause[end]);
            anyDigit = anyDigit || isDigit(cause[end]);
            ++end;
        }
        const QStringView word = cause.sliced(i, end - i);
        if (allDigits) {
            put(u"<n>");
        } else if (allHex && anyDigit && word.size() >= 8) {
            put(u"<hex>");
        } else {
            QString piece;
            for (qsizetype k = 0; k < word.size();) {
                if (isDigit(word[k])) {
                    piece += QLatin1String("<n>");
                    while (k < word.size() && isDigit(word[k]))
                        ++k;
                } else {
                    piece += word[k++];
                }
            }
            put(piece);
        }
        i = end;
    }
    if (!cause.sliced(i).trimmed().isEmpty() || out.size() > kMaxCauseLength) {
        out.truncate(kMaxCauseLength);
        out += QStringLiteral("…");
    }
    return out;
}

FailureGroup failureGroupOf(QStringView errorClass, QStringView error, QStringView stackTrace)
{
    FailureGroup g;
    const QChar sep(0x1f); // cannot appear in a class name or normalized text
    if (!stackTrace.trimmed().isEmpty()) {
        if (const auto summary = summarizeStackTrace(stackTrace)) {
            g.basis = FailureGroup::Basis::StackTrace;
            // Whoever writes the dead letter writes these: capped before
            // they become a key kept for every distinct failure.
            g.exceptionClass = capUntrusted(summary->exceptionClass);
            g.firstFrame = capUntrusted(summary->firstFrame);
            g.cause = capUntrusted(normalizeErrorCause(
                summary->message.isEmpty() ? error : QStringView(summary->message)));
            g.key = QStringLiteral("trace") + sep + g.exceptionClass + sep + g.firstFrame;
            return g;
        }
    }
    const QStringView cls = errorClass.trimmed();
    const QString cause = capUntrusted(normalizeErrorCause(error));
    if (cls.isEmpty() && cause.isEmpty()) {
        g.key = QStringLiteral("none");
        return g;
    }
    g.basis = FailureGroup::Basis::ErrorCause;
    g.exceptionClass = capUntrusted(cls);
    g.cause = cause;
    g.key = QStringLiteral("cause") + sep + g.exceptionClass + sep + g.cause;
    return g;
}

FailureGroup failureGroupOf(const DecodedEnvelope &envelope)
{
    return failureGroupOf(envelope.errorClass, envelope.error, envelope.stackTrace);
}

QString FailureGroup::label() const
{
    switch (basis) {
    case Basis::None:
        return EnvelopeText::tr("no error recorded");
    case Basis::StackTrace:
        if (firstFrame.isEmpty())
            return exceptionClass;
        return EnvelopeText::tr("%1 at %2").arg(exceptionClass, firstFrame);
    case Basis::ErrorCause:
        if (exceptionClass.isEmpty())
            return cause;
        if (cause.isEmpty())
            return exceptionClass;
        return EnvelopeText::tr("%1: %2").arg(exceptionClass, cause);
    }
    return {};
}

} // namespace idem::models
