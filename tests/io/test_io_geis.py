"""GEIS text headers (.r1h ...): the line rules of the reference client (no shared data)."""

from __future__ import annotations

import pytest

from opencrds.io import HeaderError, detect_format, read_header
from opencrds.io.geis import parse_geis_text


def card(key: str, value: str, comment_column: int | None = None) -> str:
    text = f"{key:<8}= {value}"
    if comment_column is not None:
        text = text.ljust(comment_column) + "/ comment"
    return text.ljust(80)


@pytest.mark.parametrize(("line", "value"), [
    (card("S", "'abc'", 31), "abc"),              # '/' in column 32 ends the value, unquoted
    (card("N", "12", 31), "12"),
    (card("S", "'abc'", 30), "'abc'               / comment"),  # anywhere else it is kept
    (card("N", "12", 12), "12/ comment"),
    (card("N", "12", 40), "12                            / comment"),
    (card("Q", "'a/b'", 31), "a/b"),
    (card("Q", "'a''b'", 31), "a''b"),            # no '' unescaping
    (card("Q", "' J2000  '", 31), "J2000"),       # text inside quotes is stripped
    (card("Q", "'   '", 31), ""),
    (card("Q", "'unterminated"), "'unterminated"),
    (card("D", "", 29)[:29] + "/ / UT date", "/"),  # DATE-OBS=   / / ... -> '/'
    (card("F", "0.", 31), "0."),                  # values are not converted
    (card("T", "T", 31), "T"),
    ("E       =".ljust(80), ""),
])
def test_value_rules(line, value):
    assert parse_geis_text(line)[line[:8].strip().upper()] == value


def test_keys_history_and_order():
    text = "\n".join([
        card("SIMPLE", "F", 31), "HISTORY  first  ", "lower   = 'x'", "I=5",
        "KEYWORDLONG= 3", "COMMENT   a comment", "COMMENT  c=d", "DUP     = 'one'",
        "DUP     = 'two'", "HISTORY", "HISTORYX more", "        / blank", "  HISTORY no",
        "NOEQUALS  value", "END", "AFTER   = 'after end'",
    ])
    header = parse_geis_text(text)
    assert header == {"SIMPLE": "F", "LOWER": "x", "I": "5", "KEYWORDLONG": "3",
                      "COMMENT  C": "d", "DUP": "two", "AFTER": "after end",
                      "HISTORY": "first\n\nX more"}
    assert list(header)[-1] == "HISTORY"


def test_crlf_and_always_history():
    assert parse_geis_text("A       = 1\r\nB = '2'\r\n") == {"A": "1", "B": "2", "HISTORY": ""}


def test_read_header_by_extension_and_conjugate(text_file, tmp_path):
    lines = "\n".join([card("SIMPLE", "F", 31), card("INSTRUME", "'WFPC2   '", 31), "END"]) + "\n"
    header_file = text_file("x.r1h", lines)
    text_file("x.r1d", b"\0\0\0\0")
    text_file("y.c0h", lines)
    expected = {"SIMPLE": "F", "INSTRUME": "WFPC2", "HISTORY": "", "FILE_FORMAT": "GEIS"}
    assert read_header(header_file) == expected
    assert read_header(tmp_path / "x.r1d") == expected
    assert read_header(tmp_path / "y.c0h") == expected
    assert detect_format(tmp_path / "x.r1d") == ("GEIS", str(header_file))
    text_file("opaque.tmp", lines)
    assert read_header(tmp_path / "opaque.tmp") == expected


def test_needed_keys(text_file):
    path = text_file("n.r1h", "\n".join([card("SIMPLE", "F", 31), card("DATE-OBS", "'1/2/93'", 31),
                                         "HISTORY h"]) + "\n")
    assert read_header(path, ["date-obs", "INSTRUME", "HISTORY"]) == {
        "DATE-OBS": "1/2/93", "HISTORY": "h", "INSTRUME": "UNDEFINED", "FILE_FORMAT": "GEIS"}


@pytest.mark.parametrize(("content", "problem"), [
    (b"\x00\x01\x02garbage", "binary content"),
    (b"", "no 'KEY = value' cards"),
    (b"SIMPLE  = 'caf\xe9'\n", "not a text header"),
])
def test_errors(text_file, content, problem):
    path = text_file("bad.r1h", content)
    with pytest.raises(HeaderError) as info:
        read_header(path)
    assert str(info.value).startswith(f"cannot read GEIS header of '{path}': ")
    assert problem in str(info.value) and "\n" not in str(info.value)
