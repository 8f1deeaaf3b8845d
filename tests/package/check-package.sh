#!/usr/bin/env bash
# Builds the .deb from the build tree (cpack), checks its metadata and
# contents, unpacks it into a scratch root (dpkg -x) and runs idemctl
# --version and idem-sandbox --help from there.
#   check-package.sh BUILD_DIR VERSION
set -euo pipefail
build=$1
version=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1 || {
    cat "$scratch/cpack.log"; echo "check-package: cpack failed" >&2; exit 1; }
deb=$(ls "$scratch"/out/idem_*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

fail() { echo "check-package: $*" >&2; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
echo "Depends: $depends"
echo "Recommends: $recommends"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "version is $(dpkg-deb -f "$deb" Version), expected $version"
# Each library Idem links, as dpkg-shlibdeps found it, and the Qt platform plugins.
for dep in libqt6widgets6 libqt6gui6 libqt6core6 libqcustomplot librdkafka1 libpqxx-6.4 libpq5 \
           libspdlog1 libyaml-cpp0.7 qt6-qpa-plugins; do
    grep -q "$dep" <<<"$depends" || fail "Depends lacks $dep"
done
grep -q postgresql <<<"$recommends" || fail "Recommends lacks postgresql"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/idem ./usr/bin/idemctl ./usr/bin/idem-sandbox \
            ./usr/share/applications/io.idem.Idem.desktop \
            ./usr/share/icons/hicolor/scalable/apps/io.idem.Idem.svg \
            ./usr/share/metainfo/io.idem.Idem.metainfo.xml \
            ./usr/share/man/man1/idem.1 ./usr/share/man/man1/idemctl.1 ./usr/share/man/man1/idem-sandbox.1 \
            ./usr/share/doc/idem/idem.example.yaml \
            ./usr/share/bash-completion/completions/idemctl \
            ./usr/lib/systemd/system/idemctl-watch.service; do
    grep -qx "$path" <<<"$contents" || grep -qx "$path.gz" <<<"$contents" || fail "the package lacks $path"
done

dpkg -x "$deb" "$scratch/root"
# The programs link no private library: no LD_LIBRARY_PATH is needed.
out=$("$scratch/root/usr/bin/idemctl" --version)
[ "$out" = "idemctl $version" ] || fail "idemctl --version printed \"$out\""
help=$("$scratch/root/usr/bin/idem-sandbox" --help)
grep -q -- "--stop-with-parent" <<<"$help" || fail "idem-sandbox --help lacks --stop-with-parent: $help"
man=$(MANWIDTH=80 man -l "$scratch/root/usr/share/man/man1/idemctl.1" 2>/dev/null || zcat -f "$scratch/root/usr/share/man/man1/idemctl.1"*)
grep -q "idemctl" <<<"$man" || fail "idemctl's man page is empty"
# The recorder's unit starts the packaged idemctl with options it knows.
unit="$scratch/root/usr/lib/systemd/system/idemctl-watch.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "${exec_start%% *}" = /usr/bin/idemctl ] || fail "idemctl-watch.service starts \"$exec_start\", not /usr/bin/idemctl"
watch_help=$("$scratch/root/usr/bin/idemctl" watch --help)
for option in --config --interval; do
    grep -q -- "$option" <<<"$watch_help$("$scratch/root/usr/bin/idemctl" --help)" || fail "idemctl watch knows no $option"
done
echo "check-package: ok"
