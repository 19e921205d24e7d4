"""Memory content as HTML, safely: Markdown with raw HTML off, so a memory's ``<script>`` or
``<img onerror>`` arrives as text. markdown-it-py escapes all text and refuses ``javascript:``,
``vbscript:``, ``file:`` and non-image ``data:`` links; the page's Content-Security-Policy is the
second wall (no inline script, no image from elsewhere)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}) \
    .enable("table").enable("strikethrough")


def render(text: str | None) -> Markup:
    """The HTML of a memory's Markdown, marked safe for the templates (it escaped everything itself)."""
    return Markup(_RENDERER.render(text or ""))
