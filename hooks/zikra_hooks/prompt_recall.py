"""UserPromptSubmit: inject the few memories that are really about this prompt, once per session.

The rule, in order:

1. The prompt is what the person typed: context a hook put into it (Gemini CLI does that with
   SessionStart's) is taken out. Nothing for a prompt that is a slash command, or that has fewer
   than ``MIN_PROMPT_WORDS`` content words and no identifier ("yes do it", "ok": nothing to search for; "ATL-8682" or
   "src/app/db.py" alone do ask).
2. Search the session's project with the prompt, sending the bar as ``min_relevance``.
3. Keep the results that pass the bar: ``parts.relevance >= ZIKRA_RECALL_MIN_RELEVANCE`` when
   search reports a relevance; when it does not, ``parts.vector_similarity >=
   FALLBACK_MIN_SIMILARITY``. Drop those already injected in this session (by the brief too).
4. Take at most ``ZIKRA_RECALL_LIMIT`` (3), best first, and give each its id, type, title and
   the part of its content that matters (the paragraph holding most of the prompt's words,
   then what follows while it fits), all within ``ZIKRA_RECALL_MAX_TOKENS`` (400), counted as
   ``CHARS_PER_TOKEN`` characters a token (the hooks carry no tokenizer; cl100k averages about
   4 characters a token on English prose and code, so 3 keeps the estimate on the safe side).
5. Nothing passes: nothing is printed.
"""

from __future__ import annotations

import re
from typing import Any

from . import fastpost, recall
from .config import Config
from .project import for_directory

EVENT = "UserPromptSubmit"
MIN_PROMPT_WORDS = 2
MAX_QUERY_CHARS = 2000
CHARS_PER_TOKEN = 3
# Asked for beyond the limit, so that memories injected earlier can be skipped.
EXTRA_CANDIDATES = 3
SEARCH_MAX_TOKENS = 4000
# Until search reports parts.relevance: cosine similarity of the default local model
# (all-MiniLM-L6-v2) between a prompt and a memory about it was 0.45-0.75 on the tests' set,
# and below 0.3 for unrelated prompts.
FALLBACK_MIN_SIMILARITY = 0.4
HEADER = "Zikra memory relevant to this prompt (get_memory with an id gives the whole memory):"
_WORD = re.compile(r"[A-Za-z0-9_./-]{3,}")
# A digit, an underscore or a slash, a dot inside a word, or camelCase: ERR_CONN_RESET, ATL-8682,
# src/app/db.py, useAuthStore.
_IDENTIFIER = re.compile(r"[0-9_/]|\w\.\w|[a-z][A-Z]")
# Gemini CLI's non-interactive mode puts SessionStart's context into the prompt itself, wrapped
# in these tags, before BeforeAgent sees it: the brief is not what the person asked.
_HOOK_CONTEXT = re.compile(r"<hook_context>.*?</hook_context>", re.S)
_STOP = frozenset("the and for with that this what when where which who why how are was were has have had "
                  "does did not but you your our can could should would will from into about then than "
                  "them they there their its it's use used using make made just also like want need".split())


def words(text: str) -> set[str]:
    """The content words of a text, lower-cased."""
    return {w.lower().strip("./-") for w in _WORD.findall(text)} - _STOP


def asks(prompt: str) -> bool:
    """Whether a prompt is worth a search (step 1)."""
    if prompt.startswith("/"):
        return False
    return len(words(prompt)) >= MIN_PROMPT_WORDS or any(_IDENTIFIER.search(w) for w in _WORD.findall(prompt))


def passes(result: dict[str, Any], bar: float) -> bool:
    """Whether a search result is really about the prompt (step 3)."""
    parts = result.get("parts") if isinstance(result.get("parts"), dict) else {}
    relevance = parts.get("relevance")
    if isinstance(relevance, (int, float)) and not isinstance(relevance, bool):
        return relevance >= bar
    similarity = parts.get("vector_similarity")
    return isinstance(similarity, (int, float)) and not isinstance(similarity, bool) \
        and similarity >= FALLBACK_MIN_SIMILARITY


def relevant_part(content: str, prompt: str, max_chars: int) -> str:
    """The part of ``content`` that matters to ``prompt``, at most ``max_chars`` characters."""
    content = content.strip()
    if len(content) <= max_chars:
        return content
    wanted = words(prompt)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", content) if p.strip()]
    best = max(range(len(paragraphs)), key=lambda i: (len(words(paragraphs[i]) & wanted), -i))
    prefix = "… " if best > 0 else ""
    part = paragraphs[best]
    for following in paragraphs[best + 1:]:
        if len(prefix) + len(part) + 2 + len(following) > max_chars:
            break
        part += "\n\n" + following
    if len(prefix) + len(part) > max_chars:
        part = part[:max(max_chars - len(prefix) - 2, 0)].rsplit(" ", 1)[0] + " …"
    return prefix + part


def render(chosen: list[dict[str, Any]], prompt: str, max_tokens: int) -> str:
    """The injected text: the header, then each memory's head line and its relevant part."""
    heads = [f"- [{r.get('memory_type', 'memory')}] {r.get('title', '')} (id {r['id']})" for r in chosen]
    room = max_tokens * CHARS_PER_TOKEN - len(HEADER) - sum(len(h) + 4 for h in heads)
    share = room // max(len(chosen), 1)
    lines = [HEADER]
    for head, result in zip(heads, chosen):
        lines.append(head)
        part = relevant_part(str(result.get("content_md") or ""), prompt, share) if share > 0 else ""
        if part:
            lines.append("  " + part.replace("\n", "\n  "))
    return "\n".join(lines)


def build(payload: dict[str, Any], config: Config, deadline: float) -> tuple[str, list[dict[str, Any]]] | None:
    """The memories to inject with this prompt, as text, and which they are; or None."""
    prompt = _HOOK_CONTEXT.sub("", str(payload.get("prompt") or "")).strip()
    if not config.recall_prompt or not asks(prompt):
        return None
    session_id = str(payload.get("session_id") or "")
    seen = recall.already_injected(config, session_id)
    answer = fastpost.post(config, {
        "command": "search", "query": prompt[:MAX_QUERY_CHARS], "project": for_directory(payload.get("cwd") or None),
        "limit": config.recall_limit + EXTRA_CANDIDATES, "max_tokens": SEARCH_MAX_TOKENS,
        "min_relevance": config.recall_min_relevance}, deadline)
    results = answer.get("results") if isinstance(answer.get("results"), list) else []
    chosen = [r for r in results if isinstance(r, dict) and isinstance(r.get("id"), str)
              and r["id"] not in seen and passes(r, config.recall_min_relevance)][:config.recall_limit]
    if not chosen:
        return None
    items = [{"id": r["id"], "title": str(r.get("title") or ""), "type": str(r.get("memory_type") or "")}
             for r in chosen]
    return render(chosen, prompt, config.recall_max_tokens), items


def main(event: str = EVENT) -> int:
    """``zikra-hooks prompt-recall [--client gemini|codex]``: ``event`` names the agent's event
    (Gemini CLI's BeforeAgent sends ``prompt`` as UserPromptSubmit does)."""
    return recall.run("prompt-recall", event, build, lambda config: config.recall_timeout_s)
