"""Server-rendered SVG charts: no chart library in the browser. Each chart is an image (role="img")
labelled by a text summary that the page shows beside it, with the data table next to it; the SVG uses
presentation attributes only (no inline styles, which the content security policy refuses).

A chart given a `title` carries it as the SVG's <title>: WeasyPrint makes that the alternate text (/Alt)
of the chart's Figure in the tagged PDF, which PDF/UA requires of every figure."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 200
BAR_AREA = 360
ROW = 28
BAR = 18
# GOV.UK colours with enough contrast against white and each other's neighbours.
COLOURS = ("#1d70b8", "#f47738", "#00703c", "#4c2c92")
TEXT = "#0b0c0c"

Number = int | float | Decimal


def _text(x: float, y: float, words: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="Arial, Helvetica, sans-serif" font-size="15" fill="{TEXT}" '
        f'text-anchor="{anchor}" '
        f'dominant-baseline="middle">{escape(words)}</text>'
    )


def _open(summary_id: str, height: int, title: str | None) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dashboard-chart" role="img" '
        f'aria-labelledby="{escape(summary_id)}" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false">' + (f"<title>{escape(title)}</title>" if title else "")
    )


def bar_chart(
    summary_id: str, rows: Sequence[tuple[str, Number | None]], *, unit: str = "", title: str | None = None
) -> Markup:
    """Horizontal bars, one a row, scaled to the largest value; a missing value draws no bar."""
    values = [float(v) for _, v in rows if v is not None]
    top = max(values, default=0.0) or 1.0
    height = ROW * max(len(rows), 1) + 8
    parts = [_open(summary_id, height, title)]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        middle = y + BAR / 2
        parts.append(_text(0, middle, label))
        if value is None:
            parts.append(_text(LABEL_WIDTH + 8, middle, "No data"))
            continue
        width = BAR_AREA * float(value) / top
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{COLOURS[0]}"/>')
        parts.append(_text(LABEL_WIDTH + width + 6, middle, f"{value}{unit}"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped) # nosec


def stacked_bar_chart(
    summary_id: str, rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], *, title: str | None = None
) -> Markup:
    """Horizontal stacked bars (one a row, one colour a series) with a legend underneath."""
    top = max((sum(values) for _, values in rows), default=0) or 1
    legend_y = ROW * max(len(rows), 1) + 12
    height = legend_y + ROW
    parts = [_open(summary_id, height, title)]
    for i, (label, values) in enumerate(rows):
        y = 4 + i * ROW
        parts.append(_text(0, y + BAR / 2, label))
        x = float(LABEL_WIDTH)
        for j, value in enumerate(values):
            width = BAR_AREA * value / top
            if width > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{COLOURS[j % len(COLOURS)]}"/>'
                )
            x += width
        parts.append(_text(x + 6, y + BAR / 2, str(sum(values))))
    x = 0.0
    for j, name in enumerate(series):
        parts.append(f'<rect x="{x:.1f}" y="{legend_y}" width="14" height="14" fill="{COLOURS[j % len(COLOURS)]}"/>')
        parts.append(_text(x + 20, legend_y + 7, name))
        x += 30 + 9 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped) # nosec
