"""Questions typed the way people ask, over the evaluation corpus (bench/evalset/corpus.jsonl).

Two kinds, written to ``questions.jsonl`` in the shape of ``queries.jsonl``:

- ``question``: two of the answer's rarest words in its project (the words only it holds
  together), inside an ordinary question that also carries words the answer lacks
  ("when did we decide", "remind me", "the team"): a keyword query that requires every
  word finds nothing, BM25 finds the answer by the rare words.
- ``two_facts``: one question naming two facts, each held by another memory ("what did we
  settle on for X, and what about Y?"); both memories are relevant, and each holds only
  half of the question's words.

And ``no_answer.jsonl``: prompts an agent's user types that no memory of the corpus
answers (instructions, other topics), for calibrating min_relevance: what passes the bar
there would be injected for nothing.

Deterministic; stdlib only:

    .venv/bin/python bench/evalset/questions.py           # writes questions.jsonl
    .venv/bin/python bench/evalset/questions.py --check   # regenerate and compare
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 15
PER_PROJECT = 20
TWO_FACTS_PER_PROJECT = 10

# Words too ordinary to be the rare words of a question (a short list: rarity does the rest).
ORDINARY = set("""about after again also because been before being between both could does done
each from have here into just last made make many more most much must never only other over
same should since some such than that their them then there these they this those through under
until very were what when where which while will with without would your reason rejected agreed
decision decided team uses using used""".split())

TEMPLATES = [
    "when did we decide on the {a} {b} thing?",
    "remind me what the team said about {a} and {b}",
    "what was the story with {a} for {b} again?",
    "do we have anything written down about {a} {b}?",
    "who signed off on {a} with {b}, and why?",
    "can you find the note where {a} came up next to {b}?",
    "what did we end up doing about {a} and {b} last quarter?",
    "is there a memory about {b} and {a} somewhere?",
]
TWO_FACT_TEMPLATES = [
    "what did we settle on for {a} {b}, and what about {c} {d}?",
    "remind me about {a} {b} and also the {c} {d} decision",
    "two things: {a} {b}, and {c} {d}, what did we pick?",
]


def words(memory: dict[str, Any]) -> list[str]:
    """The memory's plain words (letters only, 4+), lower case, in order, once each."""
    seen: dict[str, None] = {}
    for word in re.findall(r"[A-Za-z]{4,}", memory["title"] + " " + memory["content_md"]):
        low = word.lower()
        if low not in ORDINARY:
            seen.setdefault(low)
    return list(seen)


def rare_pair(memory: dict[str, Any], df: Counter[str], holders: dict[str, set[str]]) -> tuple[str, str] | None:
    """Two of the memory's rarest words that no other memory of the project holds together."""
    ranked = sorted(words(memory), key=lambda w: (df[w], w))[:6]
    for i, a in enumerate(ranked):
        for b in ranked[i + 1:]:
            if holders[a] & holders[b] == {memory["id"]}:
                return a, b
    return None


def qid(kind: str, text: str) -> str:
    """An id hung on the text, so the tune / held-out half of a question never moves."""
    return f"{kind}-{zlib.crc32(text.encode()):08x}"


def project_questions(memories: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The questions of one project."""
    df: Counter[str] = Counter()
    holders: dict[str, set[str]] = {}
    for m in memories:
        for w in words(m):
            df[w] += 1
            holders.setdefault(w, set()).add(m["id"])
    pairs = [(m, p) for m in memories if (p := rare_pair(m, df, holders))]
    rng.shuffle(pairs)
    project = memories[0]["project"]
    out = []
    for memory, (a, b) in pairs[:PER_PROJECT]:
        text = rng.choice(TEMPLATES).format(a=a, b=b)
        out.append({"decoys": [], "id": qid("question", text), "kind": "question", "projects": [project],
                    "query": text, "relevant": [memory["id"]]})
    rest = pairs[PER_PROJECT:]
    for (m1, (a, b)), (m2, (c, d)) in zip(rest[0:2 * TWO_FACTS_PER_PROJECT:2], rest[1:2 * TWO_FACTS_PER_PROJECT:2]):
        text = rng.choice(TWO_FACT_TEMPLATES).format(a=a, b=b, c=c, d=d)
        out.append({"decoys": [], "id": qid("two_facts", text), "kind": "two_facts", "projects": [project],
                    "query": text, "relevant": [m1["id"], m2["id"]]})
    return out


def generate(corpus: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every project's questions, in project order."""
    rng = random.Random(SEED)
    by_project: dict[str, list[dict[str, Any]]] = {}
    for memory in corpus:
        by_project.setdefault(memory["project"], []).append(memory)
    return [q for project in sorted(by_project) for q in project_questions(by_project[project], rng)]


def main() -> None:
    """Write questions.jsonl, or compare with it (--check)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when questions.jsonl is out of date")
    args = parser.parse_args()
    corpus = [json.loads(line) for line in (HERE / "corpus.jsonl").read_text().splitlines() if line]
    text = "".join(json.dumps(q, sort_keys=True) + "\n" for q in generate(corpus))
    target = HERE / "questions.jsonl"
    if args.check:
        if target.read_text() != text:
            sys.exit("questions.jsonl is out of date: run bench/evalset/questions.py")
        return
    target.write_text(text)
    print(f"wrote {text.count(chr(10))} questions to {target}")


if __name__ == "__main__":
    main()
