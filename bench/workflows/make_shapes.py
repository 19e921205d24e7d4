"""Cut-down copies of the Zikra API workflow, for bench/workflow_shapes.py.

Each shape adds one node of the real search path to the one before, so the bench shows what
that node costs; every node is copied from n8n-workflows/zikraApiRouter01.json (same type,
version and parameters), and the worker call gets the search body straight from the request.

    .venv/bin/python bench/workflows/make_shapes.py /tmp/shapes
    .venv/bin/python bench/workflow_shapes.py --shape /tmp/shapes/shape-http.json ...

Shapes: ``shape-http`` (Webhook -> Worker: call -> Respond), ``shape-code-http`` (+ a Code node
returning a constant), ``shape-verify-http`` (+ Verify token), ``shape-http-switch`` (+ Worker
answered?).
"""

from __future__ import annotations

import copy
import json
import sys
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
WEBHOOK = "$('Webhook').first().json.body"
SEARCH_BODY = ("={{ JSON.stringify(Object.fromEntries([['query', " + WEBHOOK + ".query], ['projects', ["
               + WEBHOOK + ".project]], ['limit', 5]])) }}")


def shapes(real: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Shape name -> its node chain after the Webhook (each runs into the next)."""
    nodes = {n["name"]: n for n in real["nodes"]}

    def node(name: str, **parameters: Any) -> dict[str, Any]:
        copied = copy.deepcopy(nodes[name])
        copied["id"] = str(uuid.uuid4())
        copied["parameters"].update(parameters)
        return copied

    def call() -> dict[str, Any]:
        return node("Worker: call", url="={{ $env.ZIKRA_WORKER_URL }}/search", jsonBody=SEARCH_BODY)

    def respond() -> dict[str, Any]:
        return node("Respond", responseBody="={{ JSON.stringify($json.body) }}")

    constant = node("Check request", jsCode="return [{ json: { ok: true } }];")
    return {
        "shape-http": [call(), respond()],
        "shape-code-http": [constant, call(), respond()],
        "shape-verify-http": [node("Verify token"), call(), respond()],
        "shape-http-switch": [call(), node("Worker answered?"), respond()],
    }


def workflow(name: str, chain: list[dict[str, Any]], real: dict[str, Any]) -> dict[str, Any]:
    """A workflow: a Webhook on path ``name`` and the chain, each node into the next."""
    webhook = copy.deepcopy(next(n for n in real["nodes"] if n["type"] == "n8n-nodes-base.webhook"))
    webhook["parameters"]["path"] = name
    webhook["webhookId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    nodes = [webhook, *chain]
    connections: dict[str, Any] = {}
    for source, target in zip(nodes, nodes[1:]):
        link = [{"node": target["name"], "type": "main", "index": 0}]
        if source["name"] == "Worker answered?":  # its last output is "answered"
            outputs = len(source["parameters"]["rules"]["values"]) + 1
            connections[source["name"]] = {"main": [[] for _ in range(outputs - 1)] + [link]}
        else:
            connections[source["name"]] = {"main": [link]}
    for index, node in enumerate(nodes):
        node["position"] = [220 * index, 0]
    workflow_id = ("shape" + name.replace("shape-", "").replace("-", "") + "0" * 16)[:16]
    return {"id": workflow_id, "name": f"bench: {name}", "active": False, "nodes": nodes,
            "connections": connections, "settings": real["settings"], "pinData": {}, "tags": []}


def main() -> None:
    """Write every shape into the folder given as the only argument."""
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    real = json.loads((REPO / "n8n-workflows" / "zikraApiRouter01.json").read_text())
    for name, chain in shapes(real).items():
        (out / f"{name}.json").write_text(json.dumps(workflow(name, chain, real), indent=2) + "\n")
        print(out / f"{name}.json")


if __name__ == "__main__":
    main()
