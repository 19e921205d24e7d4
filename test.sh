#!/usr/bin/env bash
# Run the test suite (the default, quick selection; add -m "load or fuzz" for the long runs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
# The memory browser's tests drive Debian's Chromium (a no-op when it is installed).
bash "$ROOT/scripts/install-browser.sh"
bash "$ROOT/scripts/install-claude-code.sh"  # pinned Claude Code for the recall test (a no-op when installed)
# Pinned Gemini CLI and Codex: the docs test runs docs/mcp.md's snippets with them (a no-op when installed).
bash "$ROOT/scripts/install-agent-clients.sh"
# The queue-mode tests run Debian's redis-server (a no-op when it is installed).
bash "$ROOT/scripts/install-redis.sh"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
