"""What the MCP tests compare the bridge with: the API's commands, from n8n's command table (the
one place a command's rules live) and the rows of docs/api.md."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from conftest import REPO

CHECK_REQUEST = REPO / "n8n-workflows" / "code" / "check-request.js"
API_DOC = REPO / "docs" / "api.md"

# Fields every write tool takes beyond its API row: docs/api.md "Idempotent writes", and search's
# min_relevance, documented under the table.
EXTRA_FIELDS = {"idempotency_key", "min_relevance"}


def command_table() -> dict[str, dict[str, object]]:
    """n8n's COMMAND_TABLE without its functions: {command: {aliases, role, required, projects, ...}}."""
    node = shutil.which("node")
    assert node, "node is not on PATH; reading n8n's command table needs Node.js 20+"
    script = (f"const t = require({json.dumps(str(CHECK_REQUEST))}).COMMAND_TABLE;"
              "process.stdout.write(JSON.stringify(t));")
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(result.stdout)


def agent_commands() -> set[str]:
    """Every command an agent uses: all but token management (commands about no project)."""
    return {name for name, spec in command_table().items() if spec["projects"] != "none"}


def documented_fields() -> dict[str, tuple[set[str], set[str]]]:
    """{command: (required, optional)} field names from docs/api.md's command table."""
    rows: dict[str, tuple[set[str], set[str]]] = {}
    for line in API_DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not re.fullmatch(r"`\w+`", cells[0]):
            continue
        rows[cells[0].strip("`")] = (_names(cells[3]), _names(cells[4]))
    return rows


def _names(cell: str) -> set[str]:
    """The backquoted field names of a cell, leaving out what parentheses say about them."""
    return set(re.findall(r"`(\w+)`", re.sub(r"\([^()]*\)", "", cell)))
