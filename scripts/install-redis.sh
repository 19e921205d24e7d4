#!/usr/bin/env bash
# Install Debian's redis-server for n8n's queue mode (ZIKRA_N8N_WORKERS > 0; docs/operations.md).
# Idempotent: nothing happens when redis-server is on PATH. Installing needs root (apt-get).
# The package's own service is not used: `zikra up` runs redis-server under supervisord.
set -euo pipefail

step() { printf '[install-redis] %s\n' "$*"; }
die() { printf '[install-redis] ERROR: %s\n' "$*" >&2; exit 1; }

if command -v redis-server >/dev/null; then
    step "redis-server already installed: $(redis-server --version | cut -d' ' -f3)"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "redis-server is missing; run as root: apt-get update && apt-get install -y redis-server"
command -v apt-get >/dev/null || die "redis-server is missing and there is no apt-get: install Redis 6 or newer by hand"
step "installing Debian's redis-server"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq redis-server >/dev/null
command -v redis-server >/dev/null || die "apt-get installed redis-server but it is not on PATH"
step "installed $(redis-server --version | cut -d' ' -f3)"
