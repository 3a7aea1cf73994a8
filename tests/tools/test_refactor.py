"""``opencrds refactor`` and :mod:`opencrds.rules.edit` against ``crds refactor`` (black box)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tool_runs import user_environment

from opencrds.rules.edit import RefactorError, delete_references, insert_reference
from opencrds.rules.parser import SelectorCall, parse_mapping_text

RMAPS = [
    "hst_cos_deadtab_0250.rmap", "hst_acs_atodtab_0251.rmap", "hst_wfc3_darkfile_0390.rmap",
    "hst_stis_biasfile_0307.rmap", "hst_wfc3_drkcfile_0093.rmap", "hst_acs_ccdtab_0250.rmap",
    "hst_stis_ccdtab_0252.rmap", "jwst_nircam_dark_0017.rmap", "jwst_miri_flat_0038.rmap",
    "jwst_nirspec_dark_0029.rmap", "jwst_niriss_gain_0009.rmap", "jwst_fgs_area_0003.rmap",
    "jwst_niriss_flat_0016.rmap", "jwst_nirspec_area_0013.rmap",
]


CACHE: list[Path] = []  # the crds_cache fixture's directory, set for every test


def rmap_path(name: str) -> Path:
    return CACHE[0] / "mappings" / name.split("_", 1)[0] / name


def first_case(name: str) -> tuple[Any, str, str] | None:
    """(match key, first useafter, its file) of the rmap's first Match -> UseAfter entry."""
    parsed = parse_mapping_text(rmap_path(name).read_text(), name)
    sel = parsed.selector
    if not isinstance(sel, SelectorCall) or sel.class_name != "Match":
        return None
    for key, child in sorted(sel.entries.items(), key=lambda kv: str(kv[0])):
        if isinstance(child, SelectorCall) and child.class_name == "UseAfter" and child.entries:
            date = sorted(child.entries)[0]
            if isinstance(child.entries[date], str):
                return key, date, child.entries[date]
    return None


def make_reference(path: Path, rmap: str, key: tuple[Any, ...], useafter: str) -> bool:
    """Write a FITS reference whose header selects ``key`` in ``rmap``; False if impossible."""
    from astropy.io import fits

    from opencrds.observatories.keywords import jwst_datamodel_to_fits

    parsed = parse_mapping_text(rmap_path(rmap).read_text(), rmap)
    header = fits.Header()
    jwst = parsed.header["observatory"].upper() == "JWST"
    header["TELESCOP"] = parsed.header["observatory"].upper()
    header["INSTRUME"] = parsed.header["instrument"].upper()
    to_fits = jwst_datamodel_to_fits() if jwst else {}
    for parkey, value in zip(parsed.header["parkey"][0], key, strict=True):
        keyword = to_fits.get(parkey, parkey) if jwst else parkey
        if len(keyword) > 8 or "." in keyword or keyword.startswith("NAXIS"):
            return False
        header[keyword] = str(value)
    header["USEAFTER"] = useafter
    fits.PrimaryHDU(header=header).writeto(path, overwrite=True)
    return True

BIN = Path(sys.executable).parent
CRDS = BIN / "crds"
OPENCRDS = BIN / "opencrds"
needs_oracle = pytest.mark.skipif(not CRDS.exists(), reason="crds oracle not installed")
CRDS_ENV: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _tool_env(crds_cache: Path) -> None:
    """Both tools offline on the shared cache (never written), for :func:`run`."""
    CACHE[:] = [crds_cache]
    CRDS_ENV.clear()
    CRDS_ENV.update(user_environment())
    CRDS_ENV.update({"CRDS_PATH": str(crds_cache), "CRDS_MODE": "local",
                     "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"})


def run(tool: Path, *args: str, cwd: Path,
        extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tool), *args], cwd=cwd, env={**CRDS_ENV, **(extra or {})},
                          capture_output=True, text=True, timeout=300)


