"""Token budget packing, as a unit (no server)."""

from __future__ import annotations

import random

from zikra_worker import budget


def _result(title: str, content: str) -> dict:
    return {"title": title, "content_md": content}


def test_results_that_fit_are_kept_whole_in_order():
    results = [_result("a", "one two three"), _result("b", "four five")]
    kept, used, truncated = budget.pack(results, 1000)
    assert [r["title"] for r in kept] == ["a", "b"] and not truncated
    assert used == sum(budget.count(r["title"]) + budget.count(r["content_md"]) for r in results)


def test_the_last_result_is_cut_with_a_marker_and_the_budget_holds():
    rng = random.Random(1)
    for _ in range(200):
        results = [_result(f"t{i}", " ".join(rng.choice(["alpha", "β", "漢字", "x", "\n"])
                                             for _ in range(rng.randint(1, 400)))) for i in range(5)]
        limit = rng.randint(1, 1500)
        kept, used, truncated = budget.pack(results, limit)
        assert used <= limit
        assert used == sum(budget.count(r["title"]) + budget.count(r["content_md"]) for r in kept)
        assert all(not r["truncated"] for r in kept[:-1])
        if kept and kept[-1]["truncated"]:
            assert kept[-1]["content_md"].endswith(budget.TRUNCATION_MARKER) and truncated


def test_cut_never_splits_a_character():
    text = "日本語のテキスト" * 50
    for n in range(1, 40):
        prefix = budget.cut(text, n)
        assert text.startswith(prefix) and budget.count(prefix) <= n
