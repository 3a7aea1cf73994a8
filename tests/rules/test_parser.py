"""Table-driven tests for the safe mapping parser, ``opencrds.rules.parser`` (RULES.md §1.1-§1.3).

Accepted forms are compared with what Python itself makes of the same text (``ast`` +
``ast.literal_eval``, with the seven selector calls recorded as (class name, entries)). Rejected
forms must raise :class:`MappingError` with a helpful message, the file name, and the exact
1-based line and column of the problem. Regression tests for fixed parser defects are at the
``KNOWN BUGS`` section at the end of this module.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

import pytest

from opencrds.rules import parser as parser_mod
from opencrds.rules.errors import MappingError
from opencrds.rules.parser import (
    SELECTOR_CLASSES,
    ParsedMapping,
    SelectorCall,
    parse_literal,
    parse_mapping_text,
)

FILENAME = "hst_acs_testfile_0001.rmap"

from python_reference import Call, canon, python_reference  # noqa: E402

# ---- helpers ----------------------------------------------------------------------------------


def assert_same_as_python(text: str) -> ParsedMapping:
    parsed = parse_mapping_text(text, FILENAME)
    expected = python_reference(text)
    assert canon(parsed.header) == canon(expected["header"])
    assert canon(parsed.selector) == canon(expected["selector"])
    assert parsed.comment == expected.get("comment")
    return parsed


def mapping_error(text: str) -> MappingError:
    with pytest.raises(MappingError) as info:
        parse_mapping_text(text, FILENAME)
    exc = info.value
    assert exc.filename == FILENAME
    assert str(exc).startswith(FILENAME)
    return exc


def _open_string_at_end(text: str) -> bool:
    """True when ``text`` (a prefix of valid mapping text) ends inside a string literal."""
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


# ---- accepted literal forms -----------------------------------------------------------------

# (id, right-hand side text, expected value). Each row is also checked against ast.literal_eval.
LITERALS = [
    ("concat", "'a' 'b'", "ab"),
    ("concat-mixed-quotes", "'a' \"b\" '''c''' \"\"\"d\"\"\" u'e' r'\\f'", "abcde\\f"),
    ("concat-across-lines", "('a'\n   'b')", "ab"),
    ("concat-comment-between", "('a'  # first part\n 'b')", "ab"),
    ("escaped-single-quote", r"'a\'b'", "a'b"),
    ("escaped-double-quote", r'"x\"y"', 'x"y'),
    ("newline-escape", r"'\n'", "\n"),
    ("escapes", r"'\t\\\x41\u00e9\N{BULLET}\101\0'", "\t\\Aé•A\x00"),
    ("backslash-newline-continuation", "'a\\\nb'", "ab"),
    ("raw", r"r'\d+\n'", "\\d+\\n"),
    ("raw-escaped-quote", r"R'a\'b'", "a\\'b"),
    ("unicode-prefix", "U'x'", "x"),
    ("empty", "''", ""),
    ("empty-double", '""', ""),
    ("empty-triple", "''''''", ""),
    ("triple-with-quotes-and-newline", "'''it's \"q\"\nline 2'''", "it's \"q\"\nline 2"),
    ("triple-double", '"""say "hi"\n"""', 'say "hi"\n'),
    ("non-ascii", "'ünïcode ✓ 日本'", "ünïcode ✓ 日本"),
    ("hash-in-string", "'# not a comment'", "# not a comment"),
    ("relation-string", "'# >1 and <3 #'", "# >1 and <3 #"),
    ("int", "42", 42),
    ("zero", "0", 0),
    ("double-zero", "00", 0),
    ("underscores", "1_000_000", 1000000),
    ("negative-int", "-5", -5),
    ("negative-spaced", "- 5", -5),
    ("negative-newline-in-parens", "(-\n  5)", -5),
    ("negative-float", "-2048.0", -2048.0),
    ("negative-zero-float", "-0.0", -0.0),
    ("exponent", "1e5", 100000.0),
    ("exponent-upper-negative", "1.5E-3", 0.0015),
    ("exponent-plus", "2e+2", 200.0),
    ("negative-exponent-float", "-2.5e-2", -0.025),
    ("leading-dot", ".5", 0.5),
    ("trailing-dot", "1.", 1.0),
    ("negative-leading-dot", "-.5", -0.5),
    ("float-underscores", "1_0.5", 10.5),
    ("overflow-to-inf", "1e999", float("inf")),
    ("none", "None", None),
    ("true", "True", True),
    ("false", "False", False),
    ("list", "[1, 'a', None]", [1, "a", None]),
    ("list-trailing-comma", "[1,]", [1]),
    ("empty-list", "[]", []),
    ("nested-list", "[[1], [[]], ('x',)]", [[1], [[]], ("x",)]),
    ("tuple", "('a', 'b')", ("a", "b")),
    ("one-tuple", "('a',)", ("a",)),
    ("one-tuple-spaced", "( 'a' , )", ("a",)),
    ("parenthesized-not-tuple", "('a')", "a"),
    ("parenthesized-number", "(-1)", -1),
    ("empty-tuple", "()", ()),
    ("tuple-trailing-comma", "(1, 2,)", (1, 2)),
    ("tuple-of-empty-tuple", "((),)", ((),)),
    (
        "parkey",
        "(('DETECTOR', 'CCDAMP', 'CCDGAIN'), ('DATE-OBS', 'TIME-OBS'),)",
        (("DETECTOR", "CCDAMP", "CCDGAIN"), ("DATE-OBS", "TIME-OBS")),
    ),
    ("parkey-empty-level", "((), ('REFTYPE',))", ((), ("REFTYPE",))),
    (
        "match-key-tuple",
        "('HRC', 'A', 1.0, '*', 1062, -19.0, - 24, 'N/A', '')",
        ("HRC", "A", 1.0, "*", 1062, -19.0, -24, "N/A", ""),
    ),
    ("tuple-comments", "(\n  'a',  # first\n  'b',  # second\n)", ("a", "b")),
    ("tuple-multiline", "(\n 1,\n -2.5\n ,\n)", (1, -2.5)),
    ("dict", "{'a': 1, 'b': 2}", {"a": 1, "b": 2}),
    ("dict-trailing-comma", "{'a': 1,}", {"a": 1}),
    ("empty-dict", "{}", {}),
    ("duplicate-keys", "{'a': 1, 'b': 2, 'a': 3}", {"a": 3, "b": 2}),
    ("equal-keys-of-other-types", "{1: 'a', 1.0: 'b', True: 'c'}", {1: "c"}),
    ("dict-tuple-keys", "{('a', 1): 'x', (): 'y'}", {("a", 1): "x", (): "y"}),
    ("dict-none-bool-number-keys", "{None: 1, False: 2, -1.5: 3}", {None: 1, False: 2, -1.5: 3}),
    ("dict-nested", "{'a': {'b': ('c',)}}", {"a": {"b": ("c",)}}),
    (
        "dict-comments-everywhere",
        "{ # open\n 'a' # key\n : # colon\n 1 # value\n , # comma\n 'b' : 2 # no comma\n} ",
        {"a": 1, "b": 2},
    ),
    ("whitespace-tabs-formfeed", "{\t'a'\f:\t1\t}", {"a": 1}),
]


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in LITERALS],
                         ids=[r[0] for r in LITERALS])
def test_literal_accepted(text: str, expected: Any) -> None:
    assert canon(ast.literal_eval(text)) == canon(expected), "bad test row"
    assert canon(parse_literal(text)) == canon(expected)


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in LITERALS],
                         ids=[r[0] for r in LITERALS])
def test_literal_accepted_inside_mapping(text: str, expected: Any) -> None:
    mapping = f"header = {{\n    'value' : {text},\n}}\n\nselector = {{'k': {text}}}\n"
    parsed = assert_same_as_python(mapping)
    assert canon(parsed.header) == canon({"value": expected})
    assert canon(parsed.selector) == canon({"k": expected})


def test_parse_literal_rejects_trailing_text() -> None:
    with pytest.raises(MappingError) as info:
        parse_literal("1 2")
    assert "after the value" in info.value.message
    assert (info.value.line, info.value.column) == (1, 3)


def test_parse_literal_rejects_selector_calls() -> None:
    with pytest.raises(MappingError) as info:
        parse_literal("Match({})")
    assert "not allowed here" in info.value.message


# ---- accepted whole mappings ----------------------------------------------------------------

REALISTIC_RMAP = '''\
header = {
    'derived_from' : 'hst_acs_biasfile_0250.rmap',
    'filekind' : 'BIASFILE',
    'instrument' : 'ACS',
    'mapping' : 'REFERENCE',
    'name' : 'hst_acs_biasfile_0251.rmap',
    'observatory' : 'HST',
    'parkey' : (('DETECTOR', 'CCDAMP', 'CCDGAIN', 'LTV1'), ('DATE-OBS', 'TIME-OBS')),
    'rmap_relevance' : '((DETECTOR != "SBC") and (BIASCORR != "OMIT"))',
    'row_keys' : (),
    'unique_rowkeys' : None,
    'sha1sum' : '90a43965be5d044f1e8fcf5f141b3f64b763ca89',
}

comment = """Hand edited: "quoted" and 'single' text,
second line."""

selector = Match({
    # a comment inside the selector body
    ('HRC', 'A', 1.0, -19.0) : UseAfter({
        '1991-01-01 00:00:00' : 'j4d1435ij_bia.fits',
        '2006-07-04 11:29:31' : 'q9e1206hj_bia.fits',
    }),
    ('WFC', 'ABCD', 2.0, - 24) : UseAfter({
        '2002-03-01 00:00:00' : ('a_bia.fits', 'b_bia.fits'),  # tuple terminal
        '2003-01-01 00:00:00' : {'foo' : 'foo_bia.fits'},
    }),
    'SBC' : 'N/A',
})
'''

REALISTIC_SELECTOR = Call("Match", {
    ("HRC", "A", 1.0, -19.0): Call("UseAfter", {
        "1991-01-01 00:00:00": "j4d1435ij_bia.fits",
        "2006-07-04 11:29:31": "q9e1206hj_bia.fits",
    }),
    ("WFC", "ABCD", 2.0, -24): Call("UseAfter", {
        "2002-03-01 00:00:00": ("a_bia.fits", "b_bia.fits"),
        "2003-01-01 00:00:00": {"foo": "foo_bia.fits"},
    }),
    "SBC": "N/A",
})

TOBS_LIKE_RMAP = """\
# leading comment
header = {
    'name' : 'tobs_tinstr_tfilekind.rmap',
    'parkey' : (('TEST_CASE',), ('PARAMETER',)),
    'classes' : ('Match', 'UseAfter',)
}

