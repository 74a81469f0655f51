"""Server-side SVG charts: stacked weekly bars and horizontal bars, accessible and script-free.

Every text is escaped; colours are presentation attributes, so the strict CSP (no inline style) holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

CATEGORY_COLOURS: dict[str, str] = {
    "personal_known": "#1b7f3b",
    "relevant_business": "#2563c9",
    "recruiter": "#7c4dcc",
    "sales_pitch": "#b85c00",
    "romantic_private": "#c2185b",
    "collector_generic": "#5f6b7a",
    "scam": "#b91c1c",
    "unscreened": "#9aa3ad",
}


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked series: its key, its label and its colour."""

    key: str
    label: str
    colour: str


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return float(step * 4 if step * 4 >= value else step * 5)
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def stacked_columns(
    chart_id: str,
    title: str,
    desc: str,
    columns: Sequence[tuple[str, dict[str, float]]],
    series: Sequence[Series],
    *,
    percent: bool = False,
) -> Markup:
    """Vertical columns, one per label, each stacked from `series` (or a single series)."""
    width, height = 640, 260
    left, right, top, bottom = 40, 10, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(vals.get(s.key, 0.0) for s in series) for _, vals in columns]
    ymax = 100.0 if percent else _nice_max(max(totals, default=0.0))
    parts: list[str] = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
    ]
    for i in range(5):
        value = ymax * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d5d9de" stroke-width="1"/>'
        )
        tick = f"{_fmt(value)}%" if percent else _fmt(value)
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5360">{escape(tick)}</text>'
        )
    n = max(len(columns), 1)
    slot = plot_w / n
    bar_w = max(min(slot * 0.7, 48.0), 2.0)
    label_every = max(1, round(n / 8))
    for idx, (label, vals) in enumerate(columns):
        x = left + slot * idx + (slot - bar_w) / 2
        y = top + plot_h
        for s in series:
            v = float(vals.get(s.key, 0.0))
            if v <= 0:
                continue
            h = plot_h * min(v, ymax) / ymax
            y -= h
            shown = f"{_fmt(v)}%" if percent else _fmt(v)
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{escape(s.colour)}" data-series="{escape(s.key)}">'
                f"<title>{escape(label)}: {escape(s.label)} {escape(shown)}</title></rect>"
            )
        if idx % label_every == 0:
            parts.append(
                f'<text class="label" x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" font-size="11" fill="#4a5360">{escape(label)}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="#4a5360" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    colour: str = "#2563c9",
    maximum: float | None = None,
) -> Markup:
    """One horizontal bar per (label, value, shown text) row, scaled to `maximum` or the largest value."""
    width = 640
    row_h, gap, top = 26, 8, 6
    label_w, text_w = 210, 110
    height = top * 2 + len(rows) * (row_h + gap)
    top_value = maximum if maximum is not None else max((v for _, v, _ in rows), default=0.0)
    top_value = top_value or 1.0
    plot_w = width - label_w - text_w
    parts: list[str] = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {max(height, 40)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
    ]
    for i, (label, value, shown) in enumerate(rows):
        y = top + i * (row_h + gap)
        w = plot_w * max(value, 0.0) / top_value
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + row_h * 0.68:.1f}" text-anchor="end" '
            f'font-size="12" fill="#1f2630">{escape(short)}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y}" width="{max(w, 1.5):.1f}" height="{row_h}" '
            f'fill="{escape(colour)}"><title>{escape(label)}: {escape(shown)}</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{label_w + max(w, 1.5) + 6:.1f}" y="{y + row_h * 0.68:.1f}" '
            f'font-size="12" fill="#1f2630">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["CATEGORY_COLOURS", "Series", "horizontal_bars", "stacked_columns"]