def both(tmp_path: Path, *args: str) -> tuple[str, str]:
    """Run crds and opencrds refactor with ``args`` (old, new, refs) in ``tmp_path``."""
    operation, old, new, *refs = args
    oracle = run(CRDS, "refactor", operation, old, "crds_" + new, *refs, cwd=tmp_path)
    ours = run(OPENCRDS, "refactor", operation, old, "ours_" + new, *refs, cwd=tmp_path)
    assert ours.returncode == oracle.returncode, (oracle.stderr, ours.stderr)
    return ((tmp_path / ("crds_" + new)).read_text(), (tmp_path / ("ours_" + new)).read_text())


def both_outputs(tmp_path: Path, rmap: str, reference: str, extra: dict[str, str] | None = None
                 ) -> tuple[tuple[int, str, str | None], tuple[int, str, str | None]]:
    """(exit status, stderr, new rmap text or None) of crds and opencrds ``refactor insert``;
    the reference is named the same in both runs, the output files differ."""
    results = []
    for tool, new in ((CRDS, "crds_new.rmap"), (OPENCRDS, "ours_new.rmap")):
        (tmp_path / new).unlink(missing_ok=True)
        done = run(tool, "refactor", "insert", rmap, new, reference, cwd=tmp_path, extra=extra)
        text = (tmp_path / new).read_text() if (tmp_path / new).exists() else None
        results.append((done.returncode, done.stderr, text))
    return results[0], results[1]


def with_header(source: Path, target: Path, **cards: str | None) -> None:
    """A copy of FITS ``source`` with primary header ``cards`` set (None removes one)."""
    from astropy.io import fits

    with fits.open(source) as hdus:
        for key, value in cards.items():
            key = key.replace("_", "-") if key == "DATE_OBS" else key
            if value is None:
                del hdus[0].header[key]
            else:
                hdus[0].header[key] = value
        hdus.writeto(target, overwrite=True)


@needs_oracle
@pytest.mark.parametrize("rmap", RMAPS)
def test_insert_replace_delete_like_crds(tmp_path: Path, rmap: str) -> None:
    case = first_case(rmap)
    if case is None:
        pytest.skip("no Match -> UseAfter entry")
    key, date, existing = case
    shutil.copy(rmap_path(rmap), tmp_path / rmap)
    later, same = tmp_path / "later_ref.fits", tmp_path / "same_ref.fits"
    key = key if isinstance(key, tuple) else (key,)
    if not make_reference(later, rmap, key, "2030-01-01T00:00:00"):
        pytest.skip("parkeys without FITS keywords")
    make_reference(same, rmap, key, date.replace(" ", "T"))
    for args in (("insert", rmap, "a.rmap", later.name),
                 ("insert", rmap, "b.rmap", same.name, later.name),
                 ("delete", rmap, "c.rmap", existing)):
        expected, got = both(tmp_path, *args)
        assert got == expected, args
    from opencrds.client.contexts import get_loader

    loader = get_loader(tmp_path)
    loader.from_text((tmp_path / "ours_b.rmap").read_text(), "ours_b.rmap")
    # each result passes certify (the new references are files beside it)
    for name in ("ours_a.rmap", "ours_b.rmap", "ours_c.rmap"):
        checked = run(OPENCRDS, "certify", "--comparison-context", "none", name, cwd=tmp_path)
        assert " 0 errors" in checked.stderr, (name, checked.stderr[-3000:])


def test_insert_new_match_key_and_useafter() -> None:
    text = (rmap_path(RMAPS[0]).read_text() if rmap_path(RMAPS[0]).exists() else None)
    if text is None:
        pytest.skip("real cache missing")
    parsed = parse_mapping_text(text, RMAPS[0])
    header = {"DETECTOR": "XUV", "USEAFTER": "Mar 15 2005 01:02:03"}
    new, replaced = insert_reference(parsed, "x_dead.fits", header)
    assert replaced is None
    assert new.selector.entries[("XUV",)].entries == {"2005-03-15 01:02:03": "x_dead.fits"}
    assert ("XUV",) not in parsed.selector.entries  # the input is not modified
    with pytest.raises(RefactorError):
        insert_reference(parsed, "y.fits", {"DETECTOR": "MUV", "USEAFTER": "2001-01-01"},
                         replace_only=True)
    with pytest.raises(RefactorError, match="could not be found"):
        delete_references(parsed, ["nothere.fits"])


