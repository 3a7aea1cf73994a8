"""The public difference of two catalogued files (SERVER.md §1.6 "Context diff", §1.14).

Mappings: the logical differences of :func:`opencrds.rules.diff.logical_diffs`, grouped by the
mapping pair they belong to (pmap, imaps, rmaps), each pair with a table of its differences
and a unified text diff. References: the FITS report of :mod:`opencrds.io.filediff` (astropy
FITSDiff plus table rows), a unified text diff for ASDF/JSON/YAML.

Big context differences stay bounded: every changed pair is listed, but rows and text lines
are only rendered up to :data:`MAX_ROWS` and :data:`MAX_TEXT_LINES` for the whole page; the
pairs beyond link to a page of their own. Parsed mappings are kept per process (mapping files
never change once named).
"""

from __future__ import annotations

import difflib
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from opencrds.io.filediff import diff_files, file_kind
from opencrds.rules.diff import logical_diffs
from opencrds.rules.errors import CrdsError
from opencrds.rules.naming import is_mapping
from opencrds.rules.parser import ParsedMapping, SelectorCall, parse_mapping_text

from ...catalog.filestore import get_file_store, is_safe_name
from ...catalog.models import FileRecord

#: Logical-difference rows rendered on one page (all pairs together).
MAX_ROWS = 500
#: Text-diff lines rendered on one page (all pairs together).
MAX_TEXT_LINES = 1500
#: Bytes of a text reference (ASDF, JSON, YAML) compared.
MAX_TEXT_BYTES = 4 * 1024 * 1024
_PARSED: dict[tuple[str, str], ParsedMapping] = {}
_PARSED_LIMIT = 600
#: Differences computed, by (observatory, file1, file2): the files never change once named.
_DONE: dict[tuple[str, str, str], Difference] = {}
_DONE_LIMIT = 24
_LOCK = threading.Lock()
_MAPPING_ENDS = (".pmap", ".imap", ".rmap")
_FILE_WORD = re.compile(r"'?([A-Za-z0-9_.\-]+\.(?:fits|asdf|json|yaml|yml|pmap|imap|rmap|"
                        r"r\dh|c\dh|txt|csv))'?$", re.IGNORECASE)


def _is_pair(element: Any) -> bool:
    """A (old, new) pair of mapping names in a difference tuple (cheap test)."""
    return (type(element) is tuple and len(element) == 2 and type(element[0]) is str
            and element[0].endswith(_MAPPING_ENDS) and type(element[1]) is str
            and element[1].endswith(_MAPPING_ENDS))


class DifferenceError(ValueError):
    """Two names that cannot be differenced (the message names the file); ``status`` is the
    page's HTTP status: 404 for a name the catalog does not know, else 400."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def lines_html(lines: list[tuple[str, str]]) -> SafeString:
    """Diff lines as ``<span class="line CLASS">`` elements (the inside of a ``<pre>``);
    built here rather than in a template loop, which is ten times slower."""
    return mark_safe("".join(f'<span class="line {cls}">{escape(line)}</span>'  # noqa: S308
                             for cls, line in lines))


@dataclass
class LogicalRow:
    """One logical difference: the selector values leading to it and what changed."""

    keys: list[str]
    difference: list[tuple[str, bool]]  # words of the message; True for a file name

    def html(self) -> str:
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in self.keys)
        words = " ".join(f'<a href="/browse/{escape(word)}">{escape(word)}</a>' if is_file
                         else escape(word) for word, is_file in self.difference)
        return f'<tr>{cells}<td class="difference">{words}</td></tr>'


@dataclass
class PairDiff:
    """The differences of one (old, new) mapping pair."""

    old: str
    new: str
    level: int
    columns: list[str] = field(default_factory=list)
    rows: list[LogicalRow] = field(default_factory=list)
    count: int = 0
    text: list[tuple[str, str]] = field(default_factory=list)  # (css class, line)
    detailed: bool = True
    rows_cut: int = 0
    text_cut: int = 0

    @property
    def is_rmap(self) -> bool:
        return self.new.endswith(".rmap")

    @property
    def rows_html(self) -> SafeString:
        """The logical table's body rows."""
        return mark_safe("".join(row.html() for row in self.rows))  # noqa: S308

    @property
    def text_html(self) -> SafeString:
        return lines_html(self.text)

    @property
    def anchor(self) -> str:
        return "diff_" + re.sub(r"[^A-Za-z0-9]", "_", self.new)


@dataclass
class Difference:
    """What the difference page shows for ``file1`` against ``file2``."""

    file1: str
    file2: str
    kind: str  # "mapping" or "reference"
    pairs: list[PairDiff] = field(default_factory=list)
    text: list[tuple[str, str]] = field(default_factory=list)
    identical: bool = False
    note: str = ""
    html: str | None = None  # the page body, once rendered

    @property
    def total(self) -> int:
        return sum(pair.count for pair in self.pairs)

    @property
    def text_html(self) -> SafeString:
        return lines_html(self.text)


# ---- names and files -------------------------------------------------------------------------

