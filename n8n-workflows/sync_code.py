"""Keep Code-node JavaScript in .js files and the workflow JSON in step.

Mapping (one file per Code node, STYLE.md's ``code/<node-name>.js``):

    n8n-workflows/<any>.json, Code node named "Check request"  <->  n8n-workflows/code/check-request.js

The file name is the node name lower-cased, every run of other characters than a-z and
0-9 made one "-", trimmed of "-"; so Code-node names must be unique across all workflows
of the folder. The .js file holds exactly the node's ``parameters.jsCode``.

    python n8n-workflows/sync_code.py            # .js -> JSON (the .js files are the source)
    python n8n-workflows/sync_code.py --check    # exit 1, listing every node out of step
    python n8n-workflows/sync_code.py --extract  # JSON -> .js (after editing in n8n's editor)

JSON is written as ``json.dumps(obj, indent=2) + "\\n"`` and only when it changes. It is
an error when a Code node has no .js, when a .js has no node, or when two Code nodes
(in any workflows) give the same file name. Stdlib only (and Node, to read the command table).

Code shared by several nodes lives once, in ``code/shared/<name>.js``; a node's .js holds a copy
between ``// >>> shared: <name>.js ...`` and ``// <<< shared: <name>.js`` lines, which a sync
rewrites from the shared file first, and ``--check`` fails when a copy differs.

The "Route command" Switch of the API workflow is written from the same source: one output
per worker route of ``COMMAND_TABLE`` in code/check-request.js (its ``ROUTES``, in table
order), after the "rejected" output, each wired to its branch's first node. A rule keeps its
id; a new route's rule gets an id derived from its name. ``--check`` fails when they differ.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODE_NODE_TYPE = "n8n-nodes-base.code"
ROUTER_NODE = "Route command"
ROUTER_TABLE = "check-request.js"
REJECTED_OUTPUT = "rejected"
RULE_IDS = uuid.UUID("1f48f3f4-265b-53c1-bde8-b18be8cc428c")  # the Switch node's own id


@dataclass
class CodeNode:
    """One Code node of one workflow file, with the .js file that mirrors it."""

    workflow_file: Path
    node: dict
    js_file: Path

    @property
    def label(self) -> str:
        """``file.json: "Node name" <-> code/slug.js`` for messages."""
        return f'{self.workflow_file.name}: "{self.node["name"]}" <-> code/{self.js_file.name}'


def slug(name: str) -> str:
    """A node name as a file name: ``"Check Auth (v2)"`` -> ``"check-auth-v2"``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "node"


def dump(workflow: dict) -> str:
    """The one JSON layout of the repository."""
    return json.dumps(workflow, indent=2) + "\n"


def code_nodes(workflow_file: Path, workflow: dict) -> list[CodeNode]:
    """The Code nodes (those with ``jsCode``) of one workflow."""
    folder = workflow_file.parent / "code"
    return [CodeNode(workflow_file, node, folder / f"{slug(node['name'])}.js")
            for node in workflow.get("nodes", [])
            if node.get("type") == CODE_NODE_TYPE and "jsCode" in node.get("parameters", {})]


def clashes(nodes: list[CodeNode]) -> list[str]:
    """Two Code nodes that map to the same .js file."""
    problems, seen = [], {}
    for item in nodes:
        if item.js_file in seen:
            problems.append(f"{seen[item.js_file].label} and {item.label}: same .js file; rename one node")
        seen.setdefault(item.js_file, item)
    return problems


def orphans(workflow_dir: Path, mapped: set[Path]) -> list[str]:
    """.js files under ``code/`` that no Code node maps to."""
    return [f"code/{path.name}: no Code node maps to this file"
            for path in sorted((workflow_dir / "code").glob("*.js")) if path not in mapped]


SHARED_DIR = "shared"
_SHARED_BLOCK = re.compile(r"(// >>> shared: (?P<name>[\w.-]+\.js)[^\n]*\n)(?P<body>.*?)(// <<< shared: (?P=name)\n)", re.S)


def sync_shared(workflow_dir: Path, mode: str) -> list[str]:
    """Rewrite (or, for "check", compare) every shared block of the code/*.js files."""
    problems = []
    for js_file in sorted((workflow_dir / "code").glob("*.js")):
        text = js_file.read_text(encoding="utf-8")

        def copy_of(match: re.Match) -> str:
            source = workflow_dir / "code" / SHARED_DIR / match["name"]
            if not source.exists():
                problems.append(f"code/{js_file.name}: shared block {match['name']} has no code/{SHARED_DIR}/ file")
                return match[0]
            return match[1] + source.read_text(encoding="utf-8") + match[4]

        wanted = _SHARED_BLOCK.sub(copy_of, text)
        if wanted != text:
            if mode == "check":
                problems.append(f"code/{js_file.name}: a shared block differs from code/{SHARED_DIR}/ (run sync_code.py)")
            elif mode == "sync":
                js_file.write_text(wanted, encoding="utf-8")
    return problems


