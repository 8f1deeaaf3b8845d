#pragma once

// The one place where Idem's status colours live: health lights, lag
// badges, failed trace hops, threshold lines, error texts. Each status has a
// shade for light palettes and one for dark palettes, chosen by the
// palette's window colour, so that text in that colour stays readable on
// both (tests/unit/tst_statuscolours checks the contrast ratios). Nothing in
// ui/ writes a colour literal: it asks here, or uses the palette's roles.

#include <QColor>
#include <QList>
#include <QPalette>

namespace idem::models {

enum class StatusColour {
    Ok,      // healthy, processed
    Warning, // degraded, retry scheduled, above a soft line
    Error,   // down, failed, dead-lettered, above a threshold
    Neutral, // unknown, not enough data, skipped
};

QList<StatusColour> allStatusColours();

// Whether `palette` is a dark one (its window colour is darker than its text).
bool isDarkPalette(const QPalette &palette);

// The shade of `status` for text and marks on `palette`.
QColor statusColour(StatusColour status, const QPalette &palette);
// The same on the application's palette (QGuiApplication::palette()).
QColor statusColour(StatusColour status);
// "#rrggbb" of statusColour(status), for style sheets and rich text.
QString statusColourName(StatusColour status);

// The colour of a chart's `index`th series (categorical, repeating after
// eight), in a shade that stands out from `palette`'s base colour.
QColor seriesColour(int index, const QPalette &palette);

// Black or white, whichever reads better on `background` (text on badges
// and on the environment band).
QColor readableTextOn(const QColor &background);

// WCAG 2 contrast ratio of two colours, from 1 to 21.
double contrastRatio(const QColor &a, const QColor &b);

// Idem's dark palette (--palette dark) and light palette (--palette light):
// Fusion's roles in dark or light shades.
QPalette darkPalette();
QPalette lightPalette();

} // namespace idem::models
