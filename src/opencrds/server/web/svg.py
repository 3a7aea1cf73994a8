"""Small inline SVG charts drawn on the server: no JavaScript, no CDN, readable by screen
readers (``role="img"`` with a title and a description; each mark has a ``<title>`` tooltip).

Pages draw with :class:`Chart` and map dates with :class:`TimeScale`; every page that shows a
chart also shows the same numbers as a table or list, for those who cannot see it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe


def _attrs(values: dict[str, object]) -> str:
    return "".join(f' {key.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
                   for key, value in values.items() if value is not None)


@dataclass
class Chart:
    """An SVG drawing of ``width`` × ``height`` user units that scales to its container."""

    width: float
    height: float
    title: str
    description: str = ""
    css_class: str = "chart"
    _parts: list[str] = field(default_factory=list)

    def _add(self, tag: str, tip: str | None, attrs: dict[str, object], text: str = "") -> None:
        inner = (f"<title>{escape(tip)}</title>" if tip else "") + escape(text)
        self._parts.append(f"<{tag}{_attrs(attrs)}>{inner}</{tag}>")

    def _mark(self, tag: str, tip: str | None, attrs: dict[str, object],
              href: str | None) -> None:
        """A shape, inside a link to ``href`` when given (keyboard-focusable)."""
        if href:
            self._parts.append(f'<a href="{escape(href)}">')
        self._add(tag, tip, attrs)
        if href:
            self._parts.append("</a>")

    def rect(self, x: float, y: float, width: float, height: float, *, class_: str = "",
             tip: str | None = None, href: str | None = None) -> None:
        """A bar or box; with ``href`` it is a link (keyboard-focusable)."""
        attrs = {"x": round(x, 2), "y": round(y, 2), "width": round(max(width, 0.5), 2),
                 "height": round(max(height, 0.5), 2), "class": class_ or None}
        self._mark("rect", tip, attrs, href)

    def circle(self, x: float, y: float, r: float, *, class_: str = "", tip: str | None = None,
               href: str | None = None) -> None:
        attrs = {"cx": round(x, 2), "cy": round(y, 2), "r": r, "class": class_ or None}
        self._mark("circle", tip, attrs, href)

    def line(self, x1: float, y1: float, x2: float, y2: float, *, class_: str = "axis") -> None:
        self._add("line", None, {"x1": round(x1, 2), "y1": round(y1, 2), "x2": round(x2, 2),
                                 "y2": round(y2, 2), "class": class_})

    def text(self, x: float, y: float, text: str, *, class_: str = "label",
             anchor: str = "start") -> None:
        self._add("text", None, {"x": round(x, 2), "y": round(y, 2), "class": class_,
                                 "text_anchor": anchor}, text)

    def render(self) -> SafeString:
        """The ``<svg>`` element, safe to put in a template."""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}"'
                f' class="{escape(self.css_class)}" role="img" preserveAspectRatio="xMinYMin meet">'
                f"<title>{escape(self.title)}</title>"
                + (f"<desc>{escape(self.description)}</desc>" if self.description else ""))
        return mark_safe(head + "".join(self._parts) + "</svg>")  # noqa: S308 (all escaped)


@dataclass(frozen=True)
class TimeScale:
    """Maps datetimes in [start, end] to x in [x0, x1]."""

    start: datetime.datetime
    end: datetime.datetime
    x0: float
    x1: float

    def x(self, when: datetime.datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        fraction = (when - self.start).total_seconds() / span
        return self.x0 + min(max(fraction, 0.0), 1.0) * (self.x1 - self.x0)

    def year_ticks(self) -> list[datetime.datetime]:
        """1 January of every year inside the scale (every second/fifth year when many)."""
        years = list(range(self.start.year + 1, self.end.year + 1))
        step = 1 if len(years) <= 12 else 2 if len(years) <= 24 else 5
        tz = self.start.tzinfo
        return [datetime.datetime(year, 1, 1, tzinfo=tz) for year in years[::step]]
