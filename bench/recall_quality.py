"""Injection quality of prompt recall: a replay of prompts through the real hook, with and without
an answer in memory.

Loads the labelled evaluation corpus (bench/evalset/corpus.jsonl, 2,400 memories over 8
projects) through the real worker, starts n8n, then runs ``python -m zikra_hooks prompt-recall``
for each prompt, as Claude Code would, in sessions of up to ``SESSION_PROMPTS`` prompts of one
project:

- related: evaluation queries that have an answer in their project (kinds paraphrase,
  identifier, multi_fact), ``--related`` of them;
- unrelated: prompts a coding agent's user types that no memory answers (chores on the open
  file, other topics), ``--unrelated`` of them, from ``UNRELATED_*`` below.

Reports, per kind, the share of related prompts whose injection holds a right memory, holds only
wrong ones, or is empty; the share of unrelated prompts that get nothing (target >= 95 %); and
the tokens injected per session (cl100k). Each request gets the longest limit (1.5 s): this
measures what passes the bar, not the time (bench/recall_hooks.py does that).

    .venv/bin/python bench/recall_quality.py --related 100 --unrelated 100 --bars 0.3,0.4,0.5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webhook_search as wsearch  # noqa: E402
import worker_search as ws  # noqa: E402

from zikra_ops import n8n, postgres  # noqa: E402
from zikra_worker import budget  # noqa: E402

EVALSET = Path(__file__).resolve().parent / "evalset"
SESSION_PROMPTS = 10
RELATED_KINDS = ("paraphrase", "identifier", "multi_fact")
UNRELATED_CHORES = ["rename this variable to something clearer", "write a unit test for the function above",
                    "explain what this regular expression does", "fix the typo in the README heading",
                    "can you make this function shorter?", "add type hints to this module",
                    "why does this loop never terminate?", "format this file with black",
                    "convert this callback code to async/await", "what does this error message mean?",
                    "sort these imports alphabetically", "split this long function into two",
                    "add a docstring to the class", "remove the unused variables here",
                    "make the log message more helpful", "turn this list comprehension into a loop"]
UNRELATED_TOPICS = ["write a haiku about autumn leaves", "what is the boiling point of water on a mountain",
                    "translate good morning into italian", "how many moons does jupiter have",
                    "suggest a name for my cat", "what is a good recipe for banana bread",
                    "summarise the plot of hamlet", "explain how a rainbow forms",
                    "who painted the mona lisa", "give me a packing list for a weekend hike",
                    "how do I tie a bowline knot", "what time zone is new zealand in"]
UNRELATED_TAILS = ["", " please", " quickly", " in two sentences", " for a beginner", " with an example"]


def unrelated_prompts(count: int, seed: int = 5) -> list[str]:
    """``count`` distinct prompts that no memory of the corpus answers."""
    rng = random.Random(seed)
    pool = sorted({base + tail for base in UNRELATED_CHORES + UNRELATED_TOPICS for tail in UNRELATED_TAILS})
    return rng.sample(pool, min(count, len(pool)))


def load_corpus(worker_url: str) -> dict[str, str]:
    """Save the evaluation corpus through the worker; corpus id -> saved id."""
    session, ids = requests.Session(), {}
    for line in (EVALSET / "corpus.jsonl").read_text().splitlines():
        memory = json.loads(line)
        body = {k: memory[k] for k in ("project", "title", "content_md", "memory_type", "tags")}
        answer = session.post(worker_url + "/save_memory", json=body, timeout=60,
                              headers={"X-Zikra-Worker-Secret": ws.SECRET})
        answer.raise_for_status()
        ids[memory["id"]] = answer.json()["id"]
    return ids


def prompts(args: argparse.Namespace, ids: dict[str, str]) -> list[dict[str, Any]]:
    """The replay: related and unrelated prompts, each with its project and right answers."""
    rng = random.Random(17)
    queries = [json.loads(line) for line in (EVALSET / "queries.jsonl").read_text().splitlines()]
    related = [q for q in queries if q["kind"] in RELATED_KINDS and q["relevant"] and len(q["projects"]) == 1]
    chosen = rng.sample(related, min(args.related, len(related)))
    projects = sorted({q["projects"][0] for q in queries})
    replay = [{"prompt": q["query"], "project": q["projects"][0], "kind": q["kind"],
               "right": {ids[i] for i in q["relevant"] if i in ids}} for q in chosen]
    replay += [{"prompt": text, "project": projects[i % len(projects)], "kind": "unrelated", "right": set()}
               for i, text in enumerate(unrelated_prompts(args.unrelated))]
    rng.shuffle(replay)
    return replay


def run_hook(prompt: dict[str, Any], session: str, env: dict[str, str]) -> str:
    """The context the hook injects for one prompt ('' for none)."""
    stdin = {"session_id": session, "hook_event_name": "UserPromptSubmit", "prompt": prompt["prompt"], "cwd": "/"}
    result = subprocess.run([sys.executable, "-m", "zikra_hooks", "prompt-recall"], input=json.dumps(stdin),
                            capture_output=True, text=True, env={**env, "ZIKRA_PROJECT": prompt["project"]},
                            timeout=30)
    return json.loads(result.stdout)["hookSpecificOutput"]["additionalContext"] if result.stdout.strip() else ""


def replay(items: list[dict[str, Any]], env: dict[str, str]) -> tuple[Counter, list[int]]:
    """Run every prompt in sessions of one project; outcome counts per kind, tokens per session."""
    outcomes: Counter = Counter()
    by_project: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_project[item["project"]].append(item)
    tokens_per_session = []
    for project_items in by_project.values():
        for start in range(0, len(project_items), SESSION_PROMPTS):
            session, used = str(uuid.uuid4()), 0
            for item in project_items[start:start + SESSION_PROMPTS]:
                text = run_hook(item, session, env)
                used += budget.count(text)
                injected = set(re.findall(r"\(id ([0-9a-f-]{36})\)", text))
                if item["kind"] == "unrelated":
                    outcomes["unrelated", "nothing" if not injected else "something"] += 1
                else:
                    outcomes[item["kind"], "right" if injected & item["right"] else
                             "wrong only" if injected else "nothing"] += 1
            tokens_per_session.append(used)
    return outcomes, tokens_per_session


def report(outcomes: Counter, tokens: list[int]) -> None:
    """Print the table for docs/claude-code.md."""
    kinds = sorted({kind for kind, _ in outcomes})
    print("| prompts | n | right memory injected | only wrong ones | nothing |")
    print("|---|---|---|---|---|")
    for kind in kinds:
        n = sum(v for (k, _), v in outcomes.items() if k == kind)
        if kind == "unrelated":
            print(f"| unrelated | {n} | | {outcomes[kind, 'something'] / n:.0%} (something) | "
                  f"{outcomes[kind, 'nothing'] / n:.0%} |")
        else:
            print(f"| {kind} | {n} | {outcomes[kind, 'right'] / n:.0%} | {outcomes[kind, 'wrong only'] / n:.0%} | "
                  f"{outcomes[kind, 'nothing'] / n:.0%} |")
    print(f"tokens injected per session of up to {SESSION_PROMPTS} prompts: median {statistics.median(tokens):.0f}, "
          f"max {max(tokens)}, sessions {len(tokens)}")


def main() -> None:
    """Parse arguments, run everything in a scratch folder, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--related", type=int, default=100)
    parser.add_argument("--unrelated", type=int, default=100)
    parser.add_argument("--bars", default="", help="comma-separated min_relevance values to replay with, "
                                                     "one table each (default: the hooks' own)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="zikra-bench-"))
    home.chmod(0o755)
    cluster = postgres.cluster(home, ws.free_port())
    postgres.init(cluster)
    postgres.start(cluster)
    postgres.ensure_database(cluster, "zikra")
    worker = proc = None
    try:
        port = ws.free_port()
        worker = ws.start_worker(cluster.url(), port, home / "worker.log")
        worker_url = f"http://127.0.0.1:{port}"
        ids = load_corpus(worker_url)
        proc, n8n_url = wsearch.start_n8n(cluster, worker_url, home)
        token = wsearch.reader_token(requests.Session(), worker_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZIKRA_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(HOME=str(home), ZIKRA_HOOKS_HOME=str(home / ".zikra"), ZIKRA_URL=n8n_url, ZIKRA_TOKEN=token,
                   ZIKRA_RECALL_TIMEOUT_S="1.5")
        items = prompts(args, ids)
        for bar in [b for b in args.bars.split(",") if b.strip()] or [None]:
            print(f"-- min_relevance {bar or 'default'}")
            report(*replay(items, env if bar is None else {**env, "ZIKRA_RECALL_MIN_RELEVANCE": bar.strip()}))
    finally:
        if proc is not None:
            n8n.stop(proc)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=20)
        postgres.stop(cluster, mode="immediate")
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