selector = Match({
    'USE_AFTER' : UseAfter({
        '2004-04-25 21:31:01':('foo_bia.fits', 'bar_bia.fits'),
        '2004-04-25 21:31:02': {'foo' : 'foo_bia1.fits', 'bar' : 'bar_bia2.fits'},
    }),
    'SELECT_VERSION' : SelectVersion({
       '<3.1':    'cref_flatfield_65.fits',
       'default': 'cref_flatfield_123.fits',
    }),
    'CLOSEST_TIME' : ClosestTime({'2017-04-24': "cref_flatfield_123.fits"}),
    'BRACKET' : Bracket({1.2: "a.fits", 5.0: "b.fits",}),
    'GEOMETRICALLY_NEAREST' : GeometricallyNearest({1.2 : "a.fits", -5 : "b.fits"}),
    'VERSION_AFTER' : VersionAfter({'0.7.0rc2' : 'c.fits'}),
}) # trailing comment, no final newline"""

ACCEPTED_MAPPINGS = [
    ("minimal", "header = {}\nselector = {}\n"),
    ("realistic-rmap", REALISTIC_RMAP),
    ("tobs-like-all-seven-classes", TOBS_LIKE_RMAP),
    ("pmap-plain-dict", "header = {'mapping' : 'PIPELINE'}\n\nselector = {\n"
     "    'ACS' : 'hst_acs_0001.imap',\n    'COS' : 'hst_cos.imap',\n}\n"),
    ("imap-with-specials", "header = {'mapping': 'INSTRUMENT',}\nselector = {'biasfile' : "
     "'hst_acs_biasfile.rmap', 'flshfile' : 'N/A', 'x' : 'OMIT'}\n"),
    ("semicolons", "header = {}; selector = {};\n"),
    ("comments-between-statements", "# a\n\nheader = {} # b\n# c\ncomment = 'x' # d\n"
     "selector = {} # e"),
    ("match-bare-string-and-number-keys", "header = {}\nselector = Match({'HRC' : 'a.fits', "
     "1 : 'b.fits', -2.5 : 'c.fits', 'N/A' : 'N/A', (): 'd.fits', ('X',): 'e.fits'})\n"),
    ("match-empty", "header = {}\nselector = Match({})\n"),
    ("match-duplicate-keys-fast-path", "header = {}\nselector = UseAfter({'a' : '1', "
     "'b' : '2', 'a' : '3'})\n"),
    ("match-duplicate-keys-general-path", "header = {}\nselector = Match({('A',) : "
     "UseAfter({}), ('B',) : 'x', ('A',) : 'y', # c\n})\n"),
    ("call-trailing-comma-in-args", "header = {}\nselector = UseAfter({'a':'b','c':'d',},)\n"),
    ("call-comment-in-args", "header = {}\nselector = UseAfter( # c\n { # d\n 'a':'b' # e\n"
     " } # f\n , # g\n ) # h\n"),
    ("hash-inside-fast-path-strings", "header = {}\nselector = Match({('#',) : "
     "UseAfter({'#' : '# x #'})})\n"),
    ("selector-parenthesized", "header = {}\nselector = (Match({}))\n"),
    ("selector-dict-of-calls", "header = {}\nselector = {'a' : Match({'b' : UseAfter({})})}\n"),
    ("call-in-tuple-terminal", "header = {}\nselector = Match({'a' : (UseAfter({}),)})\n"),
    ("comment-triple-single-quotes", "header = {}\ncomment = '''multi\nline ''' 'tail'\n"
     "selector = {}\n"),
    ("comment-none", "header = {}\ncomment = None\nselector = {}\n"),
    ("statement-order-as-written", "selector = {}\ncomment = ''\nheader = {}\n"),
]


