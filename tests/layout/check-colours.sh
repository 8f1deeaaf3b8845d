#!/usr/bin/env bash
# Fails when ui/ or models/ writes a colour literal: QColor(r, g, b),
# Qt::white and its kin, or #rrggbb / rgb() in style sheets and rich text.
# Status colours come from models/core/statuscolours.h (light and dark
# shades, contrast checked by tst_statuscolours); everything else from the
# palette's roles. Comments, and models/config/ (which reads a band colour
# from the configuration and names examples in its messages), are left out.
# Usage: check-colours.sh [SOURCE_ROOT]
set -uo pipefail
root=${1:-"$(cd "$(dirname "$0")/../.." && pwd)"}
cd "$root" || exit 2
pattern='QColor\( *(0x|[0-9])|Qt::(white|black|red|green|blue|gray|grey|darkGray|lightGray|yellow|cyan|magenta|darkRed|darkGreen|darkBlue)\b|#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b[^0-9a-zA-Z_]|(^|[^.a-zA-Z_])rgba?\('
hits=$(grep -rnE "$pattern" ui models --include='*.cpp' --include='*.h' 2>/dev/null \
    | grep -v '^models/core/statuscolours\.cpp:' \
    | grep -v '^models/config/' \
    | grep -vE '^[^:]+:[0-9]+: *//' \
    | grep -v 'Qt::transparent' || true)
if [ -n "$hits" ]; then
    echo "colour literals outside models/core/statuscolours.cpp (use statusColour() or a palette role):"
    echo "$hits"
    exit 1
fi
echo "no colour literals in ui/ or models/"
