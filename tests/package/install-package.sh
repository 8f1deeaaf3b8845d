#!/usr/bin/env bash
# Installs the .deb with dpkg -i, runs the installed idem's demo and saves a
# screenshot from /usr/bin, then removes the package. Only as root in a
# throwaway environment (CI): it changes the system's packages, so it is
# skipped (exit 77) when not root, and when an idem package is already
# installed (it would be replaced, then removed).
#   install-package.sh BUILD_DIR
set -euo pipefail
build=$1
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: dpkg -i needs root; this test runs in CI, where the run is root in a throwaway machine"
    exit 77
fi
if dpkg-query -W -f='${Status}' idem 2>/dev/null | grep -q "install ok installed"; then
    echo "SKIP: an idem package is installed already; this test would replace and then remove it"
    exit 77
fi
scratch=$(mktemp -d)
chmod 755 "$scratch"
installed=0
cleanup() {
    if [ "$installed" = 1 ]; then dpkg -r idem >/dev/null || echo "install-package: dpkg -r idem failed" >&2; fi
    rm -rf "$scratch"
}
trap cleanup EXIT

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1 || {
    cat "$scratch/cpack.log"; exit 1; }
deb=$(ls "$scratch"/out/idem_*.deb)
installed=1
# Another dpkg (an apt run, a second test run) may hold the lock: poll for
# it with a deadline of two minutes, then fail with dpkg's message.
deadline=$((SECONDS + 120))
until dpkg -i "$deb" >"$scratch/dpkg.log" 2>&1; do
    if ! grep -q "lock" "$scratch/dpkg.log" || [ "$SECONDS" -ge "$deadline" ]; then
        cat "$scratch/dpkg.log" >&2
        echo "install-package: dpkg -i failed" >&2
        exit 1
    fi
    sleep 2
done
[ -x /usr/bin/idem ] || { echo "install-package: /usr/bin/idem missing after dpkg -i" >&2; exit 1; }
export HOME="$scratch/home" XDG_STATE_HOME="$scratch/state" XDG_CONFIG_HOME="$scratch/config" QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME"
shot="$scratch/installed.png"
/usr/bin/idem --demo --screenshot "$shot" --after 6 --log-level warn
[ -s "$shot" ] || { echo "install-package: no screenshot from the installed idem" >&2; exit 1; }
file "$shot" | grep -q "PNG image" || { echo "install-package: $shot is not a PNG" >&2; exit 1; }
echo "install-package: ok ($(file -b "$shot"))"