@pytest.mark.parametrize("text", [r[1] for r in ACCEPTED_MAPPINGS],
                         ids=[r[0] for r in ACCEPTED_MAPPINGS])
def test_mapping_accepted_like_python(text: str) -> None:
    assert_same_as_python(text)


def test_realistic_rmap_values() -> None:
    parsed = assert_same_as_python(REALISTIC_RMAP)
    assert isinstance(parsed, ParsedMapping)
    assert parsed.filename == FILENAME
    assert parsed.text == REALISTIC_RMAP
    assert parsed.statement_order == ("header", "comment", "selector")
    assert parsed.comment == "Hand edited: \"quoted\" and 'single' text,\nsecond line."
    assert parsed.header["parkey"] == (
        ("DETECTOR", "CCDAMP", "CCDGAIN", "LTV1"), ("DATE-OBS", "TIME-OBS"))
    assert parsed.header["row_keys"] == ()
    assert parsed.header["unique_rowkeys"] is None
    assert canon(parsed.selector) == canon(REALISTIC_SELECTOR)


def test_tobs_like_rmap_class_names() -> None:
    parsed = assert_same_as_python(TOBS_LIKE_RMAP)
    top = parsed.selector
    assert isinstance(top, SelectorCall) and top.class_name == "Match"
    names = {key: value.class_name for key, value in top.entries.items()}
    assert names == {
        "USE_AFTER": "UseAfter", "SELECT_VERSION": "SelectVersion",
        "CLOSEST_TIME": "ClosestTime", "BRACKET": "Bracket",
        "GEOMETRICALLY_NEAREST": "GeometricallyNearest", "VERSION_AFTER": "VersionAfter",
    }
    assert parsed.statement_order == ("header", "selector")


@pytest.mark.parametrize("name", ["fast", "general"])
def test_duplicate_keys_last_value_first_position(name: str) -> None:
    comment = "" if name == "fast" else "  # forces the general path\n"
    text = ("header = {'a': 1, 'b': 2, 'a': 3}\nselector = UseAfter({" + comment
            + "'k' : 'x', 'j' : 'y', 'k' : 'z'})\n")
    parsed = assert_same_as_python(text)
    assert list(parsed.header.items()) == [("a", 3), ("b", 2)]
    assert list(parsed.selector.entries.items()) == [("k", "z"), ("j", "y")]


def test_crlf_line_endings_give_the_same_values() -> None:
    lf = parse_mapping_text(REALISTIC_RMAP, FILENAME)
    crlf_text = REALISTIC_RMAP.replace("\n", "\r\n")
    crlf = assert_same_as_python(crlf_text)
    assert canon(crlf.header) == canon(lf.header)
    assert canon(crlf.selector) == canon(lf.selector)
    assert crlf.comment == lf.comment  # Python reads CRLF inside """...""" as "\n"


def test_crlf_error_location() -> None:
    text = "header = {}\r\n\r\nselector = Match({\r\n    'a' : 'b' +\r\n})\r\n"
    exc = mapping_error(text)
    assert (exc.line, exc.column) == (4, 15)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_locate_selector_calls() -> None:
    parsed = parse_mapping_text(REALISTIC_RMAP, FILENAME)
    top = parsed.selector
    assert parsed.locate(top) == _line_column(REALISTIC_RMAP, REALISTIC_RMAP.index("Match(")) \
        == (18, 12)
    first_use_after = REALISTIC_RMAP.index("UseAfter(")
    second_use_after = REALISTIC_RMAP.index("UseAfter(", first_use_after + 1)
    first, second, _ = top.entries.values()
    assert parsed.locate(first) == _line_column(REALISTIC_RMAP, first_use_after)
    assert parsed.locate(second) == _line_column(REALISTIC_RMAP, second_use_after)


def test_every_real_selector_class_is_supported() -> None:
    assert sorted(SELECTOR_CLASSES) == [
        "Bracket", "ClosestTime", "GeometricallyNearest", "Match", "SelectVersion",
        "UseAfter", "VersionAfter"]
    for name in SELECTOR_CLASSES:
        parsed = parse_mapping_text(f"header = {{}}\nselector = {name}({{'a': 'b'}})\n")
        assert parsed.selector.class_name == name


# ---- the memo argument ------------------------------------------------------------------------

USE_AFTER_BODY = "UseAfter({\n        '2020-01-01 00:00:00' : 'a.fits',\n    })"


def _rmap_with(entries: str) -> str:
    return f"header = {{'name': 'x.rmap'}}\n\nselector = Match({{\n{entries}}})\n"


def test_memo_shares_identical_selector_bodies_between_parses() -> None:
    memo: dict[Any, Any] = {}
    one = parse_mapping_text(_rmap_with(f"    'A' : {USE_AFTER_BODY},\n"), "one.rmap", memo)
    two = parse_mapping_text(
        _rmap_with(f"    'B' : 'b.fits',\n    'A' : {USE_AFTER_BODY},\n"), "two.rmap", memo)
    assert one.selector.entries["A"].entries is two.selector.entries["A"].entries
    assert one.selector is not two.selector


