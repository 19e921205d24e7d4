"""The memory browser's pieces without a browser: safe Markdown, the SVG charts, sessions and CSRF."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from zikra_bridge.ui import charts, markdown
from zikra_bridge.ui.sessions import SessionStore

HOSTILE = ('<script>window.pwned = 1</script>\n\n<img src=x onerror="window.pwned = 1">\n\n'
           '[click](javascript:window.pwned=1) <a href="#" onclick="window.pwned=1">a</a>\n\n'
           '<svg onload="window.pwned=1"></svg> <iframe src="javascript:1"></iframe>')


def test_markdown_renders_formatting_and_escapes_all_html():
    html = str(markdown.render("# Deploy\n\n**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" + HOSTILE))
    assert "<h1>Deploy</h1>" in html and "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<table>" in html
    for tag in ("<script", "<img", "<a href=\"#\"", "<svg", "<iframe"):
        assert tag not in html
    assert "&lt;script&gt;" in html and "onerror" in html  # shown as text, not as an attribute
    assert not re.search(r"<[^>]+\son\w+=", html)
    assert 'href="javascript' not in html


def test_confidence_curve_is_valid_svg_marking_the_archive_date():
    below = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    svg = str(charts.confidence_curve(90, 0.1, 10.0, below))
    root = ET.fromstring(svg)
    points = [tuple(map(float, p.split(","))) for p in root.find("{*}polyline").get("points").split()]
    ys = [y for _, y in points]
    assert ys == sorted(ys), "confidence only falls"
    assert "2027-03-01" in svg and "halving every 90 days" in svg
    flat = ET.fromstring(str(charts.confidence_curve(None, 0.1, 3.0, None)))
    assert len({p.split(",")[1] for p in flat.find("{*}polyline").get("points").split()}) == 1


def test_bar_charts_scale_to_the_largest_total_and_escape_labels():
    series = [charts.Series("in", "s-in", [100, 300, 0]), charts.Series("out", "s-out", [100, 0, 0])]
    root = ET.fromstring(str(charts.stacked_bars(["a", "<b>", "c"], series, "t")))
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.find("{*}title") is not None]
    heights = {r.find("{*}title").text: float(r.get("height")) for r in bars}
    assert heights["<b>: in 300"] == max(heights.values())
    assert abs(heights["a: in 100"] + heights["a: out 100"] - heights["<b>: in 300"] * 2 / 3) < 0.2
    assert "<b>" not in str(charts.stacked_bars(["<b>"], series[:1], "t")).replace("<b>: ", "")
    bars = ET.fromstring(str(charts.horizontal_bars(["decision"], [charts.Series("fresh", "s-fresh", [3])], "t")))
    assert bars.find("{*}title").text == "t"


def test_sessions_expire_rotate_and_check_csrf():
    now = [1000.0]
    store = SessionStore(idle_s=60, clock=lambda: now[0])
    anonymous = store.new()
    session = store.new("zk_secret", "writer")
    assert session.sid != anonymous.sid and session.csrf != anonymous.csrf
    assert store.get(session.sid) is session and session.can_write and not session.is_admin
    assert session.csrf_ok(session.csrf) and not session.csrf_ok(anonymous.csrf) and not session.csrf_ok("")
    now[0] += 59
    assert store.get(session.sid) is session  # a request restarts the idle clock
    now[0] += 61
    assert store.get(session.sid) is None and store.get(None) is None
