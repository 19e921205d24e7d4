"""docs/claude-code.md keeps up with the hooks: settings, commands and the decision examples."""

from __future__ import annotations

import re
from pathlib import Path

from zikra_hooks.cli import USAGE
from zikra_hooks.config import SETTINGS
from zikra_hooks.decisions import statements, title_of

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "claude-code.md").read_text()


def test_every_hooks_setting_has_a_row_in_the_docs():
    for setting in SETTINGS:
        assert f"| `ZIKRA_{setting.name}` |" in DOC, f"ZIKRA_{setting.name} missing from docs/claude-code.md"


def test_every_command_is_documented():
    for command in re.findall(r"^  ([a-z][a-z-]+)\s", USAGE, re.M):
        assert f"zikra-hooks {command}" in DOC, f"zikra-hooks {command} missing from docs/claude-code.md"


def test_the_decision_examples_in_the_docs_are_what_the_code_does():
    table = DOC[DOC.index("| text | decision? | title |"):].split("\n\n")[0].splitlines()[2:]
    assert len(table) >= 5
    for row in table:
        text, verdict, title = (cell.strip() for cell in row.strip("|").split("|"))
        author = "user" if text.startswith("(the person) ") else "assistant"
        text = text.removeprefix("(the person) ")
        found = [s for part in text.split(" / ") for s, _ in statements(part, author)]
        if verdict == "yes":
            assert [title_of(s) for s in found] == [title], row
        else:
            assert found == [], row


def test_the_readme_and_the_hooks_readme_link_the_docs():
    assert "docs/claude-code.md" in (REPO / "README.md").read_text()
    readme = (REPO / "hooks" / "README.md").read_text()
    assert all(f"## {section}" in readme for section in ("Install", "Run", "Test"))


def test_every_hooks_setting_is_in_env_example():
    example = (REPO / ".env.example").read_text()
    for setting in SETTINGS:
        assert re.search(rf"^#? ?ZIKRA_{setting.name}=", example, re.M), f"ZIKRA_{setting.name} missing"