def test_memo_does_not_share_different_bodies() -> None:
    memo: dict[Any, Any] = {}
    other_body = USE_AFTER_BODY.replace("a.fits", "b.fits")
    one = parse_mapping_text(_rmap_with(f"    'A' : {USE_AFTER_BODY},\n"), "one.rmap", memo)
    two = parse_mapping_text(_rmap_with(f"    'A' : {other_body},\n"), "two.rmap", memo)
    call_one, call_two = one.selector.entries["A"], two.selector.entries["A"]
    assert call_one is not call_two
    assert call_one.entries == {"2020-01-01 00:00:00": "a.fits"}
    assert call_two.entries == {"2020-01-01 00:00:00": "b.fits"}


def test_memo_does_not_share_between_selector_classes() -> None:
    memo: dict[Any, Any] = {}
    one = parse_mapping_text("header = {}\nselector = UseAfter({'a' : 'b'})\n", "1", memo)
    two = parse_mapping_text("header = {}\nselector = ClosestTime({'a' : 'b'})\n", "2", memo)
    assert one.selector is not two.selector
    assert two.selector.class_name == "ClosestTime"


def test_without_memo_parses_are_independent() -> None:
    text = _rmap_with(f"    'A' : {USE_AFTER_BODY},\n")
    one = parse_mapping_text(text, "one.rmap")
    two = parse_mapping_text(text, "two.rmap")
    assert one.selector.entries["A"] is not two.selector.entries["A"]
    assert canon(one.selector) == canon(two.selector)


# ---- rejected forms ---------------------------------------------------------------------------

H = "header = {'name': 'x.rmap'}\n"  # line 1 of most rows below