def table_routes(js_file: Path) -> list[dict]:
    """``ROUTES`` of the command table: ``[{"route", "branch"}]`` in table order.

    Raises:
        RuntimeError: Node is missing or the file does not load.
    """
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH: it reads the command table")
    script = "const {ROUTES} = require(process.argv[1]); process.stdout.write(JSON.stringify(ROUTES));"
    result = subprocess.run([node, "-e", script, str(js_file)], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"{js_file.name} does not load: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout)


def routed(workflow: dict, routes: list[dict]) -> tuple[list[dict], list[list[dict]]]:
    """The Switch rules and the Switch's connections that ``routes`` call for."""
    (switch,) = [n for n in workflow["nodes"] if n["name"] == ROUTER_NODE]
    rules = {rule["outputKey"]: rule for rule in switch["parameters"]["rules"]["values"]}
    rejected, template = rules[REJECTED_OUTPUT], next(r for key, r in rules.items() if key != REJECTED_OUTPUT)
    wanted, wires = [rejected], [workflow["connections"][ROUTER_NODE]["main"][0]]
    for item in routes:
        rule = rules.get(item["route"])
        if rule is None:
            rule = copy.deepcopy(template)
            rule["outputKey"] = item["route"]
            rule["conditions"]["conditions"][0].update(
                id=str(uuid.uuid5(RULE_IDS, item["route"])), rightValue=item["route"])
        wanted.append(rule)
        wires.append([{"node": item["branch"], "type": "main", "index": 0}])
    return wanted, wires


def sync_routes(workflow_file: Path, workflow: dict, mode: str) -> list[str]:
    """Write (or, for "check", compare) the router Switch from the command table."""
    if mode == "extract" or not any(n["name"] == ROUTER_NODE for n in workflow.get("nodes", [])):
        return []
    try:
        rules, wires = routed(workflow, table_routes(workflow_file.parent / "code" / ROUTER_TABLE))
    except (RuntimeError, KeyError, ValueError, StopIteration) as exc:
        return [f'{workflow_file.name}: "{ROUTER_NODE}" cannot be checked against the command table ({exc})']
    (switch,) = [n for n in workflow["nodes"] if n["name"] == ROUTER_NODE]
    current = (switch["parameters"]["rules"]["values"], workflow["connections"][ROUTER_NODE]["main"])
    if current == (rules, wires):
        return []
    if mode == "check":
        return [f'{workflow_file.name}: "{ROUTER_NODE}" rules differ from the command table\'s routes '
                f"(run sync_code.py)"]
    switch["parameters"]["rules"]["values"] = rules
    workflow["connections"][ROUTER_NODE]["main"] = wires
    return []


def sync_workflow(workflow_file: Path, mode: str) -> tuple[list[CodeNode], list[str]]:
    """Bring one workflow in step (mode "sync", "extract" or "check").

    Returns its Code nodes and the problems found (for "check": every difference).
    """
    text = workflow_file.read_text(encoding="utf-8")
    workflow = json.loads(text)
    nodes, problems = code_nodes(workflow_file, workflow), []
    for item in nodes:
        params = item.node["parameters"]
        if mode == "extract":
            if not item.js_file.exists() or item.js_file.read_text(encoding="utf-8") != params["jsCode"]:
                item.js_file.parent.mkdir(parents=True, exist_ok=True)
                item.js_file.write_text(params["jsCode"], encoding="utf-8")
        elif not item.js_file.exists():
            problems.append(f"{item.label}: the .js file is missing (run with --extract to create it)")
        elif item.js_file.read_text(encoding="utf-8") != params["jsCode"]:
            if mode == "check":
                problems.append(f"{item.label}: jsCode differs from the .js file")
            else:
                params["jsCode"] = item.js_file.read_text(encoding="utf-8")
    problems += sync_routes(workflow_file, workflow, mode)
    if mode == "check" and text != dump(workflow):
        problems.append(f"{workflow_file.name}: not in json.dumps(indent=2) layout")
    elif mode == "sync" and text != dump(workflow):
        workflow_file.write_text(dump(workflow), encoding="utf-8")
    return nodes, problems


def run(workflow_dir: Path, mode: str) -> list[str]:
    """Sync, extract or check every ``*.json`` workflow of a folder; return the problems."""
    problems, nodes = sync_shared(workflow_dir, mode), []
    for workflow_file in sorted(workflow_dir.glob("*.json")):
        try:
            found_nodes, found = sync_workflow(workflow_file, mode)
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            problems.append(f"{workflow_file.name}: not a readable workflow ({exc})")
            continue
        problems += found
        nodes += found_nodes
    return problems + clashes(nodes) + orphans(workflow_dir, {item.js_file for item in nodes})


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (1 when anything is out of step)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=HERE, help="workflow folder (default: this script's)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="change nothing; exit 1 if out of step")
    group.add_argument("--extract", action="store_true", help="write the .js files from the JSON")
    args = parser.parse_args(argv)
    mode = "check" if args.check else "extract" if args.extract else "sync"
    problems = run(args.dir, mode)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
