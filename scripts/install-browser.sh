#!/usr/bin/env bash
# Install Debian's Chromium for the memory browser's tests (tests/test_ui_browser.py drive it
# headless with Playwright at /usr/bin/chromium; Playwright's own browser download is never used).
# Idempotent and quick: nothing happens when /usr/bin/chromium exists. Installing needs root
# (apt-get); without it the script says what to run and fails.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

step() { printf '[install-browser] %s\n' "$*"; }
die() { printf '[install-browser] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
[ "$(id -u)" = 0 ] || die "$CHROMIUM is missing; run as root: apt-get update && apt-get install -y chromium"
command -v apt-get >/dev/null || die "$CHROMIUM is missing and there is no apt-get: install Chromium by hand"
step "installing Debian's chromium (once)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || die "apt-get installed chromium but $CHROMIUM is not there"
step "installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