# (id, text, message fragment, line, column)
REJECTED = [
    ("unknown-selector", H + "selector = Foo({})\n",
     "Selector 'Foo' is not one of supported Selectors", 2, 12),
    ("unknown-selector-nested", H + "selector = Match({'a': Foo({})})\n",
     "Selector 'Foo' is not one of supported Selectors", 2, 24),
    ("dunder-import", "header = __import__('os')\nselector = {}\n",
     "Selector '__import__' is not one of supported Selectors", 1, 10),
    ("builtin-call", H + "selector = {'a': print('x')}\n", "Selector 'print'", 2, 18),
    ("attribute-access", H + "selector = os.system('x')\n", "attribute access on 'os'", 2, 12),
    ("method-on-string", H + "selector = {'a': 'x'.upper()}\n", "found '.'", 2, 21),
    ("subscript", H + "selector = header['x']\n", "subscript of 'header'", 2, 12),
    ("subscript-of-literal", "header = {'a': ('x',)[0]}\nselector = {}\n", "found '['", 1, 22),
    ("lambda", H + "selector = lambda: 1\n", "'lambda' is not allowed", 2, 12),
    ("lambda-in-dict", H + "selector = {'a': lambda: 1}\n", "'lambda' is not allowed", 2, 18),
    ("def", H + "def f(): pass\nselector = {}\n", "illegal statement 'def'", 2, 1),
    ("class", H + "class A: pass\n", "illegal statement 'class'", 2, 1),
    ("import", H + "import os\n", "illegal statement 'import'", 2, 1),
    ("from-import", H + "from os import system\n", "illegal statement 'from'", 2, 1),
    ("if-statement", "if True: header = {}\n", "illegal statement 'if'", 1, 1),
    ("del", "del header\n", "illegal statement 'del'", 1, 1),
    ("decorator", "@dec\ndef f(): pass\n", "expected an assignment, found '@'", 1, 1),
    ("expression-statement", H + "'doc'\nselector = {}\n", "expected an assignment", 2, 1),
    ("assign-other-name", H + "x = 1\nselector = {}\n", "illegal assignment to 'x'", 2, 1),
    ("assign-other-name-last", H + "selector = {}\nheader2 = {}\n",
     "illegal assignment to 'header2'", 3, 1),
    ("assign-selector-class-name", "Match = open\n", "illegal assignment to 'Match'", 1, 1),
    ("chained-assignment", "header = x = {}\nselector = {}\n", "unknown name 'x'", 1, 10),
    ("tuple-target", "header, x = {}, 1\nselector = {}\n", "expected '='", 1, 7),
    ("augmented-assignment", "header += {}\nselector = {}\n", "expected '='", 1, 8),
    ("annotated-assignment", "header: dict = {}\nselector = {}\n", "expected '='", 1, 7),
    ("walrus-statement", "header := {}\nselector = {}\n", "expected '='", 1, 8),
    ("assigned-twice", H + "header = {}\nselector = {}\n", "'header' is assigned more than once",
     2, 1),
    ("binop-top-level", H + "selector = 1 + 1\n", "expected end of statement, found '+'", 2, 14),
    ("binop-in-dict", H + "selector = {'a': 1 + 1}\n", "found '+'", 2, 20),
    ("binop-in-parens", H + "selector = {'a': (1 + 1)}\n", "operator '+' is not allowed", 2, 21),
    ("string-plus", "header = {'a': ('x' + 'y')}\nselector = {}\n", "operator '+'", 1, 21),
    ("string-percent", "header = {'a': 'x' % 1}\nselector = {}\n", "found '%'", 1, 20),
    ("power", "header = {'a': [2 ** 3]}\nselector = {}\n", "operator '**'", 1, 19),
    ("comparison", "header = {'a': 1 == 2}\nselector = {}\n", "found '=='", 1, 18),
    ("if-expression", H + "selector = {'a': 1 if 1 else 2}\n", "found 'if'", 2, 20),
    ("not", H + "selector = {'a': not 1}\n", "unknown name 'not'", 2, 18),
    ("set-display", H + "selector = {1, 2}\n", "set displays are not allowed", 2, 13),
    ("set-display-nested", H + "selector = {'a': {1, 2}}\n", "set displays", 2, 19),
    ("set-display-single", "header = {'a': {'x'}}\nselector = {}\n", "set displays", 1, 17),
    ("set-display-concat", H + "selector = {'a' 'b'}\n", "set displays", 2, 13),
    ("dict-comprehension", H + "selector = {k: 1 for k in 'ab'}\n", "unknown name 'k'", 2, 13),
    ("list-comprehension", H + "selector = {'a': ['x' for x in 'ab']}\n",
     "comprehensions are not allowed", 2, 23),
    ("generator-expression", H + "selector = {'a': ('x' for x in 'ab')}\n",
     "comprehensions are not allowed", 2, 23),
    ("dict-unpacking", H + "selector = {**{'a': 1}}\n", "'**' unpacking is not allowed", 2, 13),
    ("dict-unpacking-later", H + "selector = {'a': 1, **x}\n", "'**' unpacking", 2, 21),
    ("star-unpacking", "header = {'a': (*x,)}\nselector = {}\n", "unexpected '*'", 1, 17),
    ("call-keyword-arg", H + "selector = Match(x={})\n", "takes one dictionary argument", 2, 18),
    ("call-two-args", H + "selector = Match({}, {})\n",
     "which takes exactly one dictionary argument, found '{'", 2, 22),
    ("call-no-args", H + "selector = Match()\n", "takes one dictionary argument", 2, 18),
    ("call-list-arg", H + "selector = Match([])\n", "takes one dictionary argument", 2, 18),
    ("call-double-star", H + "selector = Match(**{})\n", "takes one dictionary argument", 2, 18),
    ("call-of-call", H + "selector = Match({'a': 'b'})({})\n",
     "expected end of statement, found '('", 2, 29),
    ("bare-class-name", H + "selector = Match\n", "unknown name 'Match'", 2, 12),
    ("selector-in-header", "header = {'a': Match({})}\nselector = {}\n",
     "selector call 'Match(...)' is not allowed here", 1, 16),
    ("fast-path-selector-in-header", "header = {'a': UseAfter({'x': 'y'})}\nselector = {}\n",
     "selector call 'UseAfter(...)' is not allowed here", 1, 16),
    ("selector-in-header-tuple", "header = {'a': (1, Match({}))}\nselector = {}\n",
     "not allowed here", 1, 20),
    ("selector-as-dict-key", H + "selector = Match({Match({}): 'x'})\n", "not allowed here", 2, 19),
    ("bytes", H + "selector = {'a': b'x'}\n", "unknown name 'b'", 2, 18),
    ("raw-bytes", H + "selector = {'a': rb'x'}\n", "unknown name 'rb'", 2, 18),
    ("f-string", H + "selector = {'a': f'x'}\n", "unknown name 'f'", 2, 18),
    ("f-string-with-call", H + "selector = {'a': f'{open(1)}'}\n", "unknown name 'f'", 2, 18),
    ("complex", H + "selector = {'a': 1j}\n", "only integers and floats are allowed", 2, 18),
    ("complex-float", H + "selector = {'a': 1.5J}\n", "only integers and floats", 2, 18),
    ("negative-complex", H + "selector = {'a': -1j}\n", "only integers and floats", 2, 19),
    ("unary-plus", H + "selector = {'a': +1}\n", "unary '+' is not allowed", 2, 18),
    ("unary-minus-string", H + "selector = {'a': -'x'}\n", "unary '-' must be followed by a number",
     2, 18),
    ("double-minus", H + "selector = {'a': --1}\n", "unary '-' must be followed by a number",
     2, 18),
    ("unknown-name", H + "selector = {'a': x}\n", "unknown name 'x'", 2, 18),
    ("ellipsis", H + "selector = {'a': ...}\n", "unexpected '.'", 2, 18),
    ("ellipsis-name", H + "selector = {'a': Ellipsis}\n", "unknown name 'Ellipsis'", 2, 18),
    ("leading-zero", H + "selector = {'a': 01}\n", "invalid number '01'", 2, 18),
    ("trailing-underscore", H + "selector = {'a': 1_}\n", "invalid number '1_'", 2, 18),
    ("double-underscore", H + "selector = {'a': (1__0,)}\n", "invalid number '1__0'", 2, 19),
    ("huge-int", H + "selector = {'a': " + "9" * 5000 + "}\n", "invalid number", 2, 18),
    ("unknown-unicode-name", H + "selector = {'a': '\\N{NO SUCH NAME}'}\n",
     "invalid string literal", 2, 18),
    ("truncated-hex-escape", H + "selector = {'a': ('x', '\\x4')}\n", "invalid string literal",
     2, 24),
    ("nul-in-string", H + "selector = {'a': 'x\x00'}\n", "NUL", 2, 20),
    ("nul-at-end", H + "selector = Match({})\n\x00", "NUL", 3, 1),
    ("unhashable-list-key", H + "selector = {[1]: 2}\n", "is not hashable", 2, 13),
    ("unhashable-nested-key", H + "selector = {(1, [2]): 2}\n", "is not hashable", 2, 13),
    ("unhashable-dict-key", H + "selector = Match({{}: 2})\n", "is not hashable", 2, 19),
    ("two-statements-one-line", "header = {} selector = {}\n",
     "expected end of statement, found 'selector'", 1, 13),
    ("two-statements-one-line-comment", H + "selector = {} comment = 'x'\n",
     "expected end of statement, found 'comment'", 2, 15),
    ("missing-comma", H + "selector = {'a': 1 'b': 2}\n", "expected ',' or '}'", 2, 20),
    ("double-comma-dict", H + "selector = {'a': 1,, 'b': 2}\n", "unexpected ','", 2, 20),
    ("double-comma-tuple", H + "selector = {'a': (1,,)}\n", "unexpected ','", 2, 21),
    ("lone-comma-tuple", H + "selector = {'a': (,)}\n", "unexpected ','", 2, 19),
    ("missing-colon", H + "selector = {'a' 1}\n", "expected ':' after a dictionary key", 2, 17),
    ("extra-closing-brace", "header = {'a': 'b' 'c'}}\nselector = {}\n",
     "expected end of statement, found '}'", 1, 24),
    ("mismatched-brackets", "header = {'a': (1, 2]}\nselector = {}\n", "found ']'", 1, 21),
    ("yield", "header = {'a': (yield)}\nselector = {}\n", "'yield' is not allowed", 1, 17),
    ("await", "header = {'a': await x}\nselector = {}\n", "'await' is not allowed", 1, 16),
    ("walrus-in-parens", "header = {'a': (x := 1)}\nselector = {}\n", "unknown name 'x'", 1, 17),
    ("backtick-or-junk", "header = {'a': `x`}\nselector = {}\n", "unexpected '`'", 1, 16),
    # truncated texts: the location is the bracket that was never closed, or the end of file
    ("truncated-call-paren", H + "selector = Match({'a': 'b'}\n", "the mapping is truncated",
     2, 17),
    ("truncated-dict", H + "selector = Match({'a': 'b'\n", "the mapping is truncated", 2, 18),
    ("truncated-after-colon", H + "selector = Match({'a': \n", "the mapping is truncated", 3, 1),
    ("truncated-after-key", H + "selector = Match({'a'\n", "the mapping is truncated", 2, 18),
    ("truncated-open-brace", H + "selector = Match({\n", "the mapping is truncated", 2, 18),
    ("truncated-open-paren", H + "selector = Match(\n", "takes one dictionary argument", 3, 1),
    ("truncated-before-equals", H + "selector\n", "expected '=' in the 'selector' statement", 3, 1),
    ("truncated-after-equals", H + "selector =\n", "the mapping is truncated", 3, 1),
    ("truncated-tuple", "header = {'a': (\n", "the mapping is truncated", 1, 16),
    ("truncated-list", "header = {'a': [1,\n", "the mapping is truncated", 1, 16),
    ("truncated-minus", "header = {'a': -\n", "unary '-' must be followed by a number", 1, 16),
    ("truncated-header", "header = {\n    'a' : 'b',\n", "the mapping is truncated", 1, 10),
    ("truncated-useafter", H + "selector = Match({\n    'A' : UseAfter({\n        'x' : 'y',\n",
     "the mapping is truncated", 3, 20),
]


