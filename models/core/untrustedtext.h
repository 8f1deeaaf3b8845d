#pragma once

// Text that arrives from outside (a dead letter's error, class, stack frame,
// event id or consumer group: anyone who can write to a topic writes it) is
// shown through these, in one place:
// - capped, so one message cannot grow what Idem keeps or paints;
// - in the console as plain text, never as HTML (labels use Qt::PlainText,
//   tooltips go through plainTextToolTip);
// - on a terminal with its control characters written as visible escapes, so
//   it cannot move the cursor, recolour, retitle or reorder what follows.

#include <QString>
#include <QStringView>

namespace idem::models {

// Longest exception class, first frame, cause or event id kept from a dead letter.
inline constexpr qsizetype kMaxUntrustedField = 256;

// `text` cut to at most `maxChars` characters plus "…" when it was longer
// (never splitting a surrogate pair).
QString capUntrusted(QStringView text, qsizetype maxChars = kMaxUntrustedField);

// `text` for a terminal: C0 controls (tab and newline too), DEL, C1 controls
// and the bidirectional formatting characters (U+061C, U+200E, U+200F,
// U+202A–U+202E, U+2066–U+2069) and line/paragraph separators written as
// \t, \n, \r, \xHH or \uHHHH; everything else unchanged.
QString escapeForTerminal(QStringView text);

// Whether escapeForTerminal would change `c`.
bool isTerminalControl(char32_t c);

// A tooltip that shows `text` literally: HTML-escaped and wrapped so Qt
// takes it as rich text and shows the escapes as the characters they stand
// for. Empty text stays empty (no tooltip).
QString plainTextToolTip(const QString &text);

} // namespace idem::models
