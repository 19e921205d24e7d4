"""The project brief: what an agent should know at the start of a session, within a token budget.

The rule. The policy comes in the request (it lives in n8n's API workflow, node "Brief policy",
where a person edits it): an ordered list of sections, each naming what it holds (memories of
one type, newest change first, optionally only those changed within ``days`` and without any
of ``exclude_tags``; or the project's latest runs) and how many. Items are taken in rounds:
the first item of every section in policy order, then the second of every section, and so on,
so a long list of requirements cannot crowd out the latest decision. Each item's content is cut
to ``item_max_tokens``; items are packed in that order by ``budget.pack`` until ``max_tokens``
would be passed. The answer's ``text`` is the brief as Markdown, grouped by section in policy
order, each item with its type and id; ``tokens_used`` counts that text, never above the budget.

A brief is a read that reinforces nothing: being shown at every session start must not keep a
memory from decaying.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from . import budget
from . import validation as v
from .db import read
from .errors import BadRequest
from .runtime import runtime

bp = Blueprint("brief", __name__)

MAX_SECTIONS = 20
MAX_SECTION_LIMIT = 50
MAX_BRIEF_TOKENS = 20_000
DEFAULT_MAX_TOKENS = 800
DEFAULT_ITEM_TOKENS = 150
HEADING = "# Zikra brief: project {project}"
FOOTER = "Fetch a whole memory with get_memory and its id."

# Live memories of one type, newest change first. memories_project_updated serves the order.
MEMORIES = """
SELECT id, title, content_md, memory_type, tags, updated_at, confidence
FROM memories
WHERE project = %(project)s
  AND memory_type = %(memory_type)s
  AND archived_at IS NULL
  AND (%(days)s::integer IS NULL OR updated_at >= now() - make_interval(days => %(days)s::integer))
  AND NOT (tags && %(exclude_tags)s::text[])
ORDER BY updated_at DESC, id
LIMIT %(limit)s
"""

# The project's latest runs that say something (a summary).
RUNS = """
SELECT id, status, output_summary, agent, created_at
FROM runs
WHERE project = %(project)s
  AND output_summary IS NOT NULL AND output_summary <> ''
  AND (%(days)s::integer IS NULL OR created_at >= now() - make_interval(days => %(days)s::integer))
ORDER BY created_at DESC, id
LIMIT %(limit)s
"""


def _section(raw: Any, index: int) -> dict[str, Any]:
    """One policy section, checked; errors name ``policy.sections[i].<field>``."""
    where = f"policy.sections[{index}]"
    if not isinstance(raw, dict):
        raise BadRequest("policy", f"{where} must be an object.")
    source = raw.get("source", "memories")
    if source not in ("memories", "runs"):
        raise BadRequest("policy", f"{where}.source must be memories or runs.")
    memory_type = None
    if source == "memories":
        memory_type = raw.get("memory_type")
        if memory_type not in v.MEMORY_TYPES:
            raise BadRequest("policy", f"{where}.memory_type must be one of: {', '.join(v.MEMORY_TYPES)}.")
    try:
        title = v.text(raw, "title", max_chars=v.MAX_NAME_CHARS)
        limit = v.integer(raw, "limit", default=3, minimum=0, maximum=MAX_SECTION_LIMIT)
        days = v.integer(raw, "days", minimum=1, maximum=36500)
        exclude = v.string_list(raw, "exclude_tags", max_items=50)
    except BadRequest as exc:
        raise BadRequest("policy", f"{where}: {exc.message}") from None
    return {"title": title or memory_type or source, "source": source, "memory_type": memory_type,
            "limit": limit, "days": days, "exclude_tags": exclude or []}


def parse_policy(body: dict[str, Any]) -> dict[str, Any]:
    """The brief policy of the request.

    Raises:
        BadRequest: the policy is missing or malformed (field ``policy``, the message says where).
    """
    policy = body.get("policy")
    if not isinstance(policy, dict) or not isinstance(policy.get("sections"), list) or not policy["sections"]:
        raise BadRequest("policy", "policy must be an object with a non-empty list of sections.")
    if len(policy["sections"]) > MAX_SECTIONS:
        raise BadRequest("policy", f"policy has more than {MAX_SECTIONS} sections.")
    try:
        item_tokens = v.integer(policy, "item_max_tokens", default=DEFAULT_ITEM_TOKENS, minimum=16, maximum=4000)
        max_tokens = v.integer(policy, "max_tokens", default=DEFAULT_MAX_TOKENS, minimum=1, maximum=MAX_BRIEF_TOKENS)
    except BadRequest as exc:
        raise BadRequest("policy", f"policy: {exc.message}") from None
    return {"sections": [_section(s, i) for i, s in enumerate(policy["sections"])],
            "item_max_tokens": item_tokens, "max_tokens": max_tokens}


def _rows(conn: Any, project: str, section: dict[str, Any]) -> list[dict[str, Any]]:
    """The candidates of one section, as brief items."""
    if section["limit"] == 0:
        return []
    params = {"project": project, **section}
    if section["source"] == "runs":
        return [{"id": str(r["id"]), "type": "run", "title": f"Last run: {r['status']}"
                 + (f" ({r['agent']})" if r["agent"] else "") + f", {r['created_at']:%Y-%m-%d %H:%M} UTC",
                 "content_md": r["output_summary"], "updated_at": r["created_at"].isoformat()}
                for r in conn.execute(RUNS, params).fetchall()]
    return [{"id": str(r["id"]), "type": r["memory_type"], "title": r["title"], "content_md": r["content_md"],
             "tags": r["tags"], "updated_at": r["updated_at"].isoformat()}
            for r in conn.execute(MEMORIES, params).fetchall()]


def in_rounds(per_section: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The first item of every section, then the second of every section, and so on."""
    ordered = []
    for depth in range(max((len(items) for items in per_section), default=0)):
        ordered += [items[depth] for items in per_section if depth < len(items)]
    return ordered


