"""The OpenCRDS bundle format: limits header and frame lines, written by the server and read
by the client."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencrds.protocol.bundle import (
    BundleFormatError,
    BundleLimits,
    Entry,
    error_line,
    file_line,
    format_limits,
    parse_limits,
    parse_line,
)

POSITIVE = st.integers(min_value=1, max_value=1 << 62)
NAMES = st.text(min_size=1, max_size=40).filter(lambda s: "\n" not in s)


@given(POSITIVE, POSITIVE)
def test_limits_round_trip(names: int, size: int) -> None:
    text = format_limits(names, size)
    assert text == f"names={names}, bytes={size}"
    assert parse_limits(text) == BundleLimits(names=names, bytes=size)


@pytest.mark.parametrize("text, limits", [
    ("", BundleLimits()),
    ("names=5", BundleLimits(names=5)),
    ("bytes=9, names=2, future=7", BundleLimits(names=2, bytes=9)),
    ("names=0, bytes=-3", BundleLimits()),
    ("names=lots, bytes", BundleLimits()),
    (" names = 4 ,bytes=8", BundleLimits(names=None, bytes=8)),
])
def test_limits_tolerate_unknown_and_bad_words(text: str, limits: BundleLimits) -> None:
    assert parse_limits(text) == limits


@given(NAMES, st.integers(min_value=0, max_value=1 << 40), st.text(max_size=40))
def test_file_line_round_trip(name: str, size: int, sha1: str) -> None:
    line = file_line(name, size, sha1)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert parse_line(line[:-1]) == Entry(name, size, sha1)


@given(NAMES, st.text(min_size=1, max_size=80))
def test_error_line_round_trip(name: str, error: str) -> None:
    line = error_line(name, error)
    assert line.count(b"\n") == 1
    assert parse_line(line[:-1]) == Entry(name, None, "", error)


def test_line_bytes_are_stable() -> None:
    assert file_line("a.rmap", 3, "ab") == b'{"name":"a.rmap","size":3,"sha1sum":"ab"}\n'
    assert error_line("b", "UnknownFile: x") == b'{"name":"b","error":"UnknownFile: x"}\n'


@pytest.mark.parametrize("line", [b'{"name":"a","size":-1}', b'{"name":"a","size":"3"}',
                                  b'{"name":"a","size":true}', b'{"name":"a"}'])
def test_lines_without_a_usable_size_carry_no_file(line: bytes) -> None:
    assert parse_line(line).size is None


@pytest.mark.parametrize("line, message", [
    (b'{"name"', "header line is not JSON"),
    (b"\xff", "header line is not JSON"),
    (b"[1]", "header line is not a JSON object"),
])
def test_malformed_lines(line: bytes, message: str) -> None:
    with pytest.raises(BundleFormatError, match=message):
        parse_line(line)
