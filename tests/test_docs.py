"""The docs keep up with the code: every setting and every API command is documented."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from zikra_worker.config import SETTINGS

REPO = Path(__file__).resolve().parents[1]


def test_every_worker_setting_is_in_the_readme_and_env_example():
    readme = (REPO / "README.md").read_text()
    example = (REPO / ".env.example").read_text()
    for setting in SETTINGS:
        name = "ZIKRA_" + setting.name
        assert f"`{name}`" in readme, f"{name} missing from README's configuration table"
        assert re.search(rf"^#? ?{name}=", example, re.M), f"{name} missing from .env.example"


def test_every_api_command_and_alias_has_a_row_in_the_api_docs():
    script = ("const {COMMANDS} = require(process.argv[1]); console.log(JSON.stringify(COMMANDS));")
    commands = json.loads(subprocess.run(["node", "-e", script, str(REPO / "n8n-workflows/code/check-request.js")],
                                         capture_output=True, text=True, check=True, timeout=30).stdout)
    rows = {line.split("|")[1].strip().strip("`"): line for line in (REPO / "docs/api.md").read_text().splitlines()
            if line.startswith("| `")}
    for command, aliases in commands.items():
        assert command in rows, f"{command} has no row in docs/api.md"
        for alias in aliases:
            assert alias in rows[command], f"alias {alias} of {command} missing from docs/api.md"