def check_name(observatory: str, name: str) -> str:
    """``name`` if it is a file of the catalog, else :class:`DifferenceError`."""
    name = (name or "").strip()
    if not name:
        raise DifferenceError("Give two file names: file1 and file2.", 404)
    if not is_safe_name(name) or not FileRecord.objects.filter(
            observatory=observatory, name=name).exists():
        raise DifferenceError(f"'{name[:120]}' is not a file of {observatory.upper()} CRDS.",
                              404)
    return name


def _path(observatory: str, name: str) -> str:
    try:
        return os.fspath(get_file_store().servable_path(observatory, name))  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        raise DifferenceError(f"'{name}' is catalogued but its contents are not on this "
                              "server.", 404) from None


def _mapping_text(observatory: str, name: str) -> str:
    try:
        return get_file_store().read_text(observatory, name, "mappings")
    except (OSError, ValueError, UnicodeDecodeError):
        raise DifferenceError(f"'{name}' is catalogued but its text is not on this "
                              "server.", 404) from None


def parsed_mapping(observatory: str, name: str) -> ParsedMapping:
    """The parsed text of mapping ``name``, kept for the life of the process."""
    key = (observatory, os.path.basename(name))
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = _already_loaded(observatory, key[1])
    if parsed is None:
        parsed = parse_mapping_text(_mapping_text(observatory, key[1]), key[1])
        with _LOCK:
            if len(_PARSED) >= _PARSED_LIMIT:
                _PARSED.clear()
            _PARSED[key] = parsed
    return parsed


def _already_loaded(observatory: str, name: str) -> ParsedMapping | None:
    """The parsed text of a mapping the server's warm loader already holds (the operational
    context's, typically), so it is not parsed twice."""
    from ...catalog import contexts

    try:
        loader = contexts.loader(observatory)
        if name not in loader.loaded_names():
            return None
        return loader.load(name).parsed
    except Exception:  # noqa: BLE001 - only a shortcut: parse the text instead
        return None


# ---- text diffs ------------------------------------------------------------------------------

def classify_lines(text: str) -> list[tuple[str, str]]:
    """A unified diff as (css class, line): ``add``, ``del``, ``hunk`` or ``""``."""
    lines = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            cls = "hunk"
        elif line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        else:
            cls = ""
        lines.append((cls, line))
    return lines


def unified(old_name: str, old: str, new_name: str, new: str) -> str:
    """The unified diff of two texts, named by the files."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True), old_name, new_name))


# ---- mapping differences ---------------------------------------------------------------------

def _message_words(message: str) -> list[tuple[str, bool]]:
    words = []
    for word in str(message).split():
        match = _FILE_WORD.fullmatch(word)
        words.append((match.group(1), True) if match and not word.upper().startswith("N/A")
                     else (word, False))
    return words


def _columns(parsed: ParsedMapping) -> tuple[list[str], int]:
    """The column names of an rmap's logical table, and how many the first level fills: its
    Match parameters one per column, then one column per deeper selector level (``DATE-OBS
    TIME-OBS`` for UseAfter)."""
    parkey = parsed.header.get("parkey", ())
    columns: list[str] = []
    width = 1
    for index, level in enumerate(parkey if isinstance(parkey, tuple) else ()):
        names = tuple(map(str, level)) if isinstance(level, tuple) else (str(level),)
        if index == 0 and len(names) > 1 and isinstance(parsed.selector, SelectorCall) \
                and parsed.selector.class_name != "UseAfter":
            columns.extend(names)
            width = len(names)
        else:
            columns.append(" ".join(names) or "KEY")
    return columns, width


def _row(keys: tuple[Any, ...], columns: list[str], first_width: int) -> list[str]:
    """The cells of one difference's selector keys under ``columns``."""
    cells: list[str] = []
    for index, key in enumerate(keys):
        values = tuple(map(str, key)) if isinstance(key, tuple) else (str(key),)
        if index == 0 and first_width > 1:
            cells.extend(list(values[:first_width]) + [""] * (first_width - len(values)))
        else:
            cells.append(" ".join(values))
    return (cells + [""] * len(columns))[:len(columns)] if columns else cells


