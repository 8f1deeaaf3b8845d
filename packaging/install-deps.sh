#!/usr/bin/env bash
# Installs every build, runtime and test dependency of Idem from Debian's
# repository. Non-interactive; installs only what is missing; uses sudo when
# not run as root.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config
    qt6-base-dev qt6-base-dev-tools libqt6svg6 libgl-dev
    libqcustomplot-dev
    librdkafka-dev
    libpqxx-dev libpq-dev
    libspdlog-dev libfmt-dev
    libyaml-cpp-dev
    libsimdjson-dev
    qtkeychain-qt6-dev gnome-keyring dbus-daemon
    postgresql postgresql-client
    xvfb xauth kcat bc
    fonts-dejavu-core
    clang libclang-rt-14-dev
    dpkg-dev file fakeroot help2man desktop-file-utils appstream qt6-qpa-plugins
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo)
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    as_root=(sudo)
else
    echo "install-deps: these packages are missing: ${missing[*]}" >&2
    echo "install-deps: run this script as root, or give this user sudo rights, to install them." >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
