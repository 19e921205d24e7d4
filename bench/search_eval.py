"""Search quality on the labelled evaluation sets: R@1, R@5, R@10 and MRR of the previous
search ("before", bench/search_before.py), vector-only, keyword-only and hybrid ranking,
overall and per query kind; and the min_relevance calibration (--calibrate).

Two sets (``--sets``): bench/evalset (synthetic: corpus.jsonl, queries.jsonl from
generate.py, questions.jsonl from questions.py, no_answer.jsonl), split into a tune half and
a held-out half by a hash of the query id; and bench/realtext (Flask's changelog as
memories, questions written for it by hand; flask_changelog.py), never tuned on, all held out.

The corpora go into a throwaway PostgreSQL started by bench/worker_search.py's
``run_in_scratch`` (which also loads ``--memories`` bench-corpus memories in other projects,
so the HNSW graph is not only the eval set), embedded with the configured provider
(ZIKRA_EMBEDDING_*; default the offline local model). Every mode but "before" is ranked by
``zikra_worker.search.rank``, the endpoint's own statement, with one signal switched off for
the single-signal modes; nothing is reinforced, so confidences stay as labelled.

    .venv/bin/python bench/search_eval.py                 # the tables, both sets, every half
    .venv/bin/python bench/search_eval.py --tune          # one-knob-at-a-time sweeps, tune half only
    .venv/bin/python bench/search_eval.py --grid share_floor='[0,0.15]' --grid keyword_weight='[3,5]'
    .venv/bin/python bench/search_eval.py --calibrate     # min_relevance bars
    .venv/bin/python bench/search_eval.py --markdown      # the tables as Markdown

Metrics, per query, over the top 10: R@k = |relevant in top k| / min(k, |relevant|) (a
query with two answers needs both in the top 5 for R@5 = 1); MRR = 1 / rank of the first
relevant memory (0 when none is in the top 10). Averages are over queries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import uuid
from datetime import datetime
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import search_before  # noqa: E402
import worker_search  # noqa: E402

from zikra_worker import embedding_space  # noqa: E402
from zikra_worker.config import load_settings  # noqa: E402
from zikra_worker.embeddings import Embedder, build_embedder, memory_text  # noqa: E402
from zikra_worker.search import Fusion, rank  # noqa: E402

EVALSET = REPO / "bench" / "evalset"
# The synthetic set (tune and held-out halves) and the set made from real text (held out).
SETS = {"evalset": EVALSET, "realtext": REPO / "bench" / "realtext"}
KINDS = ("paraphrase", "identifier", "multi_fact", "decoy", "stale", "question", "two_facts", "real")
MODES = ("vector", "keyword", "hybrid")
# "before": the previous statement (bench/search_before.py), scored in the same run.
ALL_MODES = ("before",) + MODES
# min_relevance bars scored by --calibrate.
BARS = (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9)
DEPTH = 10
METRICS = ("R@1", "R@5", "R@10", "MRR")
COPY = ("COPY memories (id, project, title, content_md, memory_type, tags, confidence, created_at, "
        "updated_at, reinforced_at, embedding) FROM STDIN WITH (FORMAT BINARY)")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON object per line; an absent file is empty."""
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []


