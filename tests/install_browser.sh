#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing and we are allowed to.
# Anywhere else it says how to get a browser; the browser tests then skip with the same message.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests (about two minutes, once)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit 0
fi
echo "No chromium found. The browser tests will be skipped."
echo "To run them, install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set"
echo "LIFECYCLE_CHROMIUM=/path/to/chrome."
