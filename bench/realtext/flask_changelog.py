"""The real-text evaluation set: Flask's changelog as memories, with questions written for it.

Source: ``CHANGES.rst`` of pallets/flask (BSD-3-Clause), versions 1.0 to 2.2.0, copied
unchanged into ``flask-CHANGES.rst``: text written by Flask's maintainers for their users,
not for this test. Each top-level entry (with its sub-entries) becomes one memory of project
``flask-changelog``, titled by its version and first sentence, dated by its release.

``questions.txt`` holds the questions, written before any ranking was looked at, each with a
piece of the text of every entry that answers it; this script resolves the pieces to memory
ids (each must match exactly one entry) and writes ``corpus.jsonl`` and ``queries.jsonl`` in
the shape of bench/evalset. ``no_answer.jsonl``: prompts the changelog does not answer.

    .venv/bin/python bench/realtext/flask_changelog.py          # writes the .jsonl files
    .venv/bin/python bench/realtext/flask_changelog.py --check  # fails when they are out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = "flask-changelog"
NAMESPACE = uuid.UUID("2f1c5a8e-7d0b-4e55-9a51-6c1f0e3b7d15")
NO_ANSWER = [
    "how do I configure celery beat schedules?",
    "what is the best way to hash passwords with argon2?",
    "add a dark mode toggle to the settings page",
    "write a migration that adds an index on users.email",
    "why is my docker build so slow on macOS?",
    "explain how React hooks work",
    "rename the variable total to grand_total in this file",
    "what does the kubernetes liveness probe do?",
    "set up a github actions workflow for linting",
    "how do I paginate a SQL query efficiently?",
]


def entries(text: str) -> list[tuple[str, str, str]]:
    """(version, release date, entry text) for every top-level entry."""
    out = []
    for block in re.split(r"\n(?=Version \S+\n-+\n)", text):
        head = re.match(r"Version (\S+)\n-+\n\n(?:Released (?:on )?(\S+))?", block)
        if not head:
            continue
        version, date = head.group(1), head.group(2) or "2018-01-01"
        for item in re.split(r"\n-   ", "\n" + block[head.end():].strip())[1:]:
            out.append((version, date, re.sub(r"\s+", " ", item).strip()))
    return out


def plain(text: str) -> str:
    """RST markup dropped: ``code`` and :pr:`123` become code and pr 123."""
    text = re.sub(r":(pr|issue|pep):`([^`]*)`", r"\1 \2", text)
    return text.replace("``", "")


def memory(version: str, date: str, text: str, index: int) -> dict[str, Any]:
    """One changelog entry as a memory."""
    first = re.split(r"(?<=\.)\s", plain(text), maxsplit=1)[0]
    title = f"Flask {version}: {first[:90]}"
    return {"confidence": 1.0, "content_md": plain(text), "id": str(uuid.uuid5(NAMESPACE, f"{version}/{index}")),
            "memory_type": "reference", "project": PROJECT, "tags": ["changelog", f"flask-{version}"],
            "title": title, "updated_at": f"{date}T12:00:00+00:00", "raw": text}


def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Corpus, labelled queries and no-answer prompts."""
    corpus = [memory(v, d, t, i) for i, (v, d, t) in enumerate(entries((HERE / "flask-CHANGES.rst").read_text()))]
    queries = []
    for line in (HERE / "questions.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, _, answers = line.partition(" || ")
        relevant = []
        for piece in answers.split(" && "):
            found = [m["id"] for m in corpus if piece.strip() in m["raw"]]
            if len(found) != 1:
                sys.exit(f"{piece!r} matches {len(found)} entries (question {question!r})")
            relevant.append(found[0])
        queries.append({"decoys": [], "id": f"real-{zlib.crc32(question.encode()):08x}", "kind": "real",
                        "projects": [PROJECT], "query": question, "relevant": relevant})
    for m in corpus:
        del m["raw"]
    prompts = [{"id": f"no_answer-{zlib.crc32(p.encode()):08x}", "kind": "no_answer", "query": p, "relevant": []}
               for p in NO_ANSWER]
    return corpus, queries, prompts


def main() -> None:
    """Write the three files, or compare with them (--check)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    for name, rows in zip(("corpus.jsonl", "queries.jsonl", "no_answer.jsonl"), build()):
        text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
        if args.check and (HERE / name).read_text() != text:
            sys.exit(f"{name} is out of date: run bench/realtext/flask_changelog.py")
        if not args.check:
            (HERE / name).write_text(text)
            print(f"wrote {len(rows)} rows to {name}")


if __name__ == "__main__":
    main()
