"""Deriving a new context from new rmaps (``opencrds.rules.derive``), with no files."""

from __future__ import annotations

import pytest

from opencrds.rules.checksum import verify_checksum
from opencrds.rules.derive import (
    Failure,
    Replacement,
    RmapSlot,
    derive_context,
    new_name_after,
    rmap_slot,
)
from opencrds.rules.parser import parse_mapping_text

PMAP = """header = {
    'name' : 'tobs_0007.pmap',
    'observatory' : 'TOBS',
    'parkey' : ('INSTRUME',),
    'sha1sum' : 'x',
}

selector = {
    'TINSTR' : 'tobs_tinstr_0003.imap',
    'OTHER' : 'tobs_other_0001.imap',
}
"""

IMAP = """header = {
    'name' : 'tobs_tinstr_0003.imap',
    'instrument' : 'TINSTR',
    'observatory' : 'TOBS',
    'parkey' : ('REFTYPE',),
    'sha1sum' : 'x',
}

selector = {
    'tkind' : 'tobs_tinstr_tkind_0001.rmap',
    'other' : 'tobs_tinstr_other_0001.rmap',
}
"""

RMAP = """header = {
    'name' : 'tobs_tinstr_tkind_0002.rmap',
    'instrument' : 'TINSTR',
    'filekind' : 'TKIND',
    'observatory' : 'TOBS',
    'parkey' : (('DETECTOR',),),
    'sha1sum' : 'x',
}

selector = Match({
    ('A',) : 'a2.fits',
})
"""

TAKEN = ["tobs_0007.pmap", "tobs_0008.pmap", "tobs_tinstr_0003.imap"]


def pmap():
    return parse_mapping_text(PMAP, "tobs_0007.pmap")


def imaps():
    return {"tobs_tinstr_0003.imap": parse_mapping_text(IMAP, "tobs_tinstr_0003.imap")}


def test_rmap_slot_from_text_and_from_na() -> None:
    assert rmap_slot("tobs_tinstr_tkind_0002.rmap", RMAP) == RmapSlot(
        "tinstr", "tkind", "tobs_tinstr_tkind_0002.rmap")
    assert rmap_slot("tinstr_other_n/a") == RmapSlot("tinstr", "other", "N/A")
    assert rmap_slot("tobs_tinstr_other_N/A") == RmapSlot("tinstr", "other", "N/A")
    with pytest.raises(ValueError, match="is not <instr>_<type>_n/a"):
        rmap_slot("tobs_a_b_c_n/a")


def test_new_rmap_gives_new_imap_and_pmap() -> None:
    slot = rmap_slot("tobs_tinstr_tkind_0002.rmap", RMAP)
    derived = derive_context(pmap(), [("tobs_tinstr_tkind_0002.rmap", slot)],
                             imaps().__getitem__, new_name_after(TAKEN))
    assert [m.name for m in derived.mappings] == ["tobs_0009.pmap", "tobs_tinstr_0004.imap"]
    assert [m.derived_from for m in derived.mappings] == ["tobs_0007.pmap",
                                                          "tobs_tinstr_0003.imap"]
    new_pmap = parse_mapping_text(derived.mappings[0].text, "tobs_0009.pmap")
    new_imap = parse_mapping_text(derived.mappings[1].text, "tobs_tinstr_0004.imap")
    assert new_pmap.header["name"] == "tobs_0009.pmap"
    assert new_pmap.header["derived_from"] == "tobs_0007.pmap"
    assert new_pmap.selector["TINSTR"] == "tobs_tinstr_0004.imap"
    assert new_pmap.selector["OTHER"] == "tobs_other_0001.imap"
    assert new_imap.selector["tkind"] == "tobs_tinstr_tkind_0002.rmap"
    assert new_imap.selector["other"] == "tobs_tinstr_other_0001.rmap"
    for mapping in derived.mappings:
        verify_checksum(mapping.text, parse_mapping_text(mapping.text, mapping.name).header,
                        mapping.name)
    assert derived.steps == [
        Replacement("tobs_tinstr_0003.imap", "tkind", "tobs_tinstr_tkind_0001.rmap",
                    "tobs_tinstr_tkind_0002.rmap", "tobs_tinstr_0004.imap"),
        Replacement("tobs_0007.pmap", "TINSTR", "tobs_tinstr_0003.imap",
                    "tobs_tinstr_0004.imap", "tobs_0009.pmap", new_is_derived=True)]


def test_two_rmaps_of_one_instrument_share_one_new_imap() -> None:
    slots = [("tobs_tinstr_tkind_0002.rmap", rmap_slot("tobs_tinstr_tkind_0002.rmap", RMAP)),
             ("tinstr_other_n/a", rmap_slot("tinstr_other_n/a"))]
    derived = derive_context(pmap(), slots, imaps().__getitem__, new_name_after(TAKEN))
    assert [m.name for m in derived.mappings] == ["tobs_0009.pmap", "tobs_tinstr_0004.imap"]
    new_imap = parse_mapping_text(derived.mappings[1].text, "tobs_tinstr_0004.imap")
    assert new_imap.selector["tkind"] == "tobs_tinstr_tkind_0002.rmap"
    assert new_imap.selector["other"] == "N/A"


def test_bad_rmaps_are_failures_and_the_others_still_count() -> None:
    broken = ValueError("unreadable")
    slots = [("bad.rmap", broken),
             ("missing_kind_n/a", RmapSlot("missing", "kind", "N/A")),
             ("tinstr_other_n/a", RmapSlot("tinstr", "other", "N/A"))]
    derived = derive_context(pmap(), slots, imaps().__getitem__, new_name_after(TAKEN))
    failures = derived.failures
    assert [f.rmap for f in failures] == ["bad.rmap", "missing_kind_n/a"]
    assert failures[0] == Failure("bad.rmap", broken)
    assert "instrument 'missing' is not in 'tobs_0007.pmap'" in str(failures[1].error)
    assert [m.name for m in derived.mappings] == ["tobs_0009.pmap", "tobs_tinstr_0004.imap"]


def test_no_rmap_added_still_gives_a_new_pmap() -> None:
    derived = derive_context(pmap(), [("bad.rmap", OSError("gone"))], imaps().__getitem__,
                             new_name_after(TAKEN))
    assert [m.name for m in derived.mappings] == ["tobs_0009.pmap"]
    assert parse_mapping_text(derived.mappings[0].text, "x.pmap").selector == pmap().selector


def test_a_missing_imap_is_a_failure_of_its_rmap() -> None:
    derived = derive_context(pmap(), [("tinstr_other_n/a", RmapSlot("tinstr", "other", "N/A"))],
                             {}.__getitem__, new_name_after(TAKEN))
    assert isinstance(derived.failures[0].error, KeyError)


def test_pmap_naming_error_is_raised() -> None:
    def refuse(name: str) -> str:
        raise ValueError(f"no new name after {name}")

    with pytest.raises(ValueError, match="no new name after tobs_0007.pmap"):
        derive_context(pmap(), [], imaps().__getitem__, refuse)