@pytest.mark.parametrize(("text", "fragment", "line", "column"), [r[1:] for r in REJECTED],
                         ids=[r[0] for r in REJECTED])
def test_rejected_with_location(text: str, fragment: str, line: int, column: int) -> None:
    exc = mapping_error(text)
    assert fragment in exc.message
    assert (exc.line, exc.column) == (line, column), exc.message
    assert str(exc).startswith(f"{FILENAME}:{line}:{column}: ")


# Errors found only after the whole text is read: the message names the file; no position.
STRUCTURAL = [
    ("empty-text", "", "missing required 'header = ...' statement"),
    ("only-comments", "# nothing here\n\n", "missing required 'header = ...' statement"),
    ("missing-header", "selector = {}\n", "missing required 'header = ...' statement"),
    ("missing-selector", "header = {}\n", "missing required 'selector = ...' statement"),
    ("missing-selector-with-comment", "header = {}\ncomment = 'x'\n", "missing required 'selector"),
    ("header-list", "header = ['a']\nselector = {}\n", "'header' must be a dictionary"),
    ("header-string", "header = 'abc'\nselector = {}\n", "'header' must be a dictionary"),
    ("header-none", "header = None\nselector = {}\n", "'header' must be a dictionary"),
    ("header-tuple", "header = ({},)\nselector = {}\n", "'header' must be a dictionary"),
    ("selector-list", "header = {}\nselector = [1]\n", "'selector' must be a dictionary or"),
    ("selector-string", "header = {}\nselector = 'x'\n", "'selector' must be a dictionary or"),
    ("comment-number", "header = {}\ncomment = 5\nselector = {}\n", "'comment' must be a string"),
]


@pytest.mark.parametrize(("text", "fragment"), [r[1:] for r in STRUCTURAL],
                         ids=[r[0] for r in STRUCTURAL])
def test_structural_errors(text: str, fragment: str) -> None:
    exc = mapping_error(text)
    assert fragment in exc.message


# ---- truncation at every offset -----------------------------------------------------------


def _prefix_problems(text: str) -> list[str]:
    """Problems found when parsing every prefix of ``text`` that does not end inside a string
    literal (those hit known bug 1, see the end of this module)."""
    full = canon(parse_mapping_text(text, FILENAME).selector)
    problems = []
    for cut in range(len(text) + 1):
        prefix = text[:cut]
        if _open_string_at_end(prefix):
            continue
        try:
            parsed = parse_mapping_text(prefix, FILENAME)
            if canon(parsed.selector) != full:  # only the complete selector may be accepted
                problems.append(f"cut {cut}: accepted with a partial selector")
        except MappingError as exc:
            if exc.line is not None and not 1 <= exc.line <= prefix.count("\n") + 1:
                problems.append(f"cut {cut}: line {exc.line} out of range")
            if exc.column is not None and exc.column < 1:
                problems.append(f"cut {cut}: column {exc.column}")
        except Exception as exc:  # anything else is the failure we look for
            problems.append(f"cut {cut}: {type(exc).__name__}: {exc} in {prefix[-20:]!r}")
    return problems


@pytest.mark.parametrize("text", [REALISTIC_RMAP, TOBS_LIKE_RMAP,
                                  REALISTIC_RMAP.replace("\n", "\r\n")],
                         ids=["realistic", "tobs-like", "realistic-crlf"])
def test_every_prefix_parses_or_raises_mapping_error(text: str) -> None:
    assert _prefix_problems(text) == []


def test_full_texts_parse() -> None:
    """The prefix tests above only mean something if the whole texts are valid."""
    parse_mapping_text(REALISTIC_RMAP)
    parse_mapping_text(TOBS_LIKE_RMAP)


def test_prefix_without_selector_statement_is_rejected() -> None:
    cut_after_header_and_selector = REALISTIC_RMAP.index("selector = Match")
    prefix = REALISTIC_RMAP[:cut_after_header_and_selector]
    exc = mapping_error(prefix)
    assert "missing required 'selector" in exc.message


# ---- resource limits --------------------------------------------------------------------------

DEEP = 10_000


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("header = " + "(" * DEEP + ")" * DEEP + "\nselector = {}\n", 10),
        ("header = " + "[" * DEEP + "]" * DEEP + "\nselector = {}\n", 10),
        ("header = " + "{" * DEEP + "\nselector = {}\n", 10),
        ("header = " + "{'a':" * DEEP + "1" + "}" * DEEP + "\nselector = {}\n", None),
        ("header = {}\nselector = " + "Match({'a':" * DEEP + "'x'" + "})" * DEEP, None),
        ("header = {'a': " + "-(" * DEEP + "1" + ")" * DEEP + "}\nselector = {}\n", None),
    ],
    ids=["parens", "brackets", "braces", "dicts", "selector-calls", "minus-parens"],
)
@pytest.mark.timeout(60)  # a guard against runaway recursion or backtracking, not a benchmark
def test_deep_nesting_is_a_quick_mapping_error(text: str, column: int | None) -> None:
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(1000)  # the parser must not rely on a large stack
        with pytest.raises(MappingError) as info:
            parse_mapping_text(text, FILENAME)
    finally:
        sys.setrecursionlimit(limit)
    exc = info.value
    assert exc.line is not None
    if column is not None:  # one bracket past the limit
        assert "nested more than" in exc.message
        assert (exc.line, exc.column) == (1, column + parser_mod.MAX_NESTING + 1)


def test_moderate_nesting_is_accepted() -> None:
    depth = 20
    text = "header = {'a': " + "(" * depth + "1," + ")" * depth + "}\nselector = {}\n"
    assert_same_as_python(text)
    text = "header = {}\nselector = " + "Match({'a':" * depth + "'x'" + "})" * depth + "\n"
    assert_same_as_python(text)


def test_text_over_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "header = {}\nselector = {}\n"
    monkeypatch.setattr(parser_mod, "MAX_TEXT_SIZE", len(text))
    assert parse_mapping_text(text, FILENAME).selector == {}
    exc = mapping_error(text + " ")
    assert "too large" in exc.message


