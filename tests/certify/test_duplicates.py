"""Duplicate keys in mapping dict displays are found by re-tokenizing the text."""

from __future__ import annotations

from opencrds.certify.duplicates import find_duplicates

TEXT = """header = {
    'name' : 'a.rmap',
    'name' : 'b.rmap',
}
selector = Match({
    ('A', 'B') : UseAfter({'2000-01-01 00:00:00' : 'x.fits',
                           '2000-01-01 00:00:00' : 'y.fits'}),
    ('A', 'C') : 'z.fits',
    ('A', 'B') : 'w.fits',
})
"""


def test_finds_every_duplicate() -> None:
    found = {(d.key, d.first_line, d.line) for d in find_duplicates(TEXT)}
    assert found == {("name", 2, 3), ("2000-01-01 00:00:00", 6, 7), (("A", "B"), 6, 9)}


def test_no_duplicates() -> None:
    assert find_duplicates("header = {'a' : 1, 'b' : {'a' : 2}}\nselector = Match({})") == []
