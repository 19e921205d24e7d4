"""The n8n Code nodes: their JavaScript unit tests pass, and the workflow JSON embeds exactly the .js files."""

from __future__ import annotations

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
