"""The browser's charts, drawn on the server as inline SVG: no script, no library, nothing fetched.
Every text that reaches a chart is escaped here. Colours come from classes styled in ui.css."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 34


def _svg(body: list[str], label: str, width: int = WIDTH, height: int = HEIGHT) -> Markup:
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
                  f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text: str, cls: str = "axis", anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{escape(text)}</text>'


def confidence_curve(period_days: float | None, threshold: float, days_since: float,
                     below_at: dt.datetime | None) -> Markup:
    """Confidence ``0.5 ** (days / period)`` from the last reinforcement until it falls below
    ``threshold`` (plus a margin); a dot marks today, a dashed line the archive threshold."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if period_days is None:
        horizon = max(30.0, days_since * 1.2)
    else:
        horizon = max(period_days * math.log2(1 / threshold) * 1.15, days_since * 1.1)

    def x(day: float) -> float:
        return LEFT + plot_w * min(day / horizon, 1.0)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value)

    def conf(day: float) -> float:
        return 1.0 if period_days is None else 0.5 ** (day / period_days)

    points = " ".join(f"{x(horizon * i / 80):.1f},{y(conf(horizon * i / 80)):.1f}" for i in range(81))
    body = [f'<line x1="{LEFT}" y1="{y(0)}" x2="{LEFT + plot_w}" y2="{y(0)}" class="frame"/>',
            f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{y(0)}" class="frame"/>',
            *(_text(LEFT - 6, y(v) + 4, f"{v:g}", anchor="end") for v in (0, 0.5, 1)),
            f'<line x1="{LEFT}" y1="{y(threshold):.1f}" x2="{LEFT + plot_w}" y2="{y(threshold):.1f}" class="threshold"/>',
            _text(LEFT + plot_w, y(threshold) - 4, f"archive threshold {threshold:g}", anchor="end"),
            f'<polyline points="{points}" class="curve"/>',
            f'<circle cx="{x(days_since):.1f}" cy="{y(conf(days_since)):.1f}" r="4" class="now"/>',
            f'<line x1="{x(days_since):.1f}" y1="{y(conf(days_since)):.1f}" x2="{x(days_since):.1f}" '
            f'y2="{y(0)}" class="marker"/>',
            _text(x(days_since) + 4, HEIGHT - 21, "today"),
            _text(LEFT, HEIGHT - 8, "last reinforced"),
            _text(LEFT + plot_w, HEIGHT - 8, f"+{horizon:.0f} days", anchor="end")]
    if below_at is not None and period_days is not None:
        day = period_days * math.log2(1 / threshold)
        body += [f'<line x1="{x(day):.1f}" y1="{TOP}" x2="{x(day):.1f}" y2="{y(0)}" class="marker"/>',
                 _text(x(day) - 6, TOP + 12, f"below {threshold:g} on {below_at:%Y-%m-%d}", anchor="end")]
    label = "Confidence over time" + ("" if period_days is None else f", halving every {period_days:g} days")
    return _svg(body, label)


@dataclass(frozen=True)
class Series:
    """One coloured part of a stacked bar: its name (legend), CSS class and a value per bar."""

    name: str
    cls: str
    values: Sequence[float]


def stacked_bars(labels: Sequence[str], series: Sequence[Series], title: str) -> Markup:
    """Vertical bars, one per label, each stacking the series' values; a legend and the max on the axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    slot = plot_w / max(len(labels), 1)
    bar = max(min(slot * 0.7, 40), 1)
    body = [f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" class="frame"/>',
            _text(LEFT - 6, TOP + 8, _short(top), anchor="end"), _text(LEFT - 6, TOP + plot_h, "0", anchor="end")]
    for i, label in enumerate(labels):
        x, base = LEFT + slot * i + (slot - bar) / 2, TOP + plot_h
        for s in series:
            h = plot_h * s.values[i] / top
            if h > 0:
                base -= h
                body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" class="{s.cls}">'
                            f'<title>{escape(label)}: {escape(s.name)} {s.values[i]:,.0f}</title></rect>')
        if len(labels) <= 12 or i % math.ceil(len(labels) / 12) == 0:
            body.append(_text(x + bar / 2, HEIGHT - 16, label, anchor="middle"))
    body += _legend(series, LEFT + 8)
    return _svg(body, title)


def _legend(series: Sequence[Series], x0: float, bottom: float = HEIGHT) -> list[str]:
    out, x = [], x0
    for s in series:
        out += [f'<rect x="{x:.1f}" y="{bottom - 10}" width="10" height="10" class="{s.cls}"/>',
                _text(x + 14, bottom - 1, s.name)]
        x += 24 + 7 * len(s.name)
    return out


def horizontal_bars(labels: Sequence[str], series: Sequence[Series], title: str) -> Markup:
    """One horizontal bar per label (memory type), stacking the series (fresh, fading, archived)."""
    row, left = 26, 96
    height = TOP + row * max(len(labels), 1) + 30
    plot_w = WIDTH - left - RIGHT - 48  # room for the total after the bar
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    body = []
    for i, label in enumerate(labels):
        y, x = TOP + row * i, float(left)
        body.append(_text(left - 8, y + 15, label, anchor="end"))
        for s in series:
            w = plot_w * s.values[i] / top
            if w > 0:
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 8}" class="{s.cls}">'
                            f'<title>{escape(label)}: {escape(s.name)} {s.values[i]:,.0f}</title></rect>')
                x += w
        body.append(_text(x + 6, y + 15, f"{totals[i]:,.0f}"))
    return _svg(body + _legend(series, left, height - 2), title, height=height)


def _short(value: float) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:,.0f}"
