"""generation.rules.generate on the real caches: new rmap, imap and pmap names, headers and
checksums, the new context's closure and best references; deletions, submitted rmaps, and
the errors (files that would replace each other, a type the context lacks)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from opencrds.generation import (
    Addition,
    Generation,
    GenerationError,
    delete_references,
    generate,
    hst_unique_name,
    insert_references,
    next_free_namer,
)
from opencrds.rules.checksum import verify_checksum
from opencrds.rules.edit import derived_text
from opencrds.rules.parser import parse_mapping_text

IPC = "jwst/jwst_miri_ipc_0003.add.fits"  # P_DETECT = 'MIRIFUSHORT|MIRIFULONG|', 2014-01-01


def new_context(read: Callable[[str], str], generation: Generation) -> Any:
    """The new pmap loaded with checksums verified, new mappings first, then the cache's."""
    import opencrds.observatories  # noqa: F401
    from opencrds.rules.loader import MappingLoader

    loader = MappingLoader(lambda name: generation.mappings.get(name) or read(name))
    return loader.load(generation.new_context)


def dataset(detector: str) -> dict[str, str]:
    return {"META.INSTRUMENT.NAME": "MIRI", "META.INSTRUMENT.DETECTOR": detector,
            "META.OBSERVATION.DATE": "2020-01-01", "META.OBSERVATION.TIME": "00:00:00"}


def refuse_names(old: str) -> str:
    raise AssertionError(f"no name may be asked for {old} when there are errors")


def test_generate_jwst(read_mapping: Callable[[str], str], cached_names: Callable[[str], list[str]],
                       copy_as: Callable[[str, str], Path]) -> None:
    path = copy_as(IPC, "jwst_miri_ipc_0010.fits")
    result = generate(read_mapping, "jwst_0541.pmap",
                      additions=[Addition("jwst_miri_ipc_0010.fits", str(path))],
                      name_for=next_free_namer(cached_names("jwst")))
    assert result.errors == [] and result.warnings == []
    assert list(result.mappings) == ["jwst_miri_ipc_0006.rmap", "jwst_miri_0178.imap",
                                     "jwst_0542.pmap"]
    assert result.new_context == "jwst_0542.pmap"
    parents = {"jwst_miri_ipc_0006.rmap": "jwst_miri_ipc_0005.rmap",
               "jwst_miri_0178.imap": "jwst_miri_0177.imap", "jwst_0542.pmap": "jwst_0541.pmap"}
    for name, text in result.mappings.items():
        header = parse_mapping_text(text, name).header
        assert (header["name"], header["derived_from"]) == (name, parents[name])
        verify_checksum(text, header, name)
    [change] = result.changes
    assert (change.old, change.new) == ("jwst_miri_ipc_0005.rmap", "jwst_miri_ipc_0006.rmap")
    assert [a.as_dict() for a in change.actions] == [
        {"action": "insert", "reference": "jwst_miri_ipc_0010.fits", "replaced": "",
         "match": ["MIRIFULONG|MIRIFUSHORT"], "useafter": "2014-01-01 00:00:00"}]
    pmap = new_context(read_mapping, result)
    names = pmap.mapping_names()
    assert {"jwst_miri_ipc_0006.rmap", "jwst_miri_0178.imap"} <= set(names)
    assert "jwst_miri_ipc_0005.rmap" not in names
    assert "jwst_miri_ipc_0010.fits" in pmap.reference_names()
    old = set(parse_mapping_text(read_mapping("jwst_0541.pmap"), "x.pmap").selector.values())
    assert set(pmap.selector.values()) - old == {"jwst_miri_0178.imap"}
    for detector, best in (("MIRIFULONG", "jwst_miri_ipc_0010.fits"),
                           ("MIRIFUSHORT", "jwst_miri_ipc_0010.fits"),
                           ("MIRIMAGE", "jwst_miri_ipc_0009.fits")):
        assert pmap.get_best_references(dataset(detector), include=["ipc"]) == {"ipc": best}


