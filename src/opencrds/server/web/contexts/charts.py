"""The two charts of the context pages: the context-history timeline and deliveries per
month (inline SVG from :mod:`..svg`; the pages show the same numbers in tables)."""

from __future__ import annotations

import datetime
import math
from urllib.parse import urlencode

from django.utils.safestring import SafeString

from ..svg import Chart, TimeScale
from .activity import MonthCounts
from .history import Change

LEFT, RIGHT, TOP, LANE = 90.0, 890.0, 24.0, 22.0
WIDTH = 900.0


def _short(name: str) -> str:
    return name.removesuffix(".pmap")


def timeline_chart(changes: list[Change], now: datetime.datetime) -> SafeString:
    """A lane of the contexts operational over time, then one lane per instrument with a dot
    at each change of its rules (area ~ rule lines changed; a link to the difference)."""
    if not changes:
        return Chart(WIDTH, 40, "Context history timeline", "No context was ever activated.").render()
    instruments = sorted({name for change in changes for name in change.instruments})
    height = TOP + LANE * (len(instruments) + 1) + 30
    start, last = changes[0].date, changes[-1].date
    # the last context runs until now: shown a little past its start, not for years
    end = max(last + datetime.timedelta(days=1), min(now, last + (last - start) * 0.05))
    scale = TimeScale(start, end, LEFT, RIGHT)
    chart = Chart(WIDTH, height, "Context history timeline",
                  f"Which context was operational when, from {start:%Y-%m-%d} to now, "
                  f"and how many rule lines changed per instrument at each of {len(changes)} "
                  "activations.")
    chart.text(4, TOP + LANE * 0.65, "context")
    for index, change in enumerate(changes):
        until = changes[index + 1].date if index + 1 < len(changes) else end
        x0 = scale.x(change.date)
        to = f"{until:%Y-%m-%d}" if index + 1 < len(changes) else "now"
        chart.rect(x0, TOP, scale.x(until) - x0, LANE - 4,
                   class_=f"span span-{index % 2}" + (" current" if to == "now" else ""),
                   tip=f"{change.new}: {change.date:%Y-%m-%d} to {to}",
                   href=f"/context_table/{change.new}")
    biggest = max((lines for c in changes for _, lines in c.instruments.values()), default=1)
    for lane, name in enumerate(instruments, start=1):
        y = TOP + LANE * lane + LANE / 2
        chart.text(4, y + 4, name)
        chart.line(LEFT, y, RIGHT, y, class_="lane")
        for change in changes:
            if name not in change.instruments:
                continue
            rmaps, lines = change.instruments[name]
            radius = 2 + 6 * math.sqrt(lines / biggest) if biggest else 2
            query = urlencode({"file1": change.old, "file2": change.new})
            chart.circle(scale.x(change.date), y, round(radius, 1), class_="change",
                         tip=f"{change.date:%Y-%m-%d} {name}: {rmaps} rmaps, {lines} rule lines "
                             f"changed ({_short(change.old)} to {_short(change.new)})",
                         href=f"/difference/?{query}")
    axis = TOP + LANE * (len(instruments) + 1) + 4
    chart.line(LEFT, axis, RIGHT, axis)
    for tick in scale.year_ticks():
        x = scale.x(tick)
        chart.line(x, axis, x, axis + 4)
        chart.text(x, axis + 18, str(tick.year), anchor="middle")
    return chart.render()


def deliveries_chart(counts: MonthCounts, title: str, height: float = 220.0) -> SafeString:
    """Stacked bars of references delivered per month, one colour per instrument."""
    if not counts.months:
        return Chart(WIDTH, 40, title, "No reference file was delivered.").render()
    bottom = height - 28
    peak = max(counts.total(month) for month in counts.months) or 1
    chart = Chart(WIDTH, height, title,
                  "References delivered (or, without a delivery date, first activated) per "
                  f"month and instrument, {counts.months[0]:%Y-%m} to "
                  f"{counts.months[-1]:%Y-%m}; the tallest month has {peak}.")
    step = (RIGHT - LEFT) / len(counts.months)
    chart.text(4, TOP, f"{peak} files")
    chart.line(LEFT, bottom, RIGHT, bottom)
    for series, name in enumerate(counts.instruments):
        x = RIGHT - 70 * (len(counts.instruments) - series)
        chart.rect(x, 6, 10, 10, class_=f"series-{series % 10}", tip=name)
        chart.text(x + 13, 15, name)
    for index, month in enumerate(counts.months):
        x, y = LEFT + index * step, bottom
        for series, name in enumerate(counts.instruments):
            n = counts.counts.get((month, name), 0)
            if not n:
                continue
            h = (bottom - TOP) * n / peak
            y -= h
            chart.rect(x + step * 0.1, y, step * 0.8, h, class_=f"series-{series % 10}",
                       tip=f"{month:%Y-%m} {name}: {n}")
        if month.month == 1 or len(counts.months) <= 24 and index % 3 == 0:
            chart.text(x + step / 2, bottom + 16,
                       f"{month:%Y}" if len(counts.months) > 24 else f"{month:%Y-%m}",
                       anchor="middle")
    return chart.render()
