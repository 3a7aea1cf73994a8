"""Property tests (hypothesis) for the safe mapping parser, ``opencrds.rules.parser``.

* any text: ``parse_mapping_text`` returns a ParsedMapping or raises MappingError, nothing else;
* structured round trip: random mapping values, rendered as Python text with random white
  space, comments and trailing commas, parse back to the same values;
* mutation fuzzing of real mapping files from ``shared/data/crds-cache/mappings``;
* differential: texts of the literal subset give what ``ast.literal_eval`` gives.

Generated texts that end up with an unterminated string literal hit a known parser crash
(BUG 1 in test_parser.py: IndexError instead of MappingError). The strict properties filter
those texts out; the strict-xfail twins keep them and show the crash.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencrds.rules.errors import MappingError
from opencrds.rules.parser import (
    SELECTOR_CLASSES,
    ParsedMapping,
    SelectorCall,
    parse_literal,
    parse_mapping_text,
)

FILENAME = "fuzz.rmap"
FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
FUZZ_XFAIL = settings(FUZZ, derandomize=True, database=None)
# Random texts contain invalid escapes such as '\s'; the parser, like Python, warns about them.
quiet_escape_warnings = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                                   "ignore::SyntaxWarning")

from python_reference import Call, canon, python_reference  # noqa: E402

# ---- shared helpers ----------------------------------------------------------------------


def has_unterminated_string(text: str) -> bool:
    """True if Python's lexing rules find a string literal in ``text`` that is not closed
    (the trigger of known BUG 1). Comments end at CR or LF, like the parser's."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
        elif c in "'\"":
            quote = text[i : i + 3] if text.startswith(c * 3, i) else c
            i += len(quote)
            while True:
                if i >= n:
                    return True
                if text[i] == "\\":
                    i += 2
                elif text.startswith(quote, i):
                    i += len(quote) - 1
                    break
                elif len(quote) == 1 and text[i] in "\r\n":
                    return True
                else:
                    i += 1
        i += 1
    return False


def check_outcome(text: str) -> ParsedMapping | MappingError:
    """Parse ``text``: a ParsedMapping or a well-formed MappingError, never anything else."""
    try:
        parsed = parse_mapping_text(text, FILENAME)
    except MappingError as exc:
        assert exc.filename == FILENAME and str(exc).startswith(FILENAME)
        if exc.line is not None:
            lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n")  # universal
            assert 1 <= exc.line <= lines + 2, (exc.line, exc)
            assert exc.column is not None and exc.column >= 1
        return exc
    assert isinstance(parsed, ParsedMapping)
    assert isinstance(parsed.header, dict)
    assert isinstance(parsed.selector, (dict, SelectorCall))
    assert parsed.comment is None or isinstance(parsed.comment, str)
    return parsed


# ---- 1. arbitrary text ------------------------------------------------------------------------


@FUZZ
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    # Hypothesis does find 'comment="""' (BUG 1); test_token_soup_with_lone_quotes shows it.
    check_outcome(text)


# Pieces of mapping syntax; the string pieces are complete literals (no lone quotes).
SOUP_PIECES = [
    "header", "selector", "comment", " = ", "=", "{", "}", "(", ")", "[", "]", ":", ",", ";",
    " ", "\n", "\r\n", "\t", "# c\n", "#", "'a'", '"b"', "'''t'''", '"""u"""', "r'\\d'", "''",
    "'\\''", "'\\n'", "u'x'", "b'x'", "f'x'", "1", "-", "- ", "+", "2.5", "1e3", ".5", "1_0",
    "0", "0x1", "1j", "None", "True", "False", "Match", "UseAfter", "SelectVersion", "Foo",
    "Match(", "UseAfter({", "'k' : 'v',", "('A', 1.0, -2) : ", "lambda", "import", "def",
    "__import__('os')", ".", "os.system", "[0]", "**", "*", "for", "if", "else", "\\", "\x00",
    "\\\n", "é", "\u2028", "\x0b",
]
MAPPING_STARTS = ["", "header = ", "header = {", "header = {'a': ", "header = {}\nselector = ",
                  "header = {}\nselector = Match({", "header = {}\nselector = Match({('A',): ",
                  "header = {}\ncomment = "]
soup = st.builds(lambda start, pieces: start + "".join(pieces),
                 st.sampled_from(MAPPING_STARTS), st.lists(st.sampled_from(SOUP_PIECES),
                                                           max_size=30))


@quiet_escape_warnings
@FUZZ
@given(soup)
def test_token_soup(text: str) -> None:
    # Complete string pieces can still combine into an unclosed literal: 4 quotes + x + 4 quotes.
    check_outcome(text)