def test_bad_inputs_one_error_each(tmp_path: Path) -> None:
    if not rmap_path(RMAPS[0]).exists():
        pytest.skip("real cache missing")
    shutil.copy(rmap_path(RMAPS[0]), tmp_path / RMAPS[0])
    proc = run(OPENCRDS, "refactor", "insert", RMAPS[0], "new.rmap", "a.fits", "b.fits",
               cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("ERROR") == 2
    assert not (tmp_path / "new.rmap").exists()


@needs_oracle
def test_irrelevant_parameter_becomes_na_like_crds(tmp_path: Path) -> None:
    """CCDGAIN is irrelevant for this UVIS mode (parkey_relevance): the existing key is used."""
    from astropy.io import fits

    rmap = "hst_wfc3_darkfile_0390.rmap"
    shutil.copy(rmap_path(rmap), tmp_path / rmap)
    header = fits.Header()
    for key, value in (("INSTRUME", "WFC3"), ("DETECTOR", "UVIS"), ("CCDAMP", "ABCD"),
                       ("BINAXIS1", 3), ("BINAXIS2", 3), ("CCDGAIN", 1.5), ("SAMP_SEQ", "N/A"),
                       ("SUBTYPE", "N/A"), ("USEAFTER", "Jan 01 2030 00:00:00")):
        header[key] = value
    fits.PrimaryHDU(header=header).writeto(tmp_path / "n_drk.fits")
    expected, got = both(tmp_path, "insert", rmap, "n.rmap", "n_drk.fits")
    assert got == expected
    assert "    ('UVIS', 'ABCD', 3, 3, 'N/A', 'N/A', 'N/A') : UseAfter({" in got


DEAD = "hst_cos_deadtab_0250.rmap"


@needs_oracle
def test_value_the_rmap_type_does_not_allow_is_refused_like_crds(
        tmp_path: Path, crds_test_data: Path) -> None:
    """s7g1700gm_dead_broken.fits says DETECTOR = BROKEN: crds refuses it, naming the allowed
    ('FUV', 'NUV'), writes nothing and exits 1; opencrds used to write a ('BROKEN',) row."""
    shutil.copy(rmap_path(DEAD), tmp_path / DEAD)
    shutil.copy(crds_test_data / "hst" / "s7g1700gm_dead_broken.fits", tmp_path)
    oracle, ours = both_outputs(tmp_path, DEAD, "s7g1700gm_dead_broken.fits")
    assert ours == oracle
    assert ours[0] == 1 and ours[2] is None
    assert " :  parameter='DETECTOR' value='BROKEN' is not in ('FUV', 'NUV')\n" in ours[1]
    # CRDS_ALLOW_BAD_PARKEY_VALUES lets it in, written as crds writes a new one-value key
    allow = {"CRDS_ALLOW_BAD_PARKEY_VALUES": "1"}
    oracle, ours = both_outputs(tmp_path, DEAD, "s7g1700gm_dead_broken.fits", allow)
    assert ours == oracle
    assert ours[0] == 0 and "    'BROKEN' : UseAfter({\n" in str(ours[2])


@needs_oracle
@pytest.mark.parametrize("detector", ["NUV", "XUV", "*", "ANY", "FUV|NUV", "FUV|XUV", "fuv",
                                      None, "NOT FUV", "BETWEEN 1 2"])
def test_values_allowed_and_refused_like_crds(tmp_path: Path, crds_test_data: Path,
                                              detector: str | None) -> None:
    """The _ld.tpn values, the always-allowed forms, or-globs checked part by part, a missing
    keyword (UNDEFINED); in an rmap that has no NUV row, so NUV makes a new row."""
    text = rmap_path(DEAD).read_text()
    start = text.index("    ('NUV',)")
    (tmp_path / DEAD).write_text(text[:start] + text[text.index("    }),\n", start) + 8:])
    with_header(crds_test_data / "hst" / "s7g1700gm_dead_broken.fits", tmp_path / "r.fits",
                DETECTOR=detector)
    oracle, ours = both_outputs(tmp_path, DEAD, "r.fits")
    assert ours == oracle


@needs_oracle
@pytest.mark.parametrize("rmap,detector,obsmode", [
    ("hst_cos_badttab_0250.rmap", "NUV", "TIME-TAG"),   # allowed by the .tpn, not the _ld.tpn
    ("hst_cos_badttab_0250.rmap", "FUV", "ACCUM"),      # second parameter
    ("hst_cos_badttab_0250.rmap", "N/A", "TIME-TAG"),
])
def test_values_of_the_ld_tpn_like_crds(tmp_path: Path, crds_test_data: Path, rmap: str,
                                        detector: str, obsmode: str) -> None:
    shutil.copy(rmap_path(rmap), tmp_path / rmap)
    with_header(crds_test_data / "hst" / "s7g1700gm_dead_broken.fits", tmp_path / "r.fits",
                DETECTOR=detector, OBSMODE=obsmode)
    oracle, ours = both_outputs(tmp_path, rmap, "r.fits")
    assert ours == oracle


@needs_oracle
@pytest.mark.parametrize("rmap", ["hst_wfc3_darkfile_0390.rmap", "hst_stis_biasfile_0307.rmap",
                                  "hst_acs_darkfile_0250.rmap"])
def test_each_bad_parameter_refused_like_crds(tmp_path: Path, rmap: str) -> None:
    """One bad Match value at a time: string, numeric (CCDGAIN '1' shown as '1.0') and
    relevance-dependent parameters; the whole message, header included, as crds's."""
    case = first_case(rmap)
    assert case is not None
    key, _, _ = case
    key = key if isinstance(key, tuple) else (key,)
    shutil.copy(rmap_path(rmap), tmp_path / rmap)
    for index in range(len(key)):
        bad = (*key[:index], "BROKEN", *key[index + 1:])
        assert make_reference(tmp_path / "r.fits", rmap, bad, "2030-01-01T00:00:00")
        oracle, ours = both_outputs(tmp_path, rmap, "r.fits")
        assert ours == oracle, (index, ours[1], oracle[1])


@needs_oracle
@pytest.mark.parametrize("rmap", ["jwst_fgs_area_0003.rmap", "jwst_niriss_flat_0016.rmap",
                                  "jwst_nirspec_area_0013.rmap"])
def test_jwst_bad_values_refused_like_crds(tmp_path: Path, rmap: str) -> None:
    """JWST: refused with the same parameter (data-model name and FITS keyword), value, parkey
    and classes. The header shown differs (crds shows its data-model view of the file: a
    divergence), and so does the order of the allowed values."""
    case = first_case(rmap)
    assert case is not None
    key = case[0] if isinstance(case[0], tuple) else (case[0],)
    shutil.copy(rmap_path(rmap), tmp_path / rmap)
    assert make_reference(tmp_path / "r.fits", rmap, ("BROKEN", *key[1:]),
                          "2030-01-01T00:00:00")
    oracle, ours = both_outputs(tmp_path, rmap, "r.fits")
    assert ours[0] == oracle[0] == 1 and ours[2] is oracle[2] is None

    def essentials(stderr: str) -> list[str]:
        return [line.split(" is not in ")[0] for line in stderr.splitlines()
                if line.startswith(("parkey:", "classes:", " :  parameter="))]
    assert essentials(ours[1]) == essentials(oracle[1])
    assert len(essentials(ours[1])) == 3
