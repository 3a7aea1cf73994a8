"""What the client reads in the server's HTML pages, with the standard library's parser:
the error message of a failed request and the text of elements by ``id`` (PROTOCOL.md §7.2,
§7.3 step 13)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Elements that never hold content (no end tag).
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})

#: ``Logical Diff (..., 'old.rmap', 'new.rmap')`` in a result page.
_LOGICAL_DIFF = re.compile(r"Logical\s+Diff\s*\(.*?'([^'\s]+\.[pir]map)'\s*,\s*"
                           r"'([^'\s]+\.[pir]map)'\s*\)", re.DOTALL)


@dataclass
class Element:
    """An element of interest: its own text, the text of its first ``<a>`` and of its first
    child element."""

    tag: str
    text: list[str] = field(default_factory=list)
    link_text: list[str] | None = None
    child_text: list[str] | None = None

    @property
    def own(self) -> str:
        return " ".join("".join(self.text).split())

    @property
    def link(self) -> str:
        return " ".join("".join(self.link_text or []).split())

    @property
    def child(self) -> str:
        return " ".join("".join(self.child_text or []).split())


class _Collector(HTMLParser):
    """Collects the elements whose ``id`` is wanted, the error-message divs and the title."""

    def __init__(self, ids: Iterable[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted = set(ids)
        self.by_id: dict[str, Element] = {}
        self.errors: list[Element] = []
        self.title: list[str] | None = None
        self._open: list[tuple[str, list[tuple[Element, str]]]] = []  # (tag, roles it holds)
        self._in_title = False

    def _active(self) -> list[tuple[Element, str]]:
        return [role for _, roles in self._open for role in roles]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "title" and self.title is None:
            self.title, self._in_title = [], True
        roles: list[tuple[Element, str]] = []
        for element, role in self._active():  # a child of a collected element
            if role == "own" and tag == "a" and element.link_text is None:
                element.link_text = []
                roles.append((element, "link"))
            if role == "own" and element.child_text is None:
                element.child_text = []
                roles.append((element, "child"))
        element_id = values.get("id", "")
        classes = values.get("class", "").split()
        if element_id in self.wanted and element_id not in self.by_id:
            self.by_id[element_id] = Element(tag)
            roles.append((self.by_id[element_id], "own"))
        if tag == "div" and (element_id == "error_message" or "error_message" in classes):
            self.errors.append(Element(tag))
            roles.append((self.errors[-1], "own"))
        if tag not in _VOID:
            self._open.append((tag, roles))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        for index in range(len(self._open) - 1, -1, -1):  # tolerate unclosed inner tags
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if self._in_title and self.title is not None:
            self.title.append(data)
        for element, role in self._active():
            {"own": element.text, "link": element.link_text,
             "child": element.child_text}[role].append(data)  # type: ignore[union-attr]


def _collect(html: str, ids: Iterable[str] = ()) -> _Collector:
    collector = _Collector(ids)
    collector.feed(html)
    collector.close()
    return collector


def error_message(html: str) -> str | None:
    """The text of the first non-empty ``<div id="error_message">`` (or class
    ``error_message``): its own text, else its first child's; None when there is none."""
    for element in _collect(html).errors:
        text = element.own or element.child
        if text:
            return text
    return None


def page_title(html: str) -> str:
    """The page's ``<title>`` text ('' when none)."""
    title = _collect(html).title
    return " ".join("".join(title or []).split())


def texts_by_id(html: str, ids: Iterable[str], *, prefer_link: bool = True) -> dict[str, str]:
    """For each ``id`` found in ``html``: the text of its first ``<a>`` (with ``prefer_link``)
    or else the element's own text, whitespace collapsed. Ids not found are left out."""
    found = {}
    for element_id, element in _collect(html, ids).by_id.items():
        text = (element.link if prefer_link else "") or element.own
        if text:
            found[element_id] = text
    return found


class _ListItems(HTMLParser):
    """The ``<li>`` texts of the lists whose ``class`` holds a given name."""

    def __init__(self, class_name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.class_name = class_name
        self.items: list[list[str]] = []
        self._depth = 0  # open elements inside a matching list (0: outside)
        self._in_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self._depth:
            self._depth += 1
            if tag == "li":
                self.items.append([])
                self._in_item = True
        elif tag in ("ul", "ol") and self.class_name in (dict(attrs).get("class") or "").split():
            self._depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag not in _VOID:
            self._depth -= 1
            if tag == "li":
                self._in_item = False

    def handle_data(self, data: str) -> None:
        if self._depth and self._in_item:
            self.items[-1].append(data)


def list_items(html: str, class_name: str) -> list[str]:
    """The texts of the ``<li>`` items of ``<ul class="… class_name …">`` lists."""
    parser = _ListItems(class_name)
    parser.feed(html)
    parser.close()
    return [text for text in (" ".join("".join(item).split()) for item in parser.items)
            if text]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_LOG_ERROR = re.compile(r"^\s*(?:CRDS\s*-\s*)?ERROR\s*-\s*(.+?)\s*$")


def page_text(html: str) -> str:
    """The text of a page, tags removed (lines kept)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def logged_errors(html: str) -> list[str]:
    """The messages of the ``ERROR - message`` log lines a page shows (certify logs)."""
    return [match[1] for line in page_text(html).splitlines()
            if (match := _LOG_ERROR.match(line))]


def logical_diffs(html: str) -> list[tuple[str, str]]:
    """The ``(old, new)`` mapping pairs of the ``Logical Diff (…, 'old', 'new')`` strings."""
    return [(old, new) for old, new in _LOGICAL_DIFF.findall(html)]