@FUZZ_XFAIL
@given(st.builds(lambda start, pieces: start + "".join(pieces), st.sampled_from(MAPPING_STARTS),
                 st.lists(st.sampled_from([*SOUP_PIECES, "'", '"', "'''", '"""']), max_size=30)))
def test_token_soup_with_lone_quotes(text: str) -> None:
    check_outcome(text)


# ---- 2. structured round trip -------------------------------------------------------------

_ALPHABET = st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FFF) | \
    st.sampled_from(list("'\"\\\n\t\r #{}()"))
strings = st.text(_ALPHABET, max_size=12)
ints = st.integers(min_value=-(10**15), max_value=10**15)
floats = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(strings, ints, floats, st.none(), st.booleans())
hashable = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3).map(tuple),
                        max_leaves=6)
literal_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(tuple),
        st.lists(inner, max_size=4),
        st.dictionaries(hashable, inner, max_size=4),
    ),
    max_leaves=15,
)

match_scalars = st.one_of(strings, ints, floats)
match_keys = st.one_of(match_scalars, st.lists(match_scalars, max_size=5).map(tuple))
terminals = st.one_of(
    strings,
    st.lists(strings, min_size=1, max_size=3).map(tuple),
    st.dictionaries(strings, strings, max_size=3),
)
dates = st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]",
                      fullmatch=True)
use_afters = st.dictionaries(dates, terminals, max_size=4).map(lambda e: Call("UseAfter", e))
other_calls = st.builds(
    Call,
    st.sampled_from([c for c in SELECTOR_CLASSES if c not in ("Match", "UseAfter")]),
    st.dictionaries(match_scalars, terminals, max_size=3),
)
matches = st.dictionaries(match_keys, st.one_of(terminals, use_afters, other_calls),
                          max_size=5).map(lambda e: Call("Match", e))
selectors = st.one_of(matches, use_afters,
                      st.dictionaries(strings, st.one_of(strings, matches), max_size=4))
headers = st.dictionaries(strings, literal_values, max_size=6)


class Renderer:
    """Python-repr based rendering with random layout drawn from hypothesis ``data``."""

    def __init__(self, data: st.DataObject) -> None:
        self.draw = data.draw
        # "plain" writes like the canonical writer (repr strings, no comments), which is what
        # the parser's regex fast paths for UseAfter bodies and Match keys are built for.
        self.plain = self.draw(st.booleans())

    def ws(self) -> str:
        """White space inside brackets: spaces, tabs, newlines, comments, or nothing."""
        if self.plain:
            return self.draw(st.sampled_from(["", " ", "\n    "]))
        parts = self.draw(st.lists(st.sampled_from(
            ["", " ", "  ", "\t", "\n", "\n    ", "  # note: 'x' \"y\" {(\n", "#\n"]), max_size=2))
        return "".join(parts)

    def string(self, s: str) -> str:
        if self.plain:
            return repr(s)
        style = self.draw(st.sampled_from(["repr", "double", "triple", "raw", "concat"]))
        if style == "concat" and len(s) >= 2:
            cut = self.draw(st.integers(1, len(s) - 1))
            return f"{self.string(s[:cut])}{self.ws() or ' '}{self.string(s[cut:])}"
        if style == "double":
            body = (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                    .replace("\r", "\\r"))
            return f'"{body}"'
        if style == "triple":
            body = s.replace("\\", "\\\\").replace("'", "\\'").replace("\r", "\\r")
            return f"'''{body}'''"
        if (style == "raw" and "'" not in s and "\n" not in s and "\r" not in s
                and not s.endswith("\\")):
            return f"r'{s}'"
        return repr(s)

    def number(self, n: int | float) -> str:
        negative = n < 0 or (isinstance(n, float) and str(n).startswith("-"))
        text = repr(abs(n))
        if isinstance(n, int) and abs(n) >= 1000 and self.draw(st.booleans()):
            text = f"{abs(n):_}"
        if isinstance(n, float) and self.draw(st.booleans()):
            text = format(abs(n), ".17e")
        if negative:
            return self.draw(st.sampled_from(["-", "- ", "-\t"])) + text
        return text

    def seq(self, items: list[str], open_: str, close: str, one_tuple: bool = False) -> str:
        if not items:
            return open_ + self.ws() + close
        body = ("," + self.ws()).join(items)
        trailing = "," if one_tuple or self.draw(st.booleans()) else ""
        return f"{open_}{self.ws()}{body}{trailing}{self.ws()}{close}"

    def value(self, v: Any) -> str:
        if isinstance(v, Call):
            inner = self.value(v.entries)
            comma = "," if self.draw(st.booleans()) else ""
            return f"{v.class_name}({self.ws()}{inner}{comma}{self.ws()})"
        if isinstance(v, str):
            return self.string(v)
        if v is None or isinstance(v, bool):
            return repr(v)
        if isinstance(v, (int, float)):
            return self.number(v)
        if isinstance(v, tuple):
            return self.seq([self.value(x) for x in v], "(", ")", one_tuple=len(v) == 1)
        if isinstance(v, list):
            return self.seq([self.value(x) for x in v], "[", "]")
        if isinstance(v, dict):
            items = [f"{self.value(k)}{self.ws()}:{self.ws()}{self.value(x)}" for k, x in v.items()]
            if items and self.draw(st.booleans()):
                # Write the first key twice: a throw-away value in place, the real one at the
                # end. Like Python, the last value must win and the first position must stay.
                first_key = next(iter(v))
                items.append(items[0])
                items[0] = f"{self.value(first_key)}: None"
            return self.seq(items, "{", "}")
        raise TypeError(v)

    def top_gap(self) -> str:
        """White space between statements (outside brackets: no newline inside a statement)."""
        return self.draw(st.sampled_from(["\n", "\n\n", "\n# comment line\n", " # c\n",
                                          "; ", ";\n", "\r\n"]))


