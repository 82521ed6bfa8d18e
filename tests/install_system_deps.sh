#!/usr/bin/env bash
# Installs the two system programs the tests need, when missing and we are allowed to (root with
# apt-get): Debian's chromium for the browser tests and Debian's bubblewrap, the sandbox
# `lifecycle grade` confines each submission in. Anywhere else it says how to get them; the tests
# that need them then skip with the same advice (and the grader warns, or refuses with
# sandbox="require").
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${LIFECYCLE_CHROMIUM:-}" ] || missing+=(chromium)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's ${missing[*]} for the tests (chromium takes about two minutes, once)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    exit 0
fi
for pkg in "${missing[@]}"; do
    case "$pkg" in
    chromium)
        echo "No chromium found: the browser tests will be skipped. Install Chromium (Debian/Ubuntu:"
        echo "sudo apt-get install chromium) or set LIFECYCLE_CHROMIUM=/path/to/chrome." ;;
    bubblewrap)
        echo "No bubblewrap (bwrap) found: 'lifecycle grade' will run submissions unconfined and the"
        echo "sandbox tests will be skipped. Install it (Debian/Ubuntu: sudo apt-get install bubblewrap;"
        echo "Fedora: sudo dnf install bubblewrap)." ;;
    esac
done