def test_size_limit_is_checked_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_mod, "MAX_TEXT_SIZE", 100)
    exc = mapping_error("(" * 1000)
    assert "too large" in exc.message


@pytest.mark.timeout(60)  # quadratic work on 20,000 items would take many minutes
def test_long_inputs_are_linear() -> None:
    """Large but valid inputs and long runs of junk end (parsed or refused), without
    quadratic work; pytest-timeout stops the test if they do not."""
    n = 20_000
    texts = [
        "header = {}\nselector = UseAfter({" + "'2020-01-01 00:00:00' : 'a.fits', " * n + "})",
        "header = {'a': (" + "'x', " * n + "# comment\n)}\nselector = {}\n",
        "header = {'a': " + "'''x''' " * n + "}\nselector = {}\n",
        "header = {'a': " + "'" * n + "}",
        "header = {'a': " + '"' * n + "}",
        "header = {'a': (" + "1" * n + " x)}",
        "header = {'a': " + "'''" + "x" * n,
    ]
    for text in texts:
        try:
            parse_mapping_text(text, FILENAME)
        except MappingError:  # any other exception (bug 1's IndexError) fails the test
            pass


# ---- nothing is ever executed ---------------------------------------------------------------

_WATCHED_EVENTS = frozenset({
    "exec", "import", "open", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "subprocess.Popen", "os.remove", "os.rename", "socket.connect",
})
_audit_log: list[str] | None = None


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if _audit_log is not None and event in _WATCHED_EVENTS:
        _audit_log.append(f"{event}{args!r}"[:200])


sys.addaudithook(_audit_hook)  # inert unless a test sets _audit_log


def _side_effect_texts(path: str) -> list[str]:
    touch = f"__import__('os').system('touch {path}')"
    opener = f"open('{path}', 'w')"
    return [
        f"header = {touch}\nselector = {{}}\n",
        f"header = {{}}\nselector = {opener}\n",
        f"header = {{'a': {opener}.write('x')}}\nselector = {{}}\n",
        f"import os; os.system('touch {path}')\nheader = {{}}\nselector = {{}}\n",
        f"header = {{}}\nselector = Match({{'a': {touch}}})\n",
        f"header = {{}}\nselector = Match({{'A': UseAfter({{'2020-01-01 00:00:00': "
        f"exec(\"{opener}\")}})}})\n",
        f"header = {{'a': eval(\"{opener}\")}}\nselector = {{}}\n",
        f"header = {{'a': f\"{{{opener}}}\"}}\nselector = {{}}\n",
        f"header = {{'a': (lambda: {opener})()}}\nselector = {{}}\n",
        f"header = {{}}\nselector = Match({{}}) if {opener} else {{}}\n",
        f"Match = open\nheader = {{}}\nselector = Match('{path}', 'w')\n",
        f"header = {{}}\nselector = [{opener} for _ in 'x']\n",
        f"header = {{}}\nselector = Match({{}}).__class__.__init__.__globals__['__builtins__']"
        f"['open']('{path}', 'w')\n",
        f"header = {{}}\ncomment = '''x''' + {opener}.name\nselector = {{}}\n",
        f"header = {{}}\nselector = UseAfter({{'a': 'b'}}, {opener})\n",
        f"header = {{}}\nselector = {{}}\n{opener}\n",
        f"header = {{}}; {opener}; selector = {{}}\n",
        f"header = {{}}\nselector = {{}}\nclass A:\n    x = {opener}\n",
        f"header = {{}}\nselector = {{}}\n@{opener}.close\ndef f(): pass\n",
        f"header = {{'a': [x for x in [{opener}]]}}\nselector = {{}}\n",
        f"header = {{'a': {{**{{'b': {opener}}}}}}}\nselector = {{}}\n",
        f"header = {{'a': __builtins__['open']('{path}', 'w')}}\nselector = {{}}\n",
        f"header = {{'a': Match.__call__('{path}')}}\nselector = {{}}\n",
    ]


def test_never_executes_anything(tmp_path: Any) -> None:
    global _audit_log
    sentinel = tmp_path / "opencrds_pwned"
    texts = _side_effect_texts(str(sentinel))
    for text in texts:  # every one of them would have an effect if it were run as Python
        ast.parse(text)
    outcomes = []
    _audit_log = []
    try:
        for text in texts:
            try:
                parse_mapping_text(text, FILENAME)
                outcomes.append("accepted")
            except MappingError:
                outcomes.append("MappingError")
            except Exception as exc:
                outcomes.append(type(exc).__name__)
        events = list(_audit_log)
    finally:
        _audit_log = None
    assert outcomes == ["MappingError"] * len(texts)
    assert not sentinel.exists()
    assert events == []


def test_parse_literal_never_executes_anything(tmp_path: Any) -> None:
    sentinel = tmp_path / "opencrds_pwned"
    for text in [f"open('{sentinel}', 'w')", f"__import__('os').system('touch {sentinel}')",
                 f"[open('{sentinel}', 'w')]", f"{{'a': open('{sentinel}', 'w')}}"]:
        with pytest.raises(MappingError):
            parse_literal(text)
    assert not sentinel.exists()


# ---- KNOWN BUGS ------------------------------------------------------------------------------
# Each test below pinned a defect found in src/opencrds/rules/parser.py; all are fixed now.
#
# BUG 1 (crash). An unterminated single-line string ('abc<newline> or 'abc<EOF>) fails every
# string alternative of _TOKEN_RE, so the catch-all "." returns a lone quote token. value()
# sends any token starting with a quote to string() -> decode_string(), whose fast-path test
# `len(tok) == 2 or tok[1] != tok[0]` indexes tok[1] on the 1-character token: IndexError
# escapes instead of MappingError. The "unterminated string" branch of value() is unreachable.

BUG1 = "BUG 1: unterminated string -> lone quote token -> IndexError in decode_string()"


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("header = {'a': 'b", "'b"),
        ("header = {'a': \"x}\nselector = {}\n", '"x'),
        ("header = {}\ncomment = 'abc\nselector = {}\n", "'abc"),
        ("header = {}\nselector = Match({'A': UseAfter({'2020-01-01 00:00:00': 'x.fits})})\n",
         "'x.fits"),
    ],
    ids=["single", "double", "comment", "useafter-value"],
)
def test_unterminated_string_is_a_mapping_error(text: str, marker: str) -> None:
    exc = mapping_error(text)
    assert "string" in exc.message
    assert (exc.line, exc.column) == _line_column(text, text.index(marker))