def load_evalset(folder: Path = EVALSET) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The committed corpus and queries (generate.py's)."""
    return read_jsonl(folder / "corpus.jsonl"), read_jsonl(folder / "queries.jsonl")


def load_all(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """A set's corpus, every labelled query (queries.jsonl, questions.jsonl) and the prompts no
    memory answers (no_answer.jsonl), each file optional but the corpus."""
    corpus, queries = load_evalset(folder)
    return corpus, queries + read_jsonl(folder / "questions.jsonl"), read_jsonl(folder / "no_answer.jsonl")


def half(query_id: str) -> str:
    """``tune`` or ``held_out``, fixed by a hash of the query id."""
    return "tune" if hashlib.sha256(query_id.encode()).digest()[0] % 2 == 0 else "held_out"


def embed_corpus(embedder: Embedder, corpus: list[dict[str, Any]], cache_dir: Path | None) -> np.ndarray:
    """Embed each memory as the worker does on save (title, then content), cached on disk."""
    digest = hashlib.sha256(json.dumps([(m["title"], m["content_md"]) for m in corpus]).encode()).hexdigest()[:16]
    cache = cache_dir / f"evalset-{embedder.provider}-{embedder.model.replace('/', '_')}-{digest}.npy" \
        if cache_dir else None
    if cache and cache.exists():
        return np.load(cache)
    started = time.perf_counter()
    vectors = np.concatenate([embedder.embed([memory_text(m["title"], m["content_md"]) for m in corpus[i:i + 32]])
                              for i in range(0, len(corpus), 32)])
    print(f"embedded {len(corpus)} memories in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    return vectors


def insert_corpus(conn: psycopg.Connection[Any], corpus: list[dict[str, Any]], vectors: np.ndarray) -> None:
    """COPY the memories in with their labelled ids, confidences and timestamps."""
    register_vector(conn)
    with conn.cursor() as cur, cur.copy(COPY) as copy:
        copy.set_types(["uuid", "text", "text", "text", "text", "text[]", "float4", "timestamptz",
                        "timestamptz", "timestamptz", "vector"])
        for memory, vector in zip(corpus, vectors):
            when = datetime.fromisoformat(memory["updated_at"])
            copy.write_row((uuid.UUID(memory["id"]), memory["project"], memory["title"], memory["content_md"],
                            memory["memory_type"], memory["tags"], memory["confidence"], when, when, when,
                            vector))
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE memories")
    conn.autocommit = False


def mode_fusion(fusion: Fusion, mode: str) -> Fusion:
    """The fusion with one signal switched off (vector, keyword) or both on (hybrid, before)."""
    return {"vector": replace(fusion, use_keyword=False), "keyword": replace(fusion, use_vector=False),
            "hybrid": fusion, "before": fusion}[mode]


def ranked_rows(conn: psycopg.Connection[Any], query: dict[str, Any], vector: np.ndarray, fusion: Fusion,
                mode: str = "hybrid", depth: int = DEPTH) -> list[dict[str, Any]]:
    """One query's top ``depth`` rows: search.rank, or the previous statement for mode ``before``."""
    request = {"query": query["query"], "embedding": vector, "projects": query["projects"], "types": None,
               "include_archived": False, "limit": depth}
    with conn.transaction():
        if mode == "before":
            return search_before.rank_before(conn, request)
        return rank(conn, request, mode_fusion(fusion, mode))


def rankings(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], query_vectors: np.ndarray,
             fusion: Fusion, depth: int = DEPTH, mode: str = "hybrid") -> dict[str, list[str]]:
    """The top ``depth`` memory ids of each query."""
    return {query["id"]: [str(row["id"]) for row in ranked_rows(conn, query, vector, fusion, mode, depth)]
            for query, vector in zip(queries, query_vectors)}


def scores(query: dict[str, Any], ranked: list[str]) -> dict[str, float]:
    """R@1, R@5, R@10 and MRR of one ranking."""
    relevant = set(query["relevant"])
    first = next((i for i, mid in enumerate(ranked, 1) if mid in relevant), None)
    return {f"R@{k}": len(relevant & set(ranked[:k])) / min(k, len(relevant)) for k in (1, 5, 10)} | {
        "MRR": 0.0 if first is None else 1 / first}


def summarise(queries: list[dict[str, Any]], ranked: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Mean metrics overall (key ``all``) and per kind, with the query count ``n``."""
    groups: dict[str, list[dict[str, float]]] = {"all": []}
    for query in queries:
        s = scores(query, ranked[query["id"]])
        groups["all"].append(s)
        groups.setdefault(query["kind"], []).append(s)
    return {group: {metric: float(np.mean([s[metric] for s in rows])) for metric in METRICS}
            | {"n": len(rows)} for group, rows in groups.items()}


def evaluate(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], query_vectors: np.ndarray,
             fusion: Fusion, modes: tuple[str, ...] = MODES) -> dict[str, dict[str, dict[str, float]]]:
    """mode -> group -> metrics, every mode but ``before`` through search.rank."""
    return {mode: summarise(queries, rankings(conn, queries, query_vectors, fusion, mode=mode))
            for mode in modes}


def print_table(title: str, table: dict[str, dict[str, dict[str, float]]], markdown: bool = False) -> None:
    """One row per group and mode."""
    groups = ["all"] + [k for k in KINDS if k in table["hybrid"]]
    print(f"\n{title}")
    if markdown:
        print("| queries | n | mode | R@1 | R@5 | R@10 | MRR |\n|---|---|---|---|---|---|---|")
    for group in groups:
        for mode in table:
            m = table[mode][group]
            if markdown:
                print(f"| {group} | {m['n']} | {mode} | " + " | ".join(f"{m[k]:.3f}" for k in METRICS) + " |")
            else:
                print(f"{group:>11} n={m['n']:<4} {mode:>8}  " + "  ".join(f"{k} {m[k]:.3f}" for k in METRICS))


# One knob at a time, from the current defaults; each value is scored on the tune half.
SWEEPS: dict[str, list[Any]] = {
    "rrf_k": [2, 5, 10, 20, 60],
    "keyword_weight": [1.0, 2.0, 3.0, 5.0, 8.0],
    "k1": [0.6, 0.9, 1.2, 1.5, 2.0],
    "b": [0.3, 0.5, 0.75, 0.9],
    "title_weight": [1.0, 2.0, 3.0],
    "identifier_boost": [0.0, 0.5, 2.0],
    "share_power": [0.0, 0.5, 1.0, 2.0],
    "share_floor": [0.0, 0.1, 0.15, 0.2],
    "method": ["rrf", "mix"],
    "essential_budget": [50, 200, 2000],
    "confidence_weight": [0.0, 0.5, 0.75],
}


def tune(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], query_vectors: np.ndarray,
         fusion: Fusion) -> None:
    """Print hybrid MRR (overall and per kind) for each value of each knob, tune half only."""
    for knob, values in SWEEPS.items():
        print(f"\n{knob} (hybrid, tune half; MRR all / per kind)")
        for value in values:
            table = evaluate(conn, queries, query_vectors, replace(fusion, **{knob: value}), ("hybrid",))["hybrid"]
            kinds = "  ".join(f"{k[:5]} {table[k]['MRR']:.3f}" for k in KINDS if k in table)
            mark = " *" if getattr(fusion, knob) == value else ""
            print(f"  {str(value):>22}  all {table['all']['MRR']:.3f}  R@5 {table['all']['R@5']:.3f}  "
                  f"{kinds}{mark}")


def grid(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], query_vectors: np.ndarray,
         fusion: Fusion, knobs: dict[str, list[Any]]) -> None:
    """Every combination of the given knob values, hybrid on the tune half, best MRR first."""
    import itertools

    rows = []
    for values in itertools.product(*knobs.values()):
        setting = dict(zip(knobs, values))
        table = evaluate(conn, queries, query_vectors, replace(fusion, **setting), ("hybrid",))["hybrid"]
        rows.append((table["all"]["MRR"], setting, table))
    for mrr, setting, table in sorted(rows, key=lambda r: -r[0]):
        kinds = "  ".join(f"{k[:5]} {table[k]['MRR']:.3f}/{table[k]['R@5']:.2f}" for k in KINDS if k in table)
        print(f"MRR {mrr:.3f} R@5 {table['all']['R@5']:.3f}  {setting}  {kinds}")


def prepare(conn: psycopg.Connection[Any], embedder: Embedder, corpus: list[dict[str, Any]],
            cache_dir: Path | None) -> None:
    """Put the corpus in a migrated database, switching its embedding space to ``embedder`` if needed."""
    stored = conn.execute("SELECT model, dim FROM embedding_space").fetchone()
    if stored is None:
        embedding_space.ensure(conn, embedder)
    elif (stored["model"], stored["dim"]) != (embedder.model, embedder.dim):
        # Another provider: the background memories were embedded locally; drop them.
        conn.execute("DELETE FROM memories")
        conn.commit()
        embedding_space.reembed(conn, embedder)
    insert_corpus(conn, corpus, embed_corpus(embedder, corpus, cache_dir))


def _spread(values: list[float]) -> str:
    return "p10/p50/p90 " + "/".join(f"{v:.2f}" for v in np.percentile(values, [10, 50, 90])) if values else "-"


def calibrate(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], query_vectors: np.ndarray,
              prompts: list[dict[str, Any]], prompt_vectors: np.ndarray, fusion: Fusion) -> None:
    """For each min_relevance bar: how often an answerable query gets something past the bar and
    how often the first result past it is right; how often a prompt no memory answers gets
    anything past it (what UserPromptSubmit would inject for nothing). Also the spread of the
    two parts of relevance (cosine, keyword share) for right answers and for the best result
    of a prompt with no answer."""
    answered = [(q, ranked_rows(conn, q, v, fusion)) for q, v in zip(queries, query_vectors)]
    unanswered = [ranked_rows(conn, p, v, fusion) for p, v in zip(prompts, prompt_vectors)]
    right = [r for q, rows in answered for r in rows[:1] if str(r["id"]) in q["relevant"]]
    best = [max(rows, key=lambda r: r["relevance"]) for rows in unanswered if rows]
    for what, rows in (("top result, right", right), ("best result, no answer", best)):
        print(f"  {what:>22}: cosine {_spread([float(r['cosine']) for r in rows if r['cosine'] is not None])}   share "
              f"{_spread([float(r['keyword_share'] or 0) for r in rows])}   relevance "
              f"{_spread([float(r['relevance']) for r in rows])}")
    print(f"  bar   answerable n={len(answered)}: passes / first passing is right / right among passes"
          f"   no answer n={len(unanswered)}: passes")
    for bar in BARS:
        passing = [(q, [str(r["id"]) for r in rows if r["relevance"] >= bar]) for q, rows in answered]
        passes = sum(1 for _, ids in passing if ids)
        hits = sum(1 for q, ids in passing if ids and ids[0] in q["relevant"])
        false = sum(1 for rows in unanswered if any(r["relevance"] >= bar for r in rows))
        print(f"  {bar:.2f}  {passes / len(answered):.3f} / {hits / len(answered):.3f} / "
              f"{hits / max(passes, 1):.3f}   {false / max(len(unanswered), 1):.3f}")


def parse_fusion(assignments: list[str]) -> Fusion:
    """The configured fusion with ``--set knob=json`` overrides."""
    fusion = Fusion.from_settings(load_settings())
    for assignment in assignments:
        knob, _, value = assignment.partition("=")
        parsed = json.loads(value)
        fusion = replace(fusion, **{knob: tuple(parsed) if isinstance(parsed, list) else parsed})
    return fusion


def embed_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Query vectors, 64 at a time."""
    if not texts:
        return np.zeros((0, embedder.dim or 384))
    return np.concatenate([embedder.embed(texts[i:i + 64]) for i in range(0, len(texts), 64)])


def measure(args: argparse.Namespace, cluster: Any, _memories: list[dict[str, Any]], _home: Path) -> None:
    """Load the eval sets beside the background corpus, then report (or tune, or calibrate)."""
    sets = {name: load_all(SETS[name]) for name in args.sets.split(",")}
    embedder = build_embedder(load_settings())
    if embedder.provider != "local" and not embedder.dim:
        embedder.probe_dim()  # type: ignore[attr-defined]
    fusion = parse_fusion(args.set)
    with psycopg.connect(cluster.url(), row_factory=dict_row) as conn:
        prepare(conn, embedder, [m for corpus, _, _ in sets.values() for m in corpus], REPO / "var" / "bench-cache")
        register_vector(conn)
        print(f"sets {', '.join(f'{n}: {len(c)} memories, {len(q)} queries' for n, (c, q, _) in sets.items())} "
              f"(+{args.memories} background), {embedder.provider}/{embedder.model}; fusion {fusion.constants()}")
        for name, (corpus, queries, prompts) in sets.items():
            vectors = embed_texts(embedder, [q["query"] for q in queries])
            # The real-text set is never tuned on: all of it is held out.
            split = {"tune": [], "held_out": list(range(len(queries)))} if name == "realtext" else {
                h: [i for i, q in enumerate(queries) if half(q["id"]) == h] for h in ("tune", "held_out")}
            tune_q, tune_v = [queries[i] for i in split["tune"]], vectors[split["tune"]]
            if args.grid:
                if tune_q:
                    grid(conn, tune_q, tune_v, fusion, {k: json.loads(v) for k, _, v in
                                                        (g.partition("=") for g in args.grid)})
                continue
            if args.tune:
                if tune_q:
                    tune(conn, tune_q, tune_v, fusion)
                continue
            if args.calibrate:
                projects = sorted({m["project"] for m in corpus})
                asked = [{**p, "id": f"{p['id']}@{project}", "projects": [project]} for p in prompts
                         for project in projects]
                asked_vectors = embed_texts(embedder, [p["query"] for p in asked])
                for h, idx in split.items():
                    if idx:
                        print(f"\n{name}, {h}: min_relevance calibration (hybrid, top {DEPTH})")
                        calibrate(conn, [queries[i] for i in idx], vectors[idx], asked, asked_vectors, fusion)
                continue
            for h, idx in split.items():
                if idx:
                    table = evaluate(conn, [queries[i] for i in idx], vectors[idx], fusion, ALL_MODES)
                    print_table(f"{name}, {h} half", table, args.markdown)


def main() -> None:
    """Parse arguments and run in a scratch cluster."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=2000,
                        help="background bench-corpus memories in other projects (default 2000)")
    parser.add_argument("--tune", action="store_true", help="sweep the fusion knobs on the tune half")
    parser.add_argument("--set", action="append", default=[], metavar="KNOB=JSON",
                        help="override a Fusion constant, e.g. --set rrf_k=10 (repeatable)")
    parser.add_argument("--grid", action="append", default=[], metavar="KNOB=JSON_LIST",
                        help="sweep every combination of these knobs on the tune half, e.g. --grid rrf_k=[5,10]")
    parser.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    parser.add_argument("--calibrate", action="store_true",
                        help="score min_relevance bars on answerable queries and prompts with no answer")
    parser.add_argument("--sets", default="evalset,realtext",
                        help="comma-separated evaluation sets (default evalset,realtext)")
    worker_search.run_in_scratch(parser.parse_args(), measure)


if __name__ == "__main__":
    main()
