"""Bad inputs to ``opencrds bestrefs``: one ERROR line per bad dataset; the batch goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_bestrefs_support import run_opencrds

GOOD = "j8bt05njq_raw.fits"


def _broken_files(hst: Path, where: Path) -> dict[str, Path]:
    """Corrupt, truncated and non-FITS inputs, made from a real dataset."""
    real = (hst / GOOD).read_bytes()
    made = {
        "text.fits": b"hello, this is not FITS\n",
        "empty.fits": b"",
        "cut_header.fits": real[:1000],
        "binary.fits": bytes(range(256)) * 20,
        "garbage.r1h": b"\x00\x01\x02 binary, not a GEIS header",
        "not_a_mapping.json": b'["a", "list"]',
        "bad_yaml.yaml": b"key: [unclosed\n",
    }
    paths = {}
    for name, data in made.items():
        paths[name] = where / name
        paths[name].write_bytes(data)
    paths["missing.fits"] = where / "missing.fits"
    (where / "directory.fits").mkdir()
    paths["directory.fits"] = where / "directory.fits"
    return paths


def test_broken_files_give_one_line_each_and_the_batch_goes_on(
        crds_cache: Path, crds_test_data: Path, tmp_path: Path) -> None:
    hst = crds_test_data / "hst"
    broken = _broken_files(hst, tmp_path)
    good = tmp_path / GOOD
    shutil.copy(hst / GOOD, good)
    proc = run_opencrds(crds_cache, "--files", *broken.values(), good, hst / "truncated.fits",
                        hst / "j8btyyy_raw_bad.fits", "--new-context", "hst_0729.pmap",
                        "--print-new-references")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if " - ERROR - " in line]
    for name, path in broken.items():
        mine = [line for line in errors if f"'{path}'" in line]
        assert len(mine) == 1, (name, mine)
        # a JSON list is an empty header (as in crds): it names no instrument
        assert mine[0].startswith(f"CRDS - ERROR -  Failed loading source '{path}' "), mine[0]
    # the other datasets were processed: the good one entirely
    assert proc.stdout.count(f"{str(good).lower()} acs ") == 22
    assert f"Failed processing '{hst / 'j8btyyy_raw_bad.fits'}' : Failed determining " \
        f"reference types for '{hst / 'j8btyyy_raw_bad.fits'}' with respect to ('MIRI', " \
        in proc.stderr
    assert "data='" + str(hst / "truncated.fits") + "' ::  New: Bestref FAILED:" in proc.stderr
    assert proc.stderr.splitlines()[-3] == f"CRDS - INFO -  {len(errors)} errors"


@pytest.mark.parametrize("name, problem", [
    ("text.fits", "No SIMPLE card found"),
    ("cut_header.fits", "corrupt"),
    ("missing.fits", "no such file"),
])
def test_one_bad_file_alone(crds_cache: Path, crds_test_data: Path, tmp_path: Path,
                            name: str, problem: str) -> None:
    path = _broken_files(crds_test_data / "hst", tmp_path)[name]
    proc = run_opencrds(crds_cache, "--files", path, "-n", "hst_0729.pmap")
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert [line for line in lines if "ERROR" in line] == [
        line for line in lines if f"'{path}'" in line]
    assert problem in proc.stderr
    assert lines[-3:] == ["CRDS - INFO -  1 errors", "CRDS - INFO -  0 warnings",
                          "CRDS - INFO -  2 infos"]


def test_updating_goes_on_past_files_that_cannot_be_updated(
        crds_cache: Path, crds_test_data: Path, tmp_path: Path) -> None:
    hst = crds_test_data / "hst"
    for name in (GOOD, "dbu1405fu.r1h"):
        shutil.copy(hst / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    geis_before = (tmp_path / "dbu1405fu.r1h").read_bytes()
    broken = _broken_files(hst, tmp_path)
    proc = run_opencrds(crds_cache, "--files", broken["text.fits"], "dbu1405fu.r1h", GOOD,
                        "-n", "hst_0729.pmap", "--update-bestrefs", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Failed updating 'dbu1405fu.r1h' : " in proc.stderr
    assert (tmp_path / "dbu1405fu.r1h").read_bytes() == geis_before
    from astropy.io import fits

    header = fits.getheader(tmp_path / GOOD)
    assert header["CRDS_CTX"] == "hst_0729.pmap"
    assert header["IMPHTTAB"] == "jref$2391649pj_imp.fits"


def test_bad_parameter_files_stop_with_one_line(crds_cache: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"A:A": {"INSTRUME": "COS"}}))
    for content, problem in (('{"a": ', "is not valid JSON"), ("[1, 2]", "must hold a JSON"),
                             ('{"a": 3}', "must be a JSON object")):
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        proc = run_opencrds(crds_cache, "-p", good, bad, "-n", "hst_0729.pmap")
        assert proc.returncode == 1
        assert proc.stderr.splitlines() == [proc.stderr.strip()]
        assert str(bad) in proc.stderr and problem in proc.stderr
    proc = run_opencrds(crds_cache, "-p", tmp_path / "old.pkl", "-n", "hst_0729.pmap")
    assert proc.returncode == 1 and "Python pickle parameter files are not supported" in \
        proc.stderr


def test_unknown_dataset_ids(crds_cache: Path, tmp_path: Path) -> None:
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"A:A": {"INSTRUME": "COS"}}))
    proc = run_opencrds(crds_cache, "-p", params, "-n", "hst_0729.pmap", "--only-ids", "B")
    assert proc.returncode == 1
    assert ("CRDS - ERROR -  Failed loading source 'B:B' : no such dataset id in the "
            "parameter files") in proc.stderr
