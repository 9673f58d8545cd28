#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/ui, marker `browser`), if it is missing.
# Idempotent and quiet; never fails the run: without a browser those tests skip and say why.
# (Never `playwright install`: it downloads its own browser build, which this environment refuses.)
set -u
[ -x /usr/bin/chromium ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser: no apt-get here; browser tests will be skipped" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
        echo "install_browser: not root and no sudo; browser tests will be skipped" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "install_browser: installing chromium (apt)…" >&2
if $SUDO apt-get update -qq >/dev/null 2>&1 &&
   $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
    echo "install_browser: $(/usr/bin/chromium --version 2>/dev/null)" >&2
else
    echo "install_browser: apt-get could not install chromium; browser tests will be skipped" >&2
fi
exit 0