def test_generate_hst_replaces_and_deletes(read_mapping: Callable[[str], str],
                                           cached_names: Callable[[str], list[str]],
                                           copy_as: Callable[[str, str], Path]) -> None:
    """A COS deadtab under its unique name takes its namesake's place; an ACS bpixtab file is
    deleted in the same delivery: two rmaps, two imaps, one pmap."""
    name = hst_unique_name(datetime.datetime(2026, 12, 7, 9, 0), "cos", "dead", ".fits")
    path = copy_as("hst/s7g1700gl_dead.fits", name)
    result = generate(read_mapping, "hst_0729.pmap", additions=[Addition(name, str(path))],
                      deletions=["j4d1435jj_bpx.fits"],
                      name_for=next_free_namer(["hst_0729.pmap", "hst_cos_0306.imap",
                                                "hst_acs_0421.imap"]))
    assert result.errors == []
    assert list(result.mappings) == ["hst_cos_deadtab_0251.rmap", "hst_acs_bpixtab_0253.rmap",
                                     "hst_acs_0422.imap", "hst_cos_0307.imap", "hst_0730.pmap"]
    insert, delete = result.changes
    assert [a.as_dict() for a in insert.actions] == [
        {"action": "replace", "reference": name, "replaced": "s7g1700gl_dead.fits",
         "match": ["FUV"], "useafter": "1996-10-01 00:00:00"}]
    assert [a.as_dict() for a in delete.actions] == [
        {"action": "delete", "reference": "j4d1435jj_bpx.fits", "replaced": "",
         "match": ["HRC"], "useafter": "1991-01-01 00:00:00"}]
    pmap = new_context(read_mapping, result)
    references = set(pmap.reference_names())
    assert name in references
    assert not {"s7g1700gl_dead.fits", "j4d1435jj_bpx.fits"} & references
    for text in result.mappings.values():
        verify_checksum(text, parse_mapping_text(text, "x").header, "x")


def test_deletions_jwst(read_mapping: Callable[[str], str],
                        cached_names: Callable[[str], list[str]]) -> None:
    result = generate(read_mapping, "jwst_0541.pmap", deletions=["jwst_miri_ipc_0009.fits"],
                      name_for=next_free_namer(cached_names("jwst")))
    assert result.errors == [] and result.new_context == "jwst_0542.pmap"
    rmap = parse_mapping_text(result.mappings["jwst_miri_ipc_0006.rmap"], "x.rmap")
    assert "MIRIMAGE" not in rmap.selector.entries  # the row left empty goes too
    pmap = new_context(read_mapping, result)
    assert "jwst_miri_ipc_0009.fits" not in pmap.reference_names()
    missing = generate(read_mapping, "jwst_0541.pmap", deletions=["jwst_miri_ipc_9999.fits"],
                       name_for=refuse_names)
    assert missing.errors == ["Reference 'jwst_miri_ipc_9999.fits' is not in any rmap of "
                              "'jwst_0541.pmap'"]
    assert missing.mappings == {} and missing.new_context == ""
    edit = delete_references(read_mapping("jwst_miri_ipc_0005.rmap"), "jwst_miri_ipc_0005.rmap",
                             ["jwst_miri_ipc_0007.fits", "nothere.fits"])
    assert [a.reference for a in edit.actions] == ["jwst_miri_ipc_0007.fits"]
    assert edit.errors == ["Reference 'nothere.fits' is not in 'jwst_miri_ipc_0005.rmap'"]


def test_files_that_would_replace_each_other(read_mapping: Callable[[str], str],
                                             copy_as: Callable[[str, str], Path]) -> None:
    first = copy_as(IPC, "jwst_miri_ipc_0010.fits")
    second = copy_as(IPC, "jwst_miri_ipc_0011.fits")
    additions = [Addition("jwst_miri_ipc_0010.fits", str(first)),
                 Addition("jwst_miri_ipc_0011.fits", str(second))]
    result = generate(read_mapping, "jwst_0541.pmap", additions=additions,
                      name_for=refuse_names)
    [error] = result.errors
    assert "'jwst_miri_ipc_0010.fits', 'jwst_miri_ipc_0011.fits'" in error
    assert "each would replace the other" in error
    assert result.mappings == {} and result.new_context == ""
    edit = insert_references(read_mapping("jwst_miri_ipc_0005.rmap"), "jwst_miri_ipc_0005.rmap",
                             additions)
    assert edit.actions == [] and len(edit.errors) == 1


def test_type_the_context_lacks(read_mapping: Callable[[str], str], tmp_path: Path) -> None:
    """MIRI PATHLOSS is N/A in jwst_0541.pmap; a file of an unknown instrument or that is not
    a reference is an error naming it; nothing is generated."""
    from astropy.io import fits

    header = fits.Header()
    for key, value in (("TELESCOP", "JWST"), ("INSTRUME", "MIRI"), ("REFTYPE", "PATHLOSS"),
                       ("USEAFTER", "2020-01-01T00:00:00")):
        header[key] = value
    fits.PrimaryHDU(header=header).writeto(tmp_path / "jwst_miri_pathloss_0001.fits")
    (tmp_path / "junk.fits").write_text("not fits")
    result = generate(read_mapping, "jwst_0541.pmap",
                      additions=[Addition("jwst_miri_pathloss_0001.fits",
                                          str(tmp_path / "jwst_miri_pathloss_0001.fits")),
                                 Addition("junk.fits", str(tmp_path / "junk.fits"))],
                      name_for=refuse_names)
    assert len(result.errors) == 2
    assert "Type 'pathloss' of instrument 'miri' has no rmap in 'jwst_0541.pmap'" in \
        result.errors[0]
    assert result.errors[1].startswith("Cannot place 'junk.fits'")
    assert result.mappings == {}


