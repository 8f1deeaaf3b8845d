#!/usr/bin/env bash
# Fails when a layer includes a layer above it (DESIGN.md §3):
#   models/      Qt Core/Gui and models/ only
#   ui/          models/ and ui/, Qt Widgets, QCustomPlot; never connectors/
#   connectors/  models/ and connectors/; never ui/
#   the console's connectors never include the sandbox world (idem_sandbox:
#   connectors/sandbox/, MockKafka, LocalPostgres), which writes to stores
# and nothing but app/ and tests/ includes app/.
# Usage: check-layering.sh [SOURCE_ROOT]   (default: the repository)
set -uo pipefail
root=${1:-"$(cd "$(dirname "$0")/../.." && pwd)"}
cd "$root" || exit 2

sandbox_files='^connectors/(sandbox/|kafka/mockkafka\.|postgres/localpostgres\.)'
sandbox_includes='"connectors/(sandbox/|kafka/mockkafka\.h|postgres/localpostgres\.h)'
failures=0

check() { # folder, forbidden include pattern (ERE), why
    local folder=$1 pattern=$2 why=$3 hits
    [ -d "$folder" ] || return 0
    hits=$(grep -rnE --include='*.h' --include='*.cpp' "^[[:space:]]*#[[:space:]]*include[[:space:]]*$pattern" "$folder" || true)
    if [ -n "$hits" ]; then
        echo "layering: $why:"
        echo "$hits" | sed 's/^/  /'
        failures=$((failures + 1))
    fi
}

check models '"(connectors|ui|app)/' "models/ includes a layer above it"
check models '<(librdkafka|pqxx|libpq-fe|spdlog|yaml-cpp|qcustomplot|QtWidgets|QWidget)' "models/ includes an I/O or widget library"
check ui '"(connectors|app)/' "ui/ includes connectors/ or app/ (ui knows models/ only)"
check ui '<(librdkafka|pqxx|libpq-fe|yaml-cpp)' "ui/ includes an I/O library"
check connectors '"(ui|app)/' "connectors/ includes ui/ or app/"

# The console's connectors library must not reach the sandbox world.
if [ -d connectors ]; then
    hits=$(grep -rnE --include='*.h' --include='*.cpp' "^[[:space:]]*#[[:space:]]*include[[:space:]]*$sandbox_includes" connectors \
        | grep -vE "$sandbox_files" || true)
    if [ -n "$hits" ]; then
        echo "layering: idem_connectors includes the sandbox world (idem_sandbox):"
        echo "$hits" | sed 's/^/  /'
        failures=$((failures + 1))
    fi
fi

if [ "$failures" -ne 0 ]; then
    echo "layering: $failures rule(s) broken"
    exit 1
fi
echo "layering: models, ui and connectors include only their own and lower layers"