@pytest.mark.parametrize("text", [REALISTIC_RMAP, TOBS_LIKE_RMAP], ids=["realistic", "tobs-like"])
def test_every_prefix_ending_inside_a_string_raises_mapping_error(text: str) -> None:
    for cut in range(len(text) + 1):
        prefix = text[:cut]
        if _open_string_at_end(prefix):
            with pytest.raises(MappingError):
                parse_mapping_text(prefix, FILENAME)


# BUG 1b (rejects valid text; today it crashes through BUG 1). In a CRLF file, a backslash at
# the end of a line inside a string is a line continuation for Python; _TOKEN_RE's `\\.` only
# takes the CR, the LF then ends the string.


def test_backslash_continuation_in_crlf_file() -> None:
    text = "header = {'a': 'x\\\r\ny'}\r\nselector = {}\r\n"
    assert python_reference(text)["header"] == {"a": "xy"}
    assert parse_mapping_text(text, FILENAME).header == {"a": "xy"}


# BUG 2 (accepts invalid text, wrong value). When a triple-quoted string is not closed, the
# single-quote alternative of _TOKEN_RE matches its first two quotes as an empty string and
# tokenizing goes on from the third quote, so implicit concatenation glues the empty string to
# whatever follows: {'a': 4 quotes} -> {'a': ''}; comment = 3 quotes + abc' -> 'abc'.
# Python: "unterminated triple-quoted string literal".


@pytest.mark.parametrize(
    "text",
    [
        "header = {'a': ''''}\nselector = {}\n",
        "header = {}\ncomment = '''abc'\nselector = {}\n",
        "header = {'a': \"\"\"x\"}\nselector = {}\n",
        "header = {'a': '''\"'}\nselector = {}\n",
        "header = {}\ncomment = '''abc",
    ],
    ids=["four-quotes", "comment", "double-quotes", "quote-inside", "at-end-of-file"],
)
def test_unterminated_triple_quoted_string_is_rejected(text: str) -> None:
    with pytest.raises(SyntaxError):
        ast.parse(text)
    mapping_error(text)


# BUG 3 (accepts invalid text / differs from Python). Outside brackets a newline ends a Python
# statement, but _WS skips newlines everywhere, so the parser reads across them:
# comment = 'a' NEWLINE 'b' gives 'ab' (Python: 'a' and a separate expression statement 'b');
# header = NEWLINE {} is accepted (Python: SyntaxError); selector = Match NEWLINE ({}) becomes
# Match({}) (Python: selector is the bare name Match, which CRDS rejects).


@pytest.mark.parametrize(
    "text",
    [
        "header = {}\ncomment = 'a'\n'b'\nselector = {}\n",
        "header =\n{}\nselector = {}\n",
        "header = {}\nselector = Match\n({})\n",
        "header = {}\nselector = UseAfter\n({'a': 'b'})\n",
        "header = {}\nselector\n= {}\n",
    ],
    ids=["glued-string", "value-on-next-line", "call-on-next-line", "fast-call-on-next-line",
         "equals-on-next-line"],
)
def test_newline_ends_a_statement(text: str) -> None:
    mapping_error(text)


# BUG 4 (minor, lenient). Statement syntax Python rejects is accepted: indentation before a
# statement, empty statements (';;') and a leading ';'.


@pytest.mark.parametrize(
    "text",
    ["  header = {}\nselector = {}\n", "header = {};;\nselector = {}\n",
     ";header = {}\nselector = {}\n", "header = {}\n    selector = {}\n"],
    ids=["indent", "double-semicolon", "leading-semicolon", "indented-second"],
)
def test_statement_syntax_python_rejects(text: str) -> None:
    with pytest.raises(SyntaxError):
        ast.parse(text)
    mapping_error(text)


# BUG 5 (minor, rejects valid literals). 0x10, 0o17, 0b101 are Python integer literals
# (RULES.md §1.2: "accept any Python literal syntax"); the number token stops at '0' and the
# rest ('x10') is read as a name.


@pytest.mark.parametrize("literal", ["0x10", "0o17", "0b101", "0XFF", "-0x1"])
def test_non_decimal_integers_are_accepted(literal: str) -> None:
    assert parse_literal(literal) == ast.literal_eval(literal)


# BUG 6 (minor, rejects valid text). Python treats a lone CR as a line end; the parser's
# end-of-statement check and line numbers only know LF.


def test_cr_only_line_endings() -> None:
    text = "header = {} # c\rselector = {}\r"
    assert python_reference(text)["selector"] == {}
    assert parse_mapping_text(text, FILENAME).selector == {}


# BUG 7 (minor, wrong error locations). A SelectorCall shared through ``memo`` keeps the offset
# into the text it was first parsed from; ParsedMapping.locate() then applies that offset to
# another text, so SelectorCompiler errors in a later mapping point at a wrong line/column.


def test_locate_of_a_memo_shared_call_points_into_its_own_text() -> None:
    memo: dict[Any, Any] = {}
    parse_mapping_text(_rmap_with(f"    'A' : {USE_AFTER_BODY},\n"), "one.rmap", memo)
    text = "\n\n\n" + _rmap_with(f"    'B' : 'b.fits',\n    'A' : {USE_AFTER_BODY},\n")
    two = parse_mapping_text(text, "two.rmap", memo)
    expected = _line_column(text, text.index("UseAfter"))
    assert expected == (8, 11)
    assert two.locate(two.selector.entries["A"]) == expected


# BUG 8 (minor, missing location). 'header' that is not a dict, 'selector' that is neither a
# dict nor a call, 'comment' that is not a string: MappingError has line = column = None,
# although the value's position is known.


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("header = ['a']\nselector = {}\n", 1, 10),
        ("header = {}\nselector = [1]\n", 2, 12),
        ("header = {}\ncomment = 5\nselector = {}\n", 2, 11),
    ],
    ids=["header-list", "selector-list", "comment-number"],
)
def test_statement_type_errors_have_a_location(text: str, line: int, column: int) -> None:
    exc = mapping_error(text)
    assert (exc.line, exc.column) == (line, column)


# BUG 9 (cosmetic, wrong error location). The "nested more than MAX_NESTING levels" error is
# placed at self.pos, the end of the previous token, not at the bracket that goes too deep:
# with brackets separated by white space it points at the space or at the end of the line.


@pytest.mark.parametrize("separator", [" ", "\n"], ids=["space", "newline"])
def test_nesting_error_points_at_the_bracket(separator: str) -> None:
    text = "header = " + ("[" + separator) * 100
    offending = 9 + (len(separator) + 1) * (parser_mod.MAX_NESTING + 1)
    assert text[offending] == "["
    exc = mapping_error(text)
    assert "nested more than" in exc.message
    assert (exc.line, exc.column) == _line_column(text, offending)
