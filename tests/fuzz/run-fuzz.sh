#!/usr/bin/env bash
# Builds the envelope fuzz target with clang and libFuzzer (apart from the g++
# build, which it never touches) and runs it for a bounded time.
#
#   tests/fuzz/run-fuzz.sh [SECONDS]     default 30
#
# IDEM_FUZZ_BUILD_DIR  where the binary, the grown corpus and any crash input
#                      go (default: a new temporary directory)
# CXX_FUZZ             the clang++ to use (default: clang++)
#
# The committed seeds in corpus/ are read, never written; a crash leaves its
# input as crash-* in the build directory, to be replayed with
# "$IDEM_FUZZ_BUILD_DIR/fuzz_envelope crash-...".
set -euo pipefail

seconds=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${IDEM_FUZZ_BUILD_DIR:-$(mktemp -d)}
cxx=${CXX_FUZZ:-clang++}
bin="$build/fuzz_envelope"
mkdir -p "$build/corpus"

# Qt's headers as system headers, so that -Werror judges our code only.
qt_cflags=$(pkg-config --cflags Qt6Core | sed 's/-I/-isystem /g')
qt_libs=$(pkg-config --libs Qt6Core)

# The envelope code, less its Qt item models: those need moc and are no part
# of decoding.
sources=()
for source in "$root"/models/envelope/*.cpp; do
    header="${source%.cpp}.h"
    if [ -f "$header" ] && grep -q Q_OBJECT "$header"; then
        continue
    fi
    sources+=("$source")
done
# Capping of untrusted text, which the failure grouping uses.
sources+=("$root/models/core/untrustedtext.cpp")

if [ ! -x "$bin" ] || [ -n "$(find "$here/fuzz_envelope.cpp" "$root/models/envelope" \
        "$root/models/core" -newer "$bin" -print -quit)" ]; then
    echo "building $bin with $cxx"
    start=$(date +%s)
    # shellcheck disable=SC2086 # the pkg-config flags are meant to split
    "$cxx" -std=c++20 -O1 -g -fPIC -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Wall -Wextra -Werror \
        -DQT_USE_QSTRINGBUILDER -DQT_NO_URL_CAST_FROM_STRING \
        -I"$root" $qt_cflags \
        "$here/fuzz_envelope.cpp" "${sources[@]}" \
        $qt_libs -o "$bin"
    echo "built in $(( $(date +%s) - start )) s"
fi

exec "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -dict="$here/envelope.dict" -artifact_prefix="$build/" -print_final_stats=1 -print_funcs=0 \
    "$build/corpus" "$here/corpus"
