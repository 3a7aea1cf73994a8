"""A safe parser for CRDS mapping text (.pmap / .imap / .rmap).

Mapping files are a small subset of Python literal syntax (RULES.md §1). This module reads that
subset with its own tokenizer and recursive-descent parser: nothing is ever evaluated or
executed. Anything outside the subset is a :class:`MappingError` naming the file, line and column.

The tokenizer runs as one C-level ``re.findall`` over the whole text and the parser has a fast
path for the ``'string' : 'string',`` entries that make up almost all of a real rmap, so parsing
is several times faster than ``ast.parse``.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from .errors import MappingError

SELECTOR_CLASSES = (
    "Bracket",
    "ClosestTime",
    "GeometricallyNearest",
    "Match",
    "SelectVersion",
    "UseAfter",
    "VersionAfter",
)
_SELECTOR_SET = frozenset(SELECTOR_CLASSES)
STATEMENT_NAMES = ("header", "comment", "selector")

MAX_NESTING = 64
MAX_TEXT_SIZE = 256 * 1024 * 1024

_WS = r"[ \t\f\r\n]*+(?:\#[^\r\n]*+[ \t\f\r\n]*+)*+"
_SIMPLE_STR = r"'[^'\\\r\n]*'"
_NUM = r"-?[ \t]*\d[\d.]*(?:[eE][+-]?\d+)?"

# One token per match, white space and comments swallowed first. The catch-all ``.`` means a
# match always succeeds while text remains; an empty group means the end of the text.
_TOKEN_RE = re.compile(
    _WS + r"""(
        '[^'\\\n]++'
      | ''(?!')
      | [(){}:,\[\]]
      | (?:[rRuU])?(?:'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\"
                    |(?!''')'(?:[^'\\\n]|\\.)*'|(?!\"\"\")"(?:[^"\\\n]|\\.)*")
      | 0[xXoObB][0-9a-fA-F_]+
      | (?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?
      | [A-Za-z_]\w*
      | ==|!=|<=|>=|\*\*|//|<<|>>|->|:=
      | .
      | $
    )""",
    re.VERBOSE | re.DOTALL,
)
# A whole selector body made only of 'string' : 'string' entries (every real UseAfter).
_PAIRS_BODY_RE = re.compile(
    r"\(" + _WS + r"\{((?:" + _WS + _SIMPLE_STR + _WS + ":" + _WS + _SIMPLE_STR + _WS + ",)*+"
    r"(?:" + _WS + _SIMPLE_STR + _WS + ":" + _WS + _SIMPLE_STR + r")?+)" + _WS + r"\}" + _WS
    + r"(,?+)" + _WS + r"\)"
)
_BODY_STRING_RE = re.compile(r"'([^'\\\r\n]*)'")
# A flat tuple of plain strings and numbers (every real Match key).
_FLAT_TUPLE_RE = re.compile(
    r"\(((?:" + _WS + r"(?:" + _SIMPLE_STR + "|" + _NUM + r")" + _WS + r",)*+" + _WS
    + r"(?:(?:" + _SIMPLE_STR + "|" + _NUM + r")" + _WS + r")?+)\)"
)
# One whole Match row whose value is a selector over plain pairs (almost every real rmap row):
# group 1 the key tuple's body, 2 the class name, 3 the pairs body.
_PAIRS = (r"((?:" + _WS + _SIMPLE_STR + _WS + ":" + _WS + _SIMPLE_STR + _WS + ",)*+"
          r"(?:" + _WS + _SIMPLE_STR + _WS + ":" + _WS + _SIMPLE_STR + r")?+)")
_MATCH_ROW_RE = re.compile(
    _WS + r"\(((?:" + _WS + r"(?:" + _SIMPLE_STR + "|" + _NUM + r")" + _WS + r",)*+" + _WS
    + r"(?:(?:" + _SIMPLE_STR + "|" + _NUM + r")" + _WS + r")?+)\)" + _WS + ":" + _WS
    + r"(UseAfter|VersionAfter|ClosestTime)" + _WS + r"\(" + _WS + r"\{" + _PAIRS + _WS
    + r"\}" + _WS + r",?+" + _WS + r"\)" + _WS + r"(?:,|(?=" + _WS + r"\}))"
)
_TUPLE_ITEM_RE = re.compile(r"'([^'\\\r\n]*)'|(-?)[ \t]*(\d[\d.]*(?:[eE][+-]?\d+)?)")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS = frozenset("0123456789.")
_QUOTES = frozenset("'\"")
_STRING_PREFIX = frozenset("rRuU")


@dataclass(frozen=True, slots=True, eq=False)
class SelectorCall:
    """A selector written in an rmap, e.g. ``UseAfter({...})``, before any normalization.

    ``entries`` maps each raw key, as written, to its value: a terminal (string, tuple or dict)
    or a nested :class:`SelectorCall`. Duplicate keys keep the last value, like Python.
    """

    class_name: str
    entries: dict[Any, Any]
    offset: int = -1


@dataclass(frozen=True, slots=True)
class ParsedMapping:
    """The three statements of a mapping file, as literal values."""

    filename: str
    header: dict[str, Any]
    selector: Any
    comment: str | None = None
    statement_order: tuple[str, ...] = field(default=("header", "selector"))
    text: str = field(default="", repr=False)  # with universal newlines

    def locate(self, call: SelectorCall) -> tuple[int | None, int | None]:
        """1-based (line, column) where ``call`` is written, for error messages."""
        if not self.text or call.offset < 0:
            return None, None
        return line_column(self.text, call.offset)


def parse_mapping_text(
    text: str, filename: str = "<mapping>", memo: dict[Any, Any] | None = None
) -> ParsedMapping:
    """Parse mapping ``text``; ``filename`` is used in error messages only.

    ``memo`` may be shared between calls: selector bodies with identical text (common between
    successive versions of an rmap) are then parsed once and share one :class:`SelectorCall`.
    """
    return _Parser(text, filename, memo).parse_file()


def parse_literal(text: str, filename: str = "<literal>") -> Any:
    """Parse a single literal value written in mapping syntax (no selector calls)."""
    parser = _Parser(text, filename)
    value = parser.value(0, allow_calls=False)
    parser.expect_end()
    return value


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of character ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_ILLEGAL_STATEMENTS = frozenset(
    "def class import from return for while if with lambda try del global nonlocal assert "
    "raise async await yield".split()
)


class _Parser:
    """Recursive descent over the text, one regex-matched token at a time, with bulk fast paths."""

    def __init__(self, text: str, filename: str, memo: dict[Any, Any] | None = None) -> None:
        if len(text) > MAX_TEXT_SIZE:
            raise MappingError(
                f"file is too large to be a mapping ({len(text)} characters, "
                f"limit {MAX_TEXT_SIZE})",
                filename,
            )
        if "\x00" in text:
            raise MappingError("mapping text contains a NUL character", filename,
                               *line_column(text, text.index("\x00")))
        if "\r" in text:  # universal newlines, as Python reads the file
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text
        self.filename = filename
        self.pos = 0
        self._match = _TOKEN_RE.match
        self.memo = {} if memo is None else memo

    # ---- tokens and errors ----------------------------------------------------------------

    def token(self, pos: int) -> tuple[str, int, int]:
        """The token at or after ``pos``: (text, start, end); text is '' at the end."""
        m = self._match(self.text, pos)
        return m.group(1), m.start(1), m.end()

    def error(self, message: str, offset: int) -> MappingError:
        return MappingError(message, self.filename, *line_column(self.text, offset))

    @staticmethod
    def describe(tok: str) -> str:
        return "end of file" if tok == "" else repr(tok)

    def expect(self, wanted: str, context: str, open_offset: int | None = None) -> int:
        tok, start, end = self.token(self.pos)
        if tok != wanted:
            if tok == "" and open_offset is not None:
                raise self.error(f"unexpected end of file in {context} (the mapping is truncated)",
                                 open_offset)
            raise self.error(f"expected '{wanted}' in {context}, found {self.describe(tok)}",
                             start)
        self.pos = end
        return start

    def expect_end(self) -> None:
        tok, start, _ = self.token(self.pos)
        if tok != "":
            raise self.error(f"unexpected {self.describe(tok)} after the value", start)

    # ---- statements -----------------------------------------------------------------------

    def same_line(self, a: int, b: int) -> bool:
        """No line break between offsets ``a`` and ``b`` (outside brackets a newline ends a
        statement, as in Python)."""
        return "\n" not in self.text[a:b]

    def parse_file(self) -> ParsedMapping:
        values: dict[str, Any] = {}
        offsets: dict[str, int] = {}
        order: list[str] = []
        previous_end: int | None = None  # end of the last statement, until a newline or ';'
        after_semicolon = False
        while True:
            tok, start, end = self.token(self.pos)
            if tok == ";":
                if previous_end is None or after_semicolon:
                    raise self.error("empty statement (';') in mapping", start)
                self.pos = end
                after_semicolon = True
                continue
            if tok == "":
                break
            if after_semicolon and not self.same_line(self.pos, start):
                after_semicolon = False
                previous_end = None
            if not after_semicolon:
                if previous_end is not None and self.same_line(previous_end, start):
                    raise self.error(f"expected end of statement, found {self.describe(tok)}",
                                     start)
                if start != self.text.rfind("\n", 0, start) + 1:
                    raise self.error("unexpected indentation before a statement", start)
            after_semicolon = False
            if tok[0] not in _NAME_START:
                raise self.error(f"expected an assignment, found {self.describe(tok)}", start)
            if tok in _ILLEGAL_STATEMENTS:
                raise self.error(f"illegal statement '{tok}' in mapping", start)
            if tok not in STATEMENT_NAMES:
                raise self.error(
                    f"illegal assignment to '{tok}': a mapping assigns only "
                    "'header', 'comment' and 'selector'",
                    start,
                )
            if tok in values:
                raise self.error(f"'{tok}' is assigned more than once", start)
            equals, estart, eend = self.token(end)
            if equals != "=" or not self.same_line(end, estart):
                raise self.error(f"expected '=' in the '{tok}' statement", estart)
            vtok, vstart, _ = self.token(eend)
            if vtok != "" and not self.same_line(eend, vstart):
                raise self.error(f"the value of '{tok}' must start on the line of '{tok} ='",
                                 vstart)
            self.pos = eend
            offsets[tok] = vstart
            values[tok] = self.value(0, allow_calls=(tok == "selector"), top=True)
            order.append(tok)
            previous_end = self.pos
        for required in ("header", "selector"):
            if required not in values:
                raise MappingError(f"missing required '{required} = ...' statement", self.filename)
        header = values["header"]
        if not isinstance(header, dict):
            raise self.error("'header' must be a dictionary", offsets["header"])
        comment = values.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise self.error("'comment' must be a string", offsets["comment"])
        selector = values["selector"]
        if not isinstance(selector, (dict, SelectorCall)):
            raise self.error("'selector' must be a dictionary or a selector call",
                             offsets["selector"])
        return ParsedMapping(self.filename, header, selector, comment, tuple(order), self.text)

    # ---- values ---------------------------------------------------------------------------

    def value(self, depth: int, allow_calls: bool, top: bool = False) -> Any:
        """A literal value; ``top`` for a statement's own value, outside any brackets."""
        tok, start, end = self.token(self.pos)
        if depth > MAX_NESTING:
            raise self.error(f"mapping is nested more than {MAX_NESTING} levels deep", start)
        if tok in ("'", '"'):
            raise self.error("unterminated string", start)
        first = tok[:1]
        if first in _QUOTES or (first in _STRING_PREFIX and tok[1:2] in _QUOTES):
            return self.string(top)
        if tok == "{":
            self.pos = end
            return self.dict_body(depth, allow_calls, start)
        if tok == "(":
            fast = self.flat_tuple(start)
            if fast is not None:
                return fast
            self.pos = end
            items, comma = self.sequence_body(depth, allow_calls, ")", start)
            return items[0] if len(items) == 1 and not comma else tuple(items)
        if tok == "[":
            self.pos = end
            return self.sequence_body(depth, allow_calls, "]", start)[0]
        if tok in ("-", "+"):
            operand, ostart, oend = self.token(end)
            if operand[:1] not in _DIGITS or operand == ".":
                raise self.error(f"unary '{tok}' must be followed by a number", start)
            if tok == "+":
                raise self.error("unary '+' is not allowed in a mapping", start)
            self.pos = end
            return -self.number()
        if first in _DIGITS and tok != ".":
            return self.number()
        if first in _NAME_START:
            constants = {"None": None, "True": True, "False": False}
            if tok in constants:
                self.pos = end
                return constants[tok]
            nxt, nstart, _ = self.token(end)
            if nxt == "(" and (not top or self.same_line(end, nstart)):
                return self.call(tok, start, end, depth, allow_calls)
            if nxt == ".":
                raise self.error(f"attribute access on '{tok}' is not allowed in a mapping", start)
            if nxt == "[":
                raise self.error(f"subscript of '{tok}' is not allowed in a mapping", start)
            if tok in _ILLEGAL_STATEMENTS:
                raise self.error(f"'{tok}' is not allowed in a mapping", start)
            raise self.error(f"unknown name '{tok}' in mapping", start)
        if tok == "":
            raise self.error("unexpected end of file: the mapping is truncated", start)
        if tok in ("'", '"'):
            raise self.error("unterminated string", start)
        raise self.error(f"unexpected {self.describe(tok)}", start)

    def string(self, top: bool = False) -> str:
        """One string literal, or several written next to each other (joined)."""
        parts = []
        while True:
            tok, start, end = self.token(self.pos)
            first = tok[:1]
            if not (first in _QUOTES or (first in _STRING_PREFIX and tok[1:2] in _QUOTES)):
                break
            if parts and top and not self.same_line(self.pos, start):
                break
            if tok in ("'", '"'):
                raise self.error("unterminated string", start)
            parts.append(self.decode_string(tok, start))
            self.pos = end
        return sys.intern(parts[0]) if len(parts) == 1 else "".join(parts)

    def decode_string(self, tok: str, start: int) -> str:
        if tok[0] in _QUOTES and "\\" not in tok and (len(tok) == 2 or tok[1] != tok[0]):
            return tok[1:-1]
        try:
            value = ast.literal_eval(tok)
        except (SyntaxError, ValueError) as exc:
            raise self.error(f"invalid string literal: {exc}", start) from None
        if not isinstance(value, str):
            raise self.error("only text strings are allowed in a mapping", start)
        return value

    def number(self) -> int | float:
        tok, start, end = self.token(self.pos)
        value = _convert_number(tok)
        if value is None:
            try:
                value = ast.literal_eval(tok)
            except (SyntaxError, ValueError):
                raise self.error(f"invalid number {tok!r}", start) from None
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise self.error(f"only integers and floats are allowed, not {tok!r}", start)
        self.pos = end
        return value

    def flat_tuple(self, start: int) -> Any:
        """Fast path for ``('A', 1.0, -2)``; None when the text needs the general parser."""
        m = _FLAT_TUPLE_RE.match(self.text, start)
        if m is None:
            return None
        value = self._tuple_items(m.group(1))
        if value is not None:
            self.pos = m.end()
        return value

    def _tuple_items(self, body: str) -> Any:
        """The value of a flat tuple body (text between the parentheses), or None."""
        if "#" in body:
            return None
        items: list[Any] = []
        intern = sys.intern
        for text, sign, num in _TUPLE_ITEM_RE.findall(body):
            if num:
                value = _convert_number(num)
                if value is None:
                    return None
                items.append(-value if sign else value)
            else:
                items.append(intern(text))
        if len(items) == 1 and not body.rstrip().endswith(","):
            return items[0]
        return tuple(items)

    def _pairs_call(self, name: str, body: str, offset: int) -> SelectorCall:
        """A selector call over plain string pairs; identical bodies share one entries dict
        through the memo (the compiler then shares the compiled selector too)."""
        entries = self.memo.get(body)
        if entries is None:
            strings = list(map(sys.intern, _BODY_STRING_RE.findall(body)))
            entries = self.memo[body] = dict(zip(strings[::2], strings[1::2], strict=True))
        return SelectorCall(name, entries, offset)

    def dict_body(self, depth: int, allow_calls: bool, open_offset: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        context = "a dictionary"
        row_match = _MATCH_ROW_RE.match if allow_calls else None
        text = self.text
        while True:
            if row_match is not None:
                m = row_match(text, self.pos)
                if m is not None and "#" not in m.group(3):
                    key = self._tuple_items(m.group(1))
                    if key is not None:
                        result[key] = self._pairs_call(m.group(2), m.group(3), m.start(2))
                        self.pos = m.end()
                        continue
            tok, start, end = self.token(self.pos)
            if tok == "}":
                self.pos = end
                return result
            if tok == "":
                raise self.error("unexpected end of file in a dictionary "
                                 "(the mapping is truncated)", open_offset)
            if tok == "**":
                raise self.error("'**' unpacking is not allowed in a mapping", start)
            key = self.value(depth + 1, allow_calls=False)
            sep, sstart, send = self.token(self.pos)
            if sep != ":":
                if sep in (",", "}"):
                    raise self.error("set displays are not allowed in a mapping", start)
                if sep == "for":
                    raise self.error("comprehensions are not allowed in a mapping", sstart)
                if sep == "":
                    raise self.error("unexpected end of file in a dictionary "
                                     "(the mapping is truncated)", open_offset)
                raise self.error(f"expected ':' after a dictionary key, found {self.describe(sep)}",
                                 sstart)
            self.pos = send
            val = self.value(depth + 1, allow_calls)
            try:
                result[key] = val
            except TypeError:
                raise self.error(f"dictionary key {key!r} is not hashable", start) from None
            sep, sstart, send = self.token(self.pos)
            if sep == ",":
                self.pos = send
            elif sep != "}":
                if sep == "":
                    raise self.error("unexpected end of file in a dictionary "
                                     "(the mapping is truncated)", open_offset)
                raise self.error(f"expected ',' or '}}' in {context}, found {self.describe(sep)}",
                                 sstart)

    def sequence_body(
        self, depth: int, allow_calls: bool, closer: str, open_offset: int
    ) -> tuple[list[Any], bool]:
        """Items up to ``closer``, and whether a comma was seen."""
        items: list[Any] = []
        comma = False
        while True:
            tok, start, end = self.token(self.pos)
            if tok == closer:
                self.pos = end
                return items, comma
            if tok == "":
                raise self.error(f"unexpected end of file before '{closer}' "
                                 "(the mapping is truncated)", open_offset)
            items.append(self.value(depth + 1, allow_calls))
            sep, sstart, send = self.token(self.pos)
            if sep == ",":
                comma = True
                self.pos = send
            elif sep != closer:
                if sep == "for":
                    raise self.error("comprehensions are not allowed in a mapping", sstart)
                if sep == "":
                    raise self.error(f"unexpected end of file before '{closer}' "
                                     "(the mapping is truncated)", open_offset)
                if sep in ("+", "-", "*", "/", "%", "**", "//", "|", "&", "^", "<<", ">>", "@",
                           "==", "!=", "<", ">", "<=", ">=", "is", "in", "and", "or", "not",
                           "if"):
                    raise self.error(f"operator '{sep}' is not allowed in a mapping", sstart)
                raise self.error(f"expected ',' or '{closer}', found {self.describe(sep)}", sstart)

    def call(self, name: str, start: int, end: int, depth: int, allow_calls: bool) -> SelectorCall:
        if name not in _SELECTOR_SET:
            raise self.error(
                f"Selector '{name}' is not one of supported Selectors: {list(SELECTOR_CLASSES)}",
                start,
            )
        if not allow_calls:
            raise self.error(f"selector call '{name}(...)' is not allowed here", start)
        paren, pstart, pend = self.token(end)
        m = _PAIRS_BODY_RE.match(self.text, pstart)
        if m is not None and "#" not in m.group(1):
            self.pos = m.end()
            return self._pairs_call(name, m.group(1), start)
        self.pos = pend
        brace, bstart, bend = self.token(self.pos)
        if brace != "{":
            raise self.error(f"{name}(...) takes one dictionary argument", bstart)
        self.pos = bend
        entries = self.dict_body(depth + 1, True, bstart)
        tok, tstart, tend = self.token(self.pos)
        if tok == ",":
            self.pos = tend
        self.expect(")", f"{name}(...), which takes exactly one dictionary argument", pstart)
        return SelectorCall(name, entries, start)


def _convert_number(tok: str) -> int | float | None:
    """Decimal int or float text to its value; None for anything unusual."""
    try:
        if "." in tok or "e" in tok or "E" in tok:
            return float(tok)
        if tok[:1] == "0" and len(tok) > 1:
            return None
        return int(tok)
    except ValueError:
        return None
