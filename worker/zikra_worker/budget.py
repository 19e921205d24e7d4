"""Token budgeting of search results with cl100k, counted offline (quicktok ships the BPE files)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

TRUNCATION_MARKER = "\n\n[… truncated to fit the token budget]"
# A cut result must keep at least this many content tokens to be worth sending.
MIN_CUT_TOKENS = 16


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import quicktok

    return quicktok.get_encoding("cl100k_base")


def count(text: str) -> int:
    """Tokens of ``text`` in cl100k_base."""
    return len(_encoding().encode_ordinary(text)) if text else 0


def cut(text: str, max_tokens: int) -> str:
    """The longest prefix of ``text`` of at most ``max_tokens`` tokens, on a character boundary."""
    encoding = _encoding()
    ids = encoding.encode_ordinary(text)[:max_tokens]
    prefix = encoding.decode_bytes(ids).decode("utf-8", errors="ignore")
    # Dropping a partial character can only remove tokens; recount to be sure.
    while count(prefix) > max_tokens:
        prefix = prefix[:-1]
    return prefix


def pack(results: list[dict[str, Any]], max_tokens: int) -> tuple[list[dict[str, Any]], int, bool]:
    """Keep results in rank order while the budget holds; cut the last one that does not fit.

    A result costs the tokens of its title plus its content. Returns the kept results,
    the tokens used (never above ``max_tokens``) and whether anything was cut or left out.
    """
    kept: list[dict[str, Any]] = []
    used = 0
    marker_cost = count(TRUNCATION_MARKER)
    for result in results:
        title_cost = count(result["title"])
        content_cost = count(result["content_md"])
        if used + title_cost + content_cost <= max_tokens:
            kept.append({**result, "truncated": False})
            used += title_cost + content_cost
            continue
        room = max_tokens - used - title_cost - marker_cost
        if room >= MIN_CUT_TOKENS:
            content = cut(result["content_md"], room) + TRUNCATION_MARKER
            cost = title_cost + count(content)
            if used + cost <= max_tokens:
                kept.append({**result, "content_md": content, "truncated": True})
                used += cost
        return kept, used, True
    return kept, used, False