def render_mapping(data: st.DataObject, header: dict[Any, Any], comment: str | None,
                   selector: Any) -> str:
    r = Renderer(data)
    parts = [f"header = {r.value(header)}"]
    if comment is not None:
        # Outside brackets a newline would end the statement: wrap concatenations in parens.
        value = r.draw(st.sampled_from([repr(comment), f"({r.string(comment)})"]))
        parts.append(f"comment = {value}")
    parts.append(f"selector ={r.draw(st.sampled_from([' ', '  ', chr(9)]))}{r.value(selector)}")
    text = r.draw(st.sampled_from(["", "# leading comment\n", "\n"]))
    for part in parts:
        text += part + r.top_gap()
    if r.draw(st.booleans()):
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text


@FUZZ
@given(st.data(), headers, st.none() | strings, selectors)
def test_round_trip(data: st.DataObject, header: dict[Any, Any], comment: str | None,
                    selector: Any) -> None:
    text = render_mapping(data, header, comment, selector)
    reference = python_reference(text)  # the renderer writes valid Python with these values
    assert canon(reference["header"]) == canon(header)
    assert canon(reference["selector"]) == canon(selector)
    parsed = parse_mapping_text(text, FILENAME)
    assert canon(parsed.header) == canon(header)
    assert canon(parsed.selector) == canon(selector)
    assert parsed.comment == comment


# ---- 3. mutation fuzzing of real files --------------------------------------------------------


def _shared_data_dir() -> Path:
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


MAPPINGS_DIR = _shared_data_dir() / "crds-cache" / "mappings"


def _sample_real_texts() -> list[str]:
    if not MAPPINGS_DIR.is_dir():
        return []
    wanted = ["tobs/tobs_tinstr_tfilekind.rmap", "tobs/tobs.pmap", "tobs/tobs_tinstr.imap"]
    small = sorted(p for p in MAPPINGS_DIR.glob("*/*.rmap") if p.stat().st_size < 3000)
    paths = [MAPPINGS_DIR / w for w in wanted] + small[:: max(1, len(small) // 6)][:6]
    for path in sorted(MAPPINGS_DIR.glob("jwst/*.rmap")):  # one with a comment statement
        if path.stat().st_size < 6000 and "\ncomment = " in path.read_text("utf-8"):
            paths.append(path)
            break
    return [p.read_text("utf-8") for p in paths if p.is_file()]


REAL_TEXTS = _sample_real_texts()
needs_real_texts = pytest.mark.skipif(not REAL_TEXTS,
                                      reason=f"no mapping files under {MAPPINGS_DIR}")

EDIT_CHARS = list("'\"\\#(){}[]:,=-+.0123456789eEjx \n\t\r;_\x00é") + [
    "Match(", "UseAfter({", "__import__('os')", "lambda", "\"\"\"", "'''", "b'", "0x", "**",
    "{1, 2}", "[1]", "), (", "\r\n"]


@st.composite
def mutated_real_texts(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(REAL_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]))
        pos = draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 8)):]
        elif kind == "insert":
            text = text[:pos] + draw(st.sampled_from(EDIT_CHARS)) + text[pos:]
        elif kind == "replace":
            text = text[:pos] + draw(st.sampled_from(EDIT_CHARS)) + text[pos + 1:]
        elif kind == "truncate":
            text = text[:pos]
        else:
            end = min(len(text), pos + draw(st.integers(1, 40)))
            text = text[:end] + text[pos:end] + text[end:]
    return text


