"""The picture of an rmap's UseAfter history (SERVER.md §1.8, "better than CRDS"): one row per
match tuple, a mark per UseAfter date linked to the reference it selects, and a time axis
with year ticks. Big rmaps are cut to :data:`MAX_ROWS` rows with a note."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.safestring import SafeString

from ..svg import Chart, TimeScale
from .relations import Row

#: Most match tuples drawn.
MAX_ROWS = 60
_LABEL_WIDTH = 300.0
_PLOT_WIDTH = 620.0
_ROW_HEIGHT = 16.0
_TOP, _BOTTOM = 30.0, 34.0
#: UseAfter dates before this are CRDS's "since always" placeholders: drawn at the left edge.
_EARLIEST = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)


@dataclass
class Picture:
    """The chart (None when nothing is dated) and how many rows were left out."""

    svg: SafeString | None
    rows_drawn: int
    rows_total: int


def _date(text: str) -> datetime.datetime | None:
    try:
        value = datetime.datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _label(match: tuple[str, ...], limit: int = 46) -> str:
    text = " | ".join(match) or "(all)"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def useafter_picture(rmap_name: str, rows: list[Row]) -> Picture:
    """The UseAfter picture of ``rows`` (those with at least one dated entry)."""
    dated = [(row, [(d, v) for when, v in row.entries if (d := _date(when))])
             for row in rows]
    dated = [(row, marks) for row, marks in dated if marks]
    if not dated:
        return Picture(None, 0, 0)
    shown = dated[:MAX_ROWS]
    moments = [d for _row, marks in dated for d, _v in marks if d >= _EARLIEST]
    start = min(moments, default=_EARLIEST)
    end = max(moments, default=_EARLIEST + datetime.timedelta(days=365))
    start -= datetime.timedelta(days=60)
    end += datetime.timedelta(days=60)
    height = _TOP + _ROW_HEIGHT * len(shown) + _BOTTOM
    width = _LABEL_WIDTH + _PLOT_WIDTH + 20
    chart = Chart(width, height, f"UseAfter history of {rmap_name}",
                  f"{len(shown)} match rows from {start:%Y} to {end:%Y}; each mark is a "
                  "reference file's UseAfter date and links to its page.",
                  css_class="chart useafter-chart")
    scale = TimeScale(start, end, _LABEL_WIDTH, _LABEL_WIDTH + _PLOT_WIDTH)
    bottom = _TOP + _ROW_HEIGHT * len(shown)
    for tick in scale.year_ticks():
        x = scale.x(tick)
        chart.line(x, _TOP - 6, x, bottom, class_="grid")
        chart.text(x, bottom + 16, f"{tick:%Y}", class_="tick", anchor="middle")
    chart.line(_LABEL_WIDTH, bottom, _LABEL_WIDTH + _PLOT_WIDTH, bottom)
    chart.text(_LABEL_WIDTH, 14, "UseAfter date →", class_="axis-title")
    for index, (row, marks) in enumerate(shown):
        y = _TOP + _ROW_HEIGHT * index + _ROW_HEIGHT / 2
        chart.text(_LABEL_WIDTH - 8, y + 4, _label(row.match), class_="row-label", anchor="end")
        chart.line(_LABEL_WIDTH, y, _LABEL_WIDTH + _PLOT_WIDTH, y, class_="row-line")
        for when, value in marks:
            chart.rect(scale.x(when) - 1, y - 5, 2, 10, class_="mark",
                         tip=f"{value} — useafter {when:%Y-%m-%d %H:%M:%S}",
                         href=f"/browse/{value}" if "," not in value else None)
    return Picture(chart.render(), len(shown), len(dated))
