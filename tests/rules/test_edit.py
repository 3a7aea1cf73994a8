"""Pure rmap refactoring: insert, replace, delete, context entries, derived text."""

from __future__ import annotations

import pytest

from opencrds.rules.checksum import verify_checksum
from opencrds.rules.edit import (
    RefactorError,
    delete_references,
    derived_text,
    insert_reference,
    reference_path,
    set_context_entry,
    useafter_key,
)
from opencrds.rules.parser import parse_mapping_text

RMAP = """header = {
    'name' : 'tobs_tinstr_tkind_0001.rmap',
    'observatory' : 'TOBS',
    'parkey' : (('DETECTOR', 'BINAXIS1'), ('DATE-OBS', 'TIME-OBS')),
    'sha1sum' : 'x',
}

selector = Match({
    ('A', '1') : UseAfter({
        '2000-01-01 00:00:00' : 'a1.fits',
    }),
    ('B', 2) : UseAfter({
        '2000-01-01 00:00:00' : 'b1.fits',
    }),
})
"""


def parsed():
    return parse_mapping_text(RMAP, "tobs_tinstr_tkind_0001.rmap")


def test_useafter_formats() -> None:
    assert useafter_key({"USEAFTER": "Oct 01 1997 01:01:01"}) == "1997-10-01 01:01:01"
    assert useafter_key({"META.USEAFTER": "2014-01-01T00:00:00"}) == "2014-01-01 00:00:00"
    with pytest.raises(RefactorError):
        useafter_key({})


def test_existing_keys_are_reused_as_written() -> None:
    header = {"DETECTOR": "b", "BINAXIS1": "2", "USEAFTER": "2000-01-01"}
    assert reference_path(parsed(), header) == [("B", 2), "2000-01-01 00:00:00"]


def test_insert_new_date_new_key_and_replace() -> None:
    base = parsed()
    new, replaced = insert_reference(base, "a2.fits", {"DETECTOR": "A", "BINAXIS1": 1,
                                                       "USEAFTER": "2001-01-01 00:00:00"})
    assert replaced is None
    assert new.selector.entries[("A", "1")].entries["2001-01-01 00:00:00"] == "a2.fits"
    new, _ = insert_reference(new, "c.fits", {"DETECTOR": "C", "BINAXIS1": "X",
                                              "USEAFTER": "2002-02-02"})
    assert new.selector.entries[("C", "X")].class_name == "UseAfter"
    new, replaced = insert_reference(new, "b2.fits", {"DETECTOR": "B", "BINAXIS1": "2",
                                                      "USEAFTER": "2000-01-01"},
                                     replace_only=True)
    assert replaced == "b1.fits"
    assert "2001-01-01 00:00:00" not in base.selector.entries[("A", "1")].entries
    with pytest.raises(RefactorError):
        insert_reference(base, "d.fits", {"DETECTOR": "D", "BINAXIS1": "1",
                                          "USEAFTER": "2000-01-01"}, replace_only=True)


def test_delete_prunes_empty_selectors() -> None:
    new = delete_references(parsed(), ["b1.fits"])
    assert list(new.selector.entries) == [("A", "1")]
    with pytest.raises(RefactorError, match="could not be found"):
        delete_references(parsed(), ["zz.fits"])


def test_derived_text_is_canonical_and_verifies() -> None:
    text = derived_text(parsed(), "tobs_tinstr_tkind_0001.rmap", "tobs_tinstr_tkind_0002.rmap")
    again = parse_mapping_text(text, "tobs_tinstr_tkind_0002.rmap")
    verify_checksum(text, again.header, "tobs_tinstr_tkind_0002.rmap")
    assert again.header["derived_from"] == "tobs_tinstr_tkind_0001.rmap"
    assert again.header["name"] == "tobs_tinstr_tkind_0002.rmap"


def test_set_context_entry_keeps_key_case() -> None:
    pmap = parse_mapping_text("header = {'name' : 'p.pmap'}\nselector = {'ACS' : 'a.imap'}\n",
                              "p.pmap")
    new, old = set_context_entry(pmap, "acs", "b.imap")
    assert (old, new.selector) == ("a.imap", {"ACS": "b.imap"})
    new, old = set_context_entry(pmap, "cos", "c.imap")
    assert old is None and new.selector["COS"] == "c.imap"
