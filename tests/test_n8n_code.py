"""The n8n Code nodes: their JavaScript unit tests pass, and the workflow JSON embeds exactly the .js files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / "n8n-workflows"


def run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in the repository, capturing its output, killed after ``timeout`` seconds."""
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)


def test_the_code_node_unit_tests_pass_under_node_test() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH; the Code-node tests need Node.js 20+")
    result = run([node, "--test", "n8n-workflows/tests/"], timeout=120)
    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"


def test_the_workflow_json_embeds_exactly_the_code_node_js_files() -> None:
    result = run([sys.executable, str(WORKFLOWS / "sync_code.py"), "--check"], timeout=60)
    assert result.returncode == 0, f"sync_code.py --check failed:\n{result.stdout}\n{result.stderr}"


def test_the_route_switch_is_written_from_the_command_table_and_a_stale_one_fails_the_check(tmp_path) -> None:
    folder = tmp_path / "n8n-workflows"
    shutil.copytree(WORKFLOWS, folder, ignore=shutil.ignore_patterns("tests", "*.py"))
    router = folder / "zikraApiRouter01.json"
    workflow = json.loads(router.read_text())
    (switch,) = [n for n in workflow["nodes"] if n["name"] == "Route command"]
    switch["parameters"]["rules"]["values"].pop()  # a route the table has, missing from the Switch
    workflow["connections"]["Route command"]["main"].pop()
    router.write_text(json.dumps(workflow, indent=2) + "\n")
    sync = [sys.executable, str(WORKFLOWS / "sync_code.py"), "--dir", str(folder)]
    stale = run([*sync, "--check"], timeout=60)
    assert stale.returncode == 1 and '"Route command" rules differ from the command table' in stale.stderr
    assert run(sync, timeout=60).returncode == 0 and run([*sync, "--check"], timeout=60).returncode == 0

    def routing(path):
        flow = json.loads(path.read_text())
        (node,) = [n for n in flow["nodes"] if n["name"] == "Route command"]
        return ([(r["outputKey"], r["conditions"]["conditions"][0]["rightValue"]) for r in node["parameters"]["rules"]["values"]],
                flow["connections"]["Route command"])

    assert routing(router) == routing(WORKFLOWS / "zikraApiRouter01.json")  # the rule back, with an id of its own


def test_a_shared_block_lives_in_code_shared_and_an_edited_copy_fails_the_check(tmp_path) -> None:
    folder = tmp_path / "n8n-workflows"
    shutil.copytree(WORKFLOWS, folder, ignore=shutil.ignore_patterns("tests", "*.py"))
    copies = [p for p in (folder / "code").glob("*.js") if "// >>> shared: token-check.js" in p.read_text()]
    assert {p.name for p in copies} == {"check-request.js", "admin-only.js"}
    edited = folder / "code" / "admin-only.js"
    original = edited.read_text()
    edited.write_text(original.replace("is unknown or revoked", "is not known"))
    sync = [sys.executable, str(WORKFLOWS / "sync_code.py"), "--dir", str(folder)]
    stale = run([*sync, "--check"], timeout=60)
    assert stale.returncode == 1 and "code/admin-only.js: a shared block differs" in stale.stderr
    assert run(sync, timeout=60).returncode == 0 and edited.read_text() == original