@needs_real_texts
def test_real_samples_parse_like_python() -> None:
    for text in REAL_TEXTS:
        parsed = parse_mapping_text(text, FILENAME)
        reference = python_reference(text)
        assert canon(parsed.header) == canon(reference["header"])
        assert canon(parsed.selector) == canon(reference["selector"])
        assert parsed.comment == reference.get("comment")


@needs_real_texts
@quiet_escape_warnings
@FUZZ
@given(mutated_real_texts())
def test_mutated_real_files(text: str) -> None:
    check_outcome(text)


@needs_real_texts
@quiet_escape_warnings
@FUZZ_XFAIL
@given(mutated_real_texts())
def test_mutated_real_files_including_broken_strings(text: str) -> None:
    check_outcome(text)


# ---- 4. differential against ast.literal_eval -------------------------------------------------

_NUMBER_RE = (r"(0|[1-9](_?[0-9]){0,6})(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?"
              r"|\.[0-9]{1,4}([eE]-?[0-9]{1,2})?|00|0_0|[1-9][0-9]{0,3}\.")
number_texts = st.builds(lambda sign, n: sign + n, st.sampled_from(["", "-", "- ", "-\n  "]),
                         st.from_regex(_NUMBER_RE, fullmatch=True))
_ESCAPES = ["\\n", "\\t", "\\\\", "\\'", '\\"', "\\x41", "\\u00e9", "\\U0001F600", "\\101",
            "\\0", "\\N{BULLET}", "\\\n", "\\a", "\\r"]
_PLAIN = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="'\"\\",
                               max_codepoint=0x2FFF), max_size=6)


@st.composite
def string_texts(draw: st.DrawFn) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        body = "".join(draw(st.lists(st.one_of(_PLAIN, st.sampled_from(_ESCAPES)), max_size=4)))
        quote = draw(st.sampled_from(["'", '"', "'''", '"""']))
        if len(quote) == 3:
            body += draw(st.sampled_from(["", "\n", " ' \" "]))
            if body.endswith(("'", '"')):
                body += " "
        # Every backslash in ``body`` starts a complete escape, so raw strings are valid too.
        prefix = draw(st.sampled_from(["", "", "u", "U", "r", "R"]))
        pieces.append(f"{prefix}{quote}{body}{quote}")
    separators = draw(st.lists(st.sampled_from([" ", "", "\n", "  # c\n  "]),
                               min_size=len(pieces) - 1, max_size=len(pieces) - 1))
    out = pieces[0]
    for sep, piece in zip(separators, pieces[1:], strict=True):
        if sep == "" and out.endswith(("''", '""')):
            sep = " "  # an empty '' glued to 'x' would read as a triple quote
        out += sep + piece
    return f"({out})" if "\n" in out else out


scalar_texts = st.one_of(number_texts, string_texts(), st.sampled_from(["None", "True", "False"]))


def _join(draw: st.DrawFn, items: list[str], open_: str, close: str, one: bool = False) -> str:
    gap = st.sampled_from(["", " ", "\n  ", " # c\n "])
    body = "".join(f"{draw(gap)}{item}{draw(gap)}," for item in items)
    if items and not one and draw(st.booleans()):
        body = body[:-1]
    return f"{open_}{body}{draw(gap)}{close}"


@st.composite
def tuple_texts(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    items = draw(st.lists(inner, max_size=4))
    if len(items) == 1 and draw(st.booleans()):
        return f"({items[0]})"  # parenthesised value, not a tuple
    return _join(draw, items, "(", ")", one=len(items) == 1)


@st.composite
def list_texts(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    return _join(draw, draw(st.lists(inner, max_size=4)), "[", "]")


key_texts = st.recursive(scalar_texts, lambda inner: tuple_texts(inner), max_leaves=5)


@st.composite
def dict_texts(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    pairs = draw(st.lists(st.tuples(key_texts, inner), max_size=4))
    return _join(draw, [f"{k} : {v}" for k, v in pairs], "{", "}")


literal_texts = st.recursive(
    scalar_texts,
    lambda inner: st.one_of(tuple_texts(inner), list_texts(inner), dict_texts(inner)),
    max_leaves=12,
)


@FUZZ
@given(literal_texts)
def test_same_as_literal_eval(text: str) -> None:
    if "\n" in text:
        text = f"({text})"  # a newline outside brackets would end a Python statement
    expected = ast.literal_eval(text)
    assert canon(parse_literal(text)) == canon(expected)
    parsed = parse_mapping_text(f"header = {{'k' : {text}}}\nselector = {{}}\n", FILENAME)
    assert canon(parsed.header["k"]) == canon(expected)