def test_submitted_rmap(read_mapping: Callable[[str], str],
                        cached_names: Callable[[str], list[str]]) -> None:
    """A hand-edited rmap, already named, is taken as it is; its imap and the pmap are new."""
    old = parse_mapping_text(read_mapping("jwst_miri_ipc_0005.rmap"), "jwst_miri_ipc_0005.rmap")
    text = derived_text(old, "jwst_miri_ipc_0005.rmap", "jwst_miri_ipc_0042.rmap")
    result = generate(read_mapping, "jwst_0541.pmap",
                      new_rmaps={"jwst_miri_ipc_0042.rmap": text},
                      name_for=next_free_namer(cached_names("jwst")))
    assert result.errors == []
    assert result.mappings["jwst_miri_ipc_0042.rmap"] == text
    assert list(result.mappings) == ["jwst_miri_ipc_0042.rmap", "jwst_miri_0178.imap",
                                     "jwst_0542.pmap"]
    [change] = result.changes
    assert (change.old, change.new, change.actions) == \
        ("jwst_miri_ipc_0005.rmap", "jwst_miri_ipc_0042.rmap", ())
    imap = parse_mapping_text(result.mappings["jwst_miri_0178.imap"], "x.imap")
    assert imap.selector["IPC"] == "jwst_miri_ipc_0042.rmap"
    broken = generate(read_mapping, "jwst_0541.pmap", new_rmaps={"jwst_miri_ipc_0043.rmap": "x"},
                      name_for=refuse_names)
    assert broken.errors and "jwst_miri_ipc_0043.rmap" in broken.errors[0]


def test_unusable_context_raises(read_mapping: Callable[[str], str]) -> None:
    with pytest.raises(GenerationError, match="jwst_9999.pmap"):
        generate(read_mapping, "jwst_9999.pmap", name_for=refuse_names)
    with pytest.raises(GenerationError, match="not a pipeline context"):
        generate(read_mapping, "jwst_miri_0177.imap", name_for=refuse_names)


def test_next_free_namer() -> None:
    name_for = next_free_namer(["jwst_0540.pmap", "jwst_0541.pmap", "jwst_na_omit.pmap",
                                "hst_acs_9999.imap", "dir/jwst_miri_ipc_0005.rmap"])
    assert name_for("jwst_0541.pmap") == "jwst_0542.pmap"
    assert name_for("jwst_0540.pmap") == "jwst_0543.pmap"  # never a name given before
    assert name_for("jwst_miri_ipc_0002.rmap") == "jwst_miri_ipc_0006.rmap"
    assert name_for("jwst_nircam_dark_0017.rmap") == "jwst_nircam_dark_0018.rmap"
    assert name_for("hst_acs_0421.imap") == "hst_acs_10000.imap"
    assert name_for("hst.pmap") == "hst_0001.pmap"


def test_certify_trial_insertion_places_as_deliveries(read_mapping: Callable[[str], str],
                                                      tmp_path: Path) -> None:
    """certify's trial rmap update and a delivery put a reference in the same row: WFC3
    CCDAMP = ANY (a substitution) joins the existing 'A|ABCD|AC|...' row."""
    from astropy.io import fits

    from opencrds.certify.context import CertifyOptions, definition_for
    from opencrds.certify.rmap_update import trial_insert
    from opencrds.generation.rules import load_rmap
    from opencrds.io import read_header

    header = fits.Header()
    for key, value in (("INSTRUME", "WFC3"), ("DETECTOR", "UVIS"), ("CCDAMP", "ANY"),
                       ("BINAXIS1", 1), ("BINAXIS2", 1), ("CCDGAIN", 1.5), ("SAMP_SEQ", "N/A"),
                       ("SUBTYPE", "N/A"), ("FILETYPE", "DARK"),
                       ("USEAFTER", "Jan 01 2030 00:00:00")):
        header[key] = value
    fits.PrimaryHDU(header=header).writeto(tmp_path / "n_drk.fits")
    name = "hst_wfc3_darkfile_0390.rmap"
    edit = insert_references(read_mapping(name), name,
                             [Addition("n_drk.fits", str(tmp_path / "n_drk.fits"))])
    [action] = edit.actions
    assert action.match[:2] == ("UVIS", "A|ABCD|AC|AD|B|BC|BD|C|D")
    _, rmap = load_rmap(read_mapping(name), name)
    definition = definition_for("hst", CertifyOptions())
    assert definition is not None
    trial = trial_insert(rmap, "n_drk.fits", read_header(tmp_path / "n_drk.fits"), {},
                         definition.substitutions["wfc3"])
    assert derived_text(trial.parsed, name) == derived_text(edit.parsed, name)