def mapping_difference(observatory: str, file1: str, file2: str) -> Difference:
    """The logical and text differences of two catalogued mappings."""
    def load(name: str) -> ParsedMapping:
        return parsed_mapping(observatory, name)

    try:
        diffs = logical_diffs(file1, file2, load)
    except DifferenceError:
        raise
    except (CrdsError, SyntaxError, ValueError, KeyError, TypeError) as exc:
        raise DifferenceError(f"Cannot difference '{file1}' and '{file2}': {exc}") from None
    result = Difference(file1, file2, "mapping")
    pairs: dict[tuple[str, str], PairDiff] = {}
    top = (file1, file2)
    pairs[top] = PairDiff(file1, file2, 0)
    for diff in diffs:
        chain = [e for e in diff[:-1] if _is_pair(e)]
        for level, pair in enumerate(chain):
            pair = (os.path.basename(pair[0]), os.path.basename(pair[1]))
            if pair not in pairs:
                pairs[pair] = PairDiff(pair[0], pair[1], level)
        lowest = chain[-1] if chain else top
        entry = pairs[(os.path.basename(lowest[0]), os.path.basename(lowest[1]))]
        entry.count += 1
        start = max(i for i, e in enumerate(diff[:-1]) if e == lowest) + 1 if chain else 0
        entry.rows.append(LogicalRow(list(diff[start:-1]), _message_words(diff[-1])))
    ordered = sorted(pairs.values(), key=lambda p: (p.level, p.new.rsplit(".", 1)[-1] != "pmap",
                                                    p.new))
    rows_left, lines_left = MAX_ROWS, MAX_TEXT_LINES
    for pair in ordered:
        parsed = load(pair.new)
        if pair.is_rmap:
            pair.columns, width = _columns(parsed)
        else:
            pair.columns = ["instrument" if pair.new.endswith(".pmap") else "type"]
            width = 1
        if rows_left <= 0 or lines_left <= 0:
            pair.detailed = False
            pair.rows_cut = len(pair.rows)
            pair.rows = []
            continue
        for row in pair.rows:
            row.keys = _row(tuple(row.keys), pair.columns, width)
        if len(pair.rows) > rows_left:
            pair.rows_cut = len(pair.rows) - rows_left
            pair.rows = pair.rows[:rows_left]
        rows_left -= len(pair.rows)
        text = classify_lines(unified(pair.old, _mapping_text(observatory, pair.old),
                                      pair.new, _mapping_text(observatory, pair.new)))
        if len(text) > lines_left:
            pair.text_cut = len(text) - lines_left
            text = text[:lines_left]
        lines_left -= len(text)
        pair.text = text
    result.pairs = ordered
    result.identical = not diffs
    return result


# ---- reference differences -------------------------------------------------------------------

def _read_text(path: str) -> tuple[str, bool]:
    with open(path, "rb") as stream:
        data = stream.read(MAX_TEXT_BYTES + 1)
    return data[:MAX_TEXT_BYTES].decode("utf-8", errors="replace"), len(data) > MAX_TEXT_BYTES


def reference_difference(observatory: str, file1: str, file2: str) -> Difference:
    """The differences of two catalogued non-mapping files."""
    a, b = _path(observatory, file1), _path(observatory, file2)
    result = Difference(file1, file2, "reference")
    kinds = {file_kind(file1), file_kind(file2)}
    if kinds == {"fits"}:
        try:
            found = diff_files(a, b)
        except Exception as exc:  # noqa: BLE001 - a corrupt file is reported, not a 500
            raise DifferenceError(f"Cannot compare '{file1}' and '{file2}': "
                                  f"{type(exc).__name__}: {exc}") from None
        text = found.text.replace(a, file1).replace(b, file2)
        for folder in {os.path.dirname(a), os.path.dirname(b)}:
            text = text.replace(folder + os.sep, "")
        result.identical = not found.different
        result.text = [("", line) for line in text.splitlines()]
    elif kinds == {"text"} or (file_kind(file1) == file_kind(file2) != "unknown"):
        (old, cut1), (new, cut2) = _read_text(a), _read_text(b)
        result.text = classify_lines(unified(file1, old, file2, new))
        result.identical = not result.text
        if cut1 or cut2:
            result.note = (f"Only the first {MAX_TEXT_BYTES // (1024 * 1024)} MB of each file "
                           "were compared.")
    else:
        with open(a, "rb") as first, open(b, "rb") as second:
            same = first.read() == second.read()
        result.identical = same
        result.note = ("The files are identical." if same else
                       f"'{file1}' and '{file2}' differ; files of this kind have no detailed "
                       "comparison.")
    if len(result.text) > MAX_TEXT_LINES:
        result.note = f"{len(result.text) - MAX_TEXT_LINES} more lines are not shown."
        result.text = result.text[:MAX_TEXT_LINES]
    return result


def difference(observatory: str, first: str, second: str) -> Difference:
    """The difference of two catalogued files; :class:`DifferenceError` for unknown names or
    a mapping compared with a reference. Kept for the process (the last few asked for)."""
    file1, file2 = check_name(observatory, first), check_name(observatory, second)
    key = (observatory, file1, file2)
    found = _DONE.get(key)
    if found is None:
        found = _difference(observatory, file1, file2)
        with _LOCK:
            if len(_DONE) >= _DONE_LIMIT:
                _DONE.pop(next(iter(_DONE)))
            _DONE[key] = found
    return found


def _difference(observatory: str, file1: str, file2: str) -> Difference:
    if is_mapping(file1) and is_mapping(file2):
        return mapping_difference(observatory, file1, file2)
    if is_mapping(file1) or is_mapping(file2):
        mapping, other = (file1, file2) if is_mapping(file1) else (file2, file1)
        raise DifferenceError(f"Cannot compare the mapping '{mapping}' with the reference "
                              f"'{other}'.")
    return reference_difference(observatory, file1, file2)