def item_line(item: dict[str, Any]) -> str:
    """The head of one item in the brief: type, title and id (the content follows it)."""
    return f"- [{item['type']}] {item['title']} (id {item['id']})"


def _item_text(item: dict[str, Any]) -> str:
    """One item: its head line, then its content indented under it."""
    content = (item["content_md"] or "").strip()
    return item_line(item) + ("\n  " + content.replace("\n", "\n  ") if content else "")


def render(project: str, sections: list[dict[str, Any]], kept: list[dict[str, Any]]) -> str:
    """The brief as Markdown: the kept items grouped by section, in policy order."""
    if not kept:
        return ""
    lines = [HEADING.format(project=project)]
    for index, section in enumerate(sections):
        items = [item for item in kept if item["section_index"] == index]
        if items:
            lines.append(f"## {section['title']}")
            lines += [_item_text(item) for item in items]
    lines.append(FOOTER)
    return "\n".join(lines)


def pack_brief(project: str, policy: dict[str, Any], per_section: list[list[dict[str, Any]]],
               max_tokens: int) -> tuple[list[dict[str, Any]], str, bool]:
    """Pick and cut the items so that the rendered brief fits ``max_tokens``.

    budget.pack counts each item as its head line plus its (pre-cut) content, within the budget
    left after the brief's fixed lines. What rendering adds on top (section headings,
    indentation) is measured on the real text: when it is over, packing runs again with that
    much less room (twice at most), then items are dropped from the end while it is still over.
    """
    for index, items in enumerate(per_section):
        for item in items:
            item["section_index"] = index
            if budget.count(item["content_md"] or "") > policy["item_max_tokens"]:
                item["content_md"] = budget.cut(item["content_md"], policy["item_max_tokens"]) + " …"
                item["truncated"] = True
    ordered = in_rounds(per_section)
    room = max_tokens - budget.count(HEADING.format(project=project)) - budget.count(FOOTER) - 2
    for _ in range(3):
        kept, text = _packed(project, policy, ordered, max(room, 0))
        over = budget.count(text) - max_tokens
        if over <= 0:
            break
        room -= over
    while kept and budget.count(text) > max_tokens:
        kept.pop()
        text = render(project, policy["sections"], kept)
    cut_any = any(item.get("truncated") for item in kept) or len(kept) < len(ordered)
    return kept, text, cut_any


def _packed(project: str, policy: dict[str, Any], ordered: list[dict[str, Any]],
            room: int) -> tuple[list[dict[str, Any]], str]:
    """``ordered`` packed into ``room`` tokens by budget.pack, and the rendered brief."""
    packed, _, _ = budget.pack([{**item, "title": item_line(item), "content_md": item["content_md"] or ""}
                                for item in ordered], room)
    kept = [{**ordered[i], "content_md": packed[i]["content_md"],
             "truncated": ordered[i].get("truncated", False) or packed[i]["truncated"]}
            for i in range(len(packed))]
    return kept, render(project, policy["sections"], kept)


@bp.post("/brief")
def brief() -> dict[str, Any]:
    """A project's brief under the request's policy and token budget."""
    body = v.json_object()
    project = v.project(body)
    policy = parse_policy(body)
    max_tokens = v.integer(body, "max_tokens", default=policy["max_tokens"], minimum=1, maximum=MAX_BRIEF_TOKENS)
    assert max_tokens is not None
    per_section = read(runtime().pool, lambda conn: [_rows(conn, project, s) for s in policy["sections"]])
    kept, text, truncated = pack_brief(project, policy, per_section, max_tokens)
    items = [{"id": item["id"], "type": item["type"], "section": policy["sections"][item["section_index"]]["title"],
              "title": item["title"], "content_md": item["content_md"], "updated_at": item["updated_at"],
              "truncated": item.get("truncated", False)} for item in kept]
    return {"project": project, "text": text, "items": items, "count": len(items),
            "tokens_used": budget.count(text), "max_tokens": max_tokens, "truncated": truncated}
