#!/usr/bin/env bash
# Benchmark of the sandbox world: time to READY, sustained events per second
# and resident memory over a run. Prints figures; gates nothing.
#   tests/bench/sandbox_bench.sh [BUILD_DIR] [SECONDS] [RATE]
set -euo pipefail
build=${1:-build}
seconds=${2:-120}
rate=${3:-50}
sandbox="$build/app/idem-sandbox"
out=$(mktemp)
start=$(date +%s.%N)
"$sandbox" --rate "$rate" --log-level error >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
until grep -q '^READY ' "$out"; do
    kill -0 $pid 2>/dev/null || { echo "idem-sandbox exited before READY" >&2; exit 1; }
    sleep 0.05
done
ready=$(date +%s.%N)
printf 'time to READY: %.2f s\n' "$(echo "$ready - $start" | bc)"
rss() { awk '/VmRSS/ {print $2}' /proc/$pid/status; }
pgrss() { ps -o rss= --ppid $pid | awk '{s+=$1} END {print s+0}'; }
first=""
for ((t = 10; t <= seconds; t += 10)); do
    sleep 10
    r=$(rss)
    [ -z "$first" ] && first=$r && first_t=$t
    printf 't=%4d s  idem-sandbox RSS %6d KiB  postmaster RSS %6d KiB\n' "$t" "$r" "$(pgrss)"
done
last=$r
kill -TERM $pid
wait $pid || true
summary=$(tail -n 1 "$out")
echo "summary: $summary"
produced=$(echo "$summary" | sed -E 's/.*"produced":([0-9]+).*/\1/')
elapsed=$(echo "$(date +%s.%N) - $ready" | bc)
printf 'sustained: %.1f events/s produced over %.0f s (asked for %s/s, with a 3x burst 15 s every 5 min)\n' \
    "$(echo "$produced / $elapsed" | bc -l)" "$elapsed" "$rate"
printf 'RSS growth: %d KiB from t=%d s to t=%d s, about %.1f MiB per hour\n' "$((last - first))" "$first_t" "$seconds" \
    "$(echo "($last - $first) / ($seconds - $first_t) * 3600 / 1024" | bc -l)"
