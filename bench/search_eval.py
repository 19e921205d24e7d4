"""Search quality on the labelled evaluation set (issue 8): R@1, R@5 and MRR of vector-only,
keyword-only and hybrid ranking, overall and per query kind, on a tune half and a held-out
half of the queries.

The corpus (bench/evalset/corpus.jsonl) goes into a throwaway PostgreSQL started by
bench/worker_search.py's ``run_in_scratch`` (which also loads ``--background`` bench-corpus
memories in other projects, so the HNSW graph is not only the eval set), embedded with the
configured provider (ZIKRA_EMBEDDING_*; default the offline local model). Every mode is
ranked by ``zikra_worker.search.rank``, the endpoint's own statement, with one signal
switched off for the single-signal modes; nothing is reinforced, so confidences stay as
labelled.

    .venv/bin/python bench/search_eval.py                 # the table on both halves
    .venv/bin/python bench/search_eval.py --tune          # one-knob-at-a-time sweeps, tune half only
    .venv/bin/python bench/search_eval.py --markdown      # the held-out table as Markdown

Metrics, per query, over the top 10: R@k = |relevant in top k| / min(k, |relevant|) (a
multi-fact query with two answers needs both in the top 5 for R@5 = 1); MRR = 1 / rank of
the first relevant memory (0 when none is in the top 10). Averages are over queries.
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

import worker_search  # noqa: E402

from zikra_worker import embedding_space  # noqa: E402
from zikra_worker.config import load_settings  # noqa: E402
from zikra_worker.embeddings import Embedder, build_embedder, memory_text  # noqa: E402
from zikra_worker.search import Fusion, rank  # noqa: E402

EVALSET = REPO / "bench" / "evalset"
KINDS = ("paraphrase", "identifier", "multi_fact", "decoy", "stale")
MODES = ("vector", "keyword", "hybrid")
DEPTH = 10
COPY = ("COPY memories (id, project, title, content_md, memory_type, tags, confidence, created_at, "
        "updated_at, reinforced_at, embedding) FROM STDIN WITH (FORMAT BINARY)")


def load_evalset(folder: Path = EVALSET) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The committed corpus and queries."""
    def read(name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (folder / name).read_text().splitlines() if line]
    return read("corpus.jsonl"), read("queries.jsonl")


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
    """The fusion with one signal switched off (vector, keyword) or both on (hybrid)."""
    return {"vector": replace(fusion, use_keyword=False), "keyword": replace(fusion, use_vector=False),
            "hybrid": fusion}[mode]


def rankings(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], query_vectors: np.ndarray,
             fusion: Fusion, depth: int = DEPTH) -> dict[str, list[str]]:
    """The top ``depth`` memory ids of each query, through search.rank."""
    out = {}
    for query, vector in zip(queries, query_vectors):
        request = {"query": query["query"], "embedding": vector, "projects": query["projects"], "types": None,
                   "include_archived": False, "limit": depth}
        with conn.transaction():
            out[query["id"]] = [str(row["id"]) for row in rank(conn, request, fusion)]
    return out


def scores(query: dict[str, Any], ranked: list[str]) -> dict[str, float]:
    """R@1, R@5 and MRR of one ranking."""
    relevant = set(query["relevant"])
    first = next((i for i, mid in enumerate(ranked, 1) if mid in relevant), None)
    return {f"R@{k}": len(relevant & set(ranked[:k])) / min(k, len(relevant)) for k in (1, 5)} | {
        "MRR": 0.0 if first is None else 1 / first}


