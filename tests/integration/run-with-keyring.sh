#!/bin/sh
# Runs a test inside a private D-Bus session with an unlocked GNOME Keyring in
# a throwaway home, so the OS keychain (the Secret Service) answers headless.
# Without dbus-run-session or gnome-keyring-daemon the test runs as it is and
# checks the no-service path instead (it is told through IDEM_TEST_KEYCHAIN).
set -u
if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
    IDEM_TEST_KEYCHAIN=none exec "$@"
fi
home=$(mktemp -d)
HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" IDEM_TEST_KEYCHAIN=service \
    dbus-run-session -- sh -c 'printf %s idem-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' sh "$@"
status=$?
rm -rf "$home"
exit $status
