"""``opencrds bestrefs`` against the real ``crds bestrefs`` 14.0.3 on real HST data.

Both tools run as processes on the shared cache (serverless, read-only) with the same arguments;
their result lines, log lines (timing aside) and exit status must be identical. crds is given
``--hst`` because the serverless URL names no observatory (TOOLS.md §1.6).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_bestrefs_support import assert_same_run, log_lines, run_crds, run_opencrds

pytestmark = pytest.mark.slow

#: The HST dataset files of crds-test-data (j8btyyy_raw_bad.fits names the instrument MIRI).
READABLE = ["j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "j8bt09jcq_raw.fits",
            "cos_N8XTZCAWQ.fits", "j8bt05njq_raw_broke.fits", "j8btxxx_raw_bad.fits",
            "j8btyyy_raw_bad.fits", "missing_keyword.fits", "opaque_fts.tmp", "dbu1405fu.r1h",
            "dbu1405iu.r1h", "e1b09593u.r1h", "e1b09594u.r1h", "valid.r1h"]
UPDATABLE = ["j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "j8bt09jcq_raw.fits",
             "cos_N8XTZCAWQ.fits", "j8bt05njq_raw_broke.fits", "j8btxxx_raw_bad.fits"]


@pytest.fixture
def hst(crds_test_data: Path) -> Path:
    return crds_test_data / "hst"


def _both(crds_cache: Path, *args: str | Path, cwd: Path | None = None) -> None:
    assert_same_run(run_opencrds(crds_cache, *args, cwd=cwd),
                    run_crds(crds_cache, *args, cwd=cwd))


@pytest.mark.parametrize("context", ["hst_0729.pmap", "hst_0500.pmap", "hst_0250.pmap"])
def test_new_references_of_real_datasets(oracle_env, crds_cache: Path, hst: Path,
                                         context: str) -> None:
    files = [hst / name for name in READABLE]
    _both(crds_cache, "--files", *files, "--new-context", context, "--print-new-references")


@pytest.mark.parametrize("old", ["hst_0500.pmap", "hst_0250.pmap"])
def test_comparing_two_contexts(oracle_env, crds_cache: Path, hst: Path, old: str) -> None:
    files = [hst / name for name in READABLE]
    _both(crds_cache, "--files", *files, "--new-context", "hst_0729.pmap", "--old-context", old,
          "--print-new-references", "--print-affected", "--print-affected-details",
          "--print-update-counts")


def test_comparing_with_recorded_bestrefs(oracle_env, crds_cache: Path, hst: Path) -> None:
    files = [hst / name for name in READABLE]
    _both(crds_cache, "--files", *files, "--new-context", "hst_0500.pmap", "-c",
          "--print-new-references", "--undefined-differences-matter", "--skip-types", "atodtab",
          "--dump-unique-errors", "--stats")


@pytest.mark.parametrize("name", ["test_cos.json", "bestrefs.special.json", "canary.json",
                                  "bestrefs_new_error.json"])
def test_regression_on_parameter_files(oracle_env, crds_cache: Path, hst: Path,
                                       name: str) -> None:
    _both(crds_cache, "--load-pickles", hst / name, "--new-context", "hst_0729.pmap",
          "--regression")


def _variants(hst: Path, tmp_path: Path) -> Path:
    """Three COS datasets from test_cos.json: as recorded, failing, and with an UNDEFINED."""
    header = json.loads((hst / "test_cos.json").read_text())["LCE31SW6Q:LCE31SW6Q"]
    path = tmp_path / "variants.json"
    path.write_text(json.dumps({
        "LCE31SW6Q:LCE31SW6Q": header,
        "PROD1:EXP1": dict(header, DETECTOR="BOGUS"),
        "prod2": dict(header, HVTAB="UNDEFINED"),
    }))
    return path


@pytest.mark.parametrize("options", [
    ["-c", "--differences-are-errors", "--print-new-references", "--print-affected",
     "--print-affected-details", "--print-update-counts", "--dump-unique-errors", "--stats"],
    ["-c", "--undefined-differences-matter", "--na-differences-matter",
     "--differences-are-errors", "-t", "bpixtab", "hvtab", "spottab", "deadtab",
     "--print-new-references"],
    ["-c", "--undefined-differences-matter", "--max-errors-per-class", "2",
     "--unique-threshold", "2", "--dump-unique-errors", "-t", "bpixtab"],
    ["-c", "--unique-delimiter", ";", "--undefined-differences-matter", "-t", "bpixtab"],
    ["-o", "hst_0250.pmap", "--print-new-references", "--only-ids", "LCE31SW6Q",
     "--undefined-differences-matter"],
    ["-c", "-k", "bpixtab", "hvtab", "--drop-ids", "PROD1:EXP1", "--print-new-references"],
])
def test_comparison_switches_on_parameter_files(oracle_env, crds_cache: Path, hst: Path,
                                                tmp_path: Path, options: list[str]) -> None:
    _both(crds_cache, "--load-pickles", _variants(hst, tmp_path), "--new-context",
          "hst_0729.pmap", *options)


def test_error_id_files(oracle_env, crds_cache: Path, hst: Path, tmp_path: Path) -> None:
    params = _variants(hst, tmp_path)
    written = {}
    for tool, run in (("crds", run_crds), ("opencrds", run_opencrds)):
        workdir = tmp_path / tool
        workdir.mkdir()
        run(crds_cache, "--load-pickles", params, "--new-context", "hst_0729.pmap", "-c",
            "--undefined-differences-matter", "--max-errors-per-class", "1", "-t", "bpixtab",
            "--unique-errors-file", "unique.ids", "--all-errors-file", "all.ids", cwd=workdir)
        written[tool] = [(workdir / n).read_text() for n in ("unique.ids", "all.ids")]
    assert written["opencrds"] == written["crds"]


@pytest.mark.parametrize("options", [[], ["--update-pickle", "-t", "bpixtab", "hvtab"],
                                     ["--only-ids", "LCE31SW6Q", "prod2"]])
def test_saved_parameter_files(oracle_env, crds_cache: Path, hst: Path, tmp_path: Path,
                               options: list[str]) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"x1": {"INSTRUME": "cos", "DETECTOR": "fuv", "CENWAVE": 1230,
                                      "FLAG": True, "NONE": None, "NA": "not found n/a"}}))
    params = [_variants(hst, tmp_path), odd, hst / "test_cos_update.json"]
    saved = {}
    for tool, run in (("crds", run_crds), ("opencrds", run_opencrds)):
        out = tmp_path / f"{tool}.json"
        run(crds_cache, "--load-pickles", *params, "--new-context", "hst_0729.pmap",
            "--save-pickle", out, *options)
        saved[tool] = out.read_text()
    assert saved["opencrds"] == saved["crds"]


def test_bad_references_are_errors_or_warnings(oracle_env, crds_cache: Path,
                                               tmp_path: Path) -> None:
    # An ACS exposure whose FLSHFILE under hst_0250 is a reference the cache marks as bad.
    params = tmp_path / "bad.json"
    params.write_text(json.dumps({"BAD0:BAD0": {
        "INSTRUME": "ACS", "DETECTOR": "WFC", "DATE-OBS": "1991-01-01", "TIME-OBS": "00:00:01",
        "ATODCORR": "PERFORM", "CCDAMP": "BC", "CCDGAIN": "1.0", "NAXIS1": "4144.0",
        "NAXIS2": "2068.0", "LTV1": "-1816.0", "LTV2": "0.0", "BIASCORR": "F",
        "APERTURE": "WFC", "FILTER1": "F606W", "FILTER2": "F814W", "OBSTYPE": "CORONAGRAPHIC",
        "CRCORR": "NONE", "DRIZCORR": "F", "DARKCORR": "F", "PCTECORR": "PERFORM",
        "FLASHCUR": "LOW", "SHUTRPOS": "A", "PHOTCORR": "T", "GLINCORR": "F",
        "FW1OFFST": "1.0", "FW2OFFST": "-1.0", "SHADCORR": "PERFORM"}}))
    for options in ([], ["--allow-bad-references"]):
        ours = run_opencrds(crds_cache, "--load-pickles", params, "-n", "hst_0250.pmap",
                            "--print-new-references", "--print-affected", *options)
        assert_same_run(ours, run_crds(crds_cache, "--load-pickles", params, "-n",
                                       "hst_0250.pmap", "--print-new-references",
                                       "--print-affected", *options))
    assert "is bad. Use is not recommended" in ours.stderr


def test_jwst_headers(oracle_env, crds_cache: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "jwst_headers.json"
    ours = run_opencrds(crds_cache, "--load-pickles", example, "-n", "jwst_0541.pmap",
                        "--print-new-references")
    theirs = run_crds(crds_cache, "--jwst", "--load-pickles", example, "-n", "jwst_0541.pmap",
                      "--print-new-references")
    assert ours.stdout == theirs.stdout and ours.returncode == theirs.returncode == 0
    # crds warns once per dataset that it cannot tell the types without the jwst package
    assert [line for line in log_lines(theirs.stderr) if "WARNING" not in line][:-3] == \
        log_lines(ours.stderr)[:-3]


# ---- --update-bestrefs ---------------------------------------------------------------------

def _fits_cards(path: Path) -> list[list[tuple]]:
    from astropy.io import fits

    with fits.open(path) as hdus:
        return [[(c.keyword, c.value, c.comment) for c in hdu.header.cards
                 if c.keyword != "CRDS_VER"] for hdu in hdus]


def _fits_data(path: Path) -> list:
    from astropy.io import fits

    with fits.open(path) as hdus:
        return [None if hdu.data is None else np.array(hdu.data) for hdu in hdus]


@pytest.mark.parametrize("options", [[], ["--old-context", "hst_0500.pmap"]])
def test_update_bestrefs_writes_what_crds_writes(oracle_env, crds_cache: Path, hst: Path,
                                                 tmp_path: Path, options: list[str]) -> None:
    """Every keyword, value, comment and card position is crds's; CRDS_VER names opencrds."""
    dirs = {}
    for tool, run in (("crds", run_crds), ("opencrds", run_opencrds)):
        workdir = dirs[tool] = tmp_path / tool
        workdir.mkdir()
        for name in UPDATABLE:
            shutil.copy(hst / name, workdir / name)
            (workdir / name).chmod(0o644)
        proc = run(crds_cache, "--files", *UPDATABLE, "--new-context", "hst_0729.pmap",
                   "--update-bestrefs", *options, cwd=workdir)
        assert proc.returncode == 1  # the broken datasets have failed lookups
    from astropy.io import fits

    changed = 0
    for name in UPDATABLE:
        ours, theirs = dirs["opencrds"] / name, dirs["crds"] / name
        assert _fits_cards(ours) == _fits_cards(theirs), name
        assert ours.stat().st_size == theirs.stat().st_size
        for a, b in zip(_fits_data(ours), _fits_data(theirs), strict=True):
            assert (a is None and b is None) or np.array_equal(a, b)
        ours_ver = fits.getheader(ours).get("CRDS_VER")
        theirs_ver = fits.getheader(theirs).get("CRDS_VER")
        assert (ours_ver is None) == (theirs_ver is None)
        if ours_ver is not None:
            changed += 1
            assert ours_ver.startswith("opencrds ") and theirs_ver.startswith("14.0.3")
            assert fits.getheader(ours)["CRDS_CTX"] == "hst_0729.pmap"
    assert changed >= 3


def test_default_context_from_the_cache(oracle_env, crds_cache: Path, hst: Path) -> None:
    """No --new-context and no observatory switch: both take the HST datasets' observatory
    from the files and its latest context from the cache's server configuration."""
    import subprocess

    from test_bestrefs_support import _script, tool_env

    files = [str(hst / name) for name in READABLE]
    ours = run_opencrds(crds_cache, "--files", *files, "--print-new-references")
    crds = _script("crds")
    if crds is None:
        pytest.skip("the crds command is not installed")
    theirs = subprocess.run([*crds, "bestrefs", "--files", *files, "--print-new-references"],
                            capture_output=True, text=True, env=tool_env(crds_cache),
                            stdin=subprocess.DEVNULL, timeout=900)
    assert_same_run(ours, theirs)
    assert ours.returncode == 1 and "hst_0729.pmap" in ours.stderr  # the broken datasets