def summarise(queries: list[dict[str, Any]], ranked: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Mean metrics overall (key ``all``) and per kind, with the query count ``n``."""
    groups: dict[str, list[dict[str, float]]] = {"all": []}
    for query in queries:
        s = scores(query, ranked[query["id"]])
        groups["all"].append(s)
        groups.setdefault(query["kind"], []).append(s)
    return {group: {metric: float(np.mean([s[metric] for s in rows])) for metric in ("R@1", "R@5", "MRR")}
            | {"n": len(rows)} for group, rows in groups.items()}


def evaluate(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], query_vectors: np.ndarray,
             fusion: Fusion, modes: tuple[str, ...] = MODES) -> dict[str, dict[str, dict[str, float]]]:
    """mode -> group -> metrics, every mode through search.rank."""
    return {mode: summarise(queries, rankings(conn, queries, query_vectors, mode_fusion(fusion, mode)))
            for mode in modes}


def print_table(title: str, table: dict[str, dict[str, dict[str, float]]], markdown: bool = False) -> None:
    """One row per group and mode."""
    groups = ["all"] + [k for k in KINDS if k in table["hybrid"]]
    print(f"\n{title}")
    if markdown:
        print("| queries | n | mode | R@1 | R@5 | MRR |\n|---|---|---|---|---|---|")
    for group in groups:
        for mode in table:
            m = table[mode][group]
            if markdown:
                print(f"| {group} | {m['n']} | {mode} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['MRR']:.3f} |")
            else:
                print(f"{group:>11} n={m['n']:<4} {mode:>8}  R@1 {m['R@1']:.3f}  R@5 {m['R@5']:.3f}  "
                      f"MRR {m['MRR']:.3f}")


# One knob at a time, from the current defaults; each value is scored on the tune half.
SWEEPS: dict[str, list[Any]] = {
    "coverage_power": [0.0, 1.0, 2.0, 3.0, 4.0],
    "keyword_any": [False, True],
    "rrf_k": [2, 5, 10, 20, 30, 60, 100],
    "vector_candidates": [20, 40, 60, 100],
    "keyword_candidates": [20, 40, 60, 100],
    "keyword_weight": [0.5, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0],
    "confidence_weight": [0.0, 0.25, 0.5, 0.75],
    "rank_weights": [(0.1, 0.2, 0.4, 1.0), (0.1, 0.4, 0.4, 1.0), (0.1, 0.2, 0.2, 0.4), (0.1, 0.1, 0.1, 0.1),
                     (0.1, 0.5, 0.5, 1.0)],
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


def measure(args: argparse.Namespace, cluster: Any, _memories: list[dict[str, Any]], _home: Path) -> None:
    """Load the eval set beside the background corpus, then report (or tune)."""
    corpus, queries = load_evalset()
    embedder = build_embedder(load_settings())
    if embedder.provider != "local" and not embedder.dim:
        embedder.probe_dim()  # type: ignore[attr-defined]
    fusion = Fusion.from_settings(load_settings())
    for assignment in args.set:
        knob, _, value = assignment.partition("=")
        parsed = json.loads(value)
        fusion = replace(fusion, **{knob: tuple(parsed) if isinstance(parsed, list) else parsed})
    with psycopg.connect(cluster.url(), row_factory=dict_row) as conn:
        prepare(conn, embedder, corpus, REPO / "var" / "bench-cache")
        register_vector(conn)
        query_vectors = np.concatenate([embedder.embed([q["query"] for q in queries[i:i + 64]])
                                        for i in range(0, len(queries), 64)])
        print(f"{len(corpus)} eval memories (+{args.memories} background), {len(queries)} queries, "
              f"{embedder.provider}/{embedder.model}; fusion {fusion.constants()}")
        halves = {name: [i for i, q in enumerate(queries) if half(q["id"]) == name] for name in ("tune", "held_out")}
        if args.grid:
            idx = halves["tune"]
            knobs = {k: json.loads(v) for k, _, v in (g.partition("=") for g in args.grid)}
            grid(conn, [queries[i] for i in idx], query_vectors[idx], fusion, knobs)
            return
        if args.tune:
            idx = halves["tune"]
            tune(conn, [queries[i] for i in idx], query_vectors[idx], fusion)
            return
        for name in ("tune", "held_out"):
            idx = halves[name]
            table = evaluate(conn, [queries[i] for i in idx], query_vectors[idx], fusion)
            print_table(f"{name} half", table, args.markdown)


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
    worker_search.run_in_scratch(parser.parse_args(), measure)


if __name__ == "__main__":
    main()
