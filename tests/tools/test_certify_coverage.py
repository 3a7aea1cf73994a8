"""``opencrds certify --coverage`` on synthetic rmaps and on real rmaps and contexts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opencrds.tools.main import main

RMAP = """header = {
    'derived_from' : 'hand written',
    'filekind' : 'TFILEKIND',
    'instrument' : 'TINSTR',
    'mapping' : 'REFERENCE',
    'name' : 'tobs_tinstr_tfilekind_0002.rmap',
    'observatory' : 'TOBS',
    'parkey' : (('DETECTOR', 'FILTER'), ('DATE-OBS', 'TIME-OBS')),
}

selector = Match({
%s})
"""

FINDINGS = """    ('UVIS', 'F555W') : UseAfter({'2000-01-01 00:00:00' : 'uvis_f555w.fits'}),
    ('UVIS', '*') : UseAfter({'2000-01-01 00:00:00' : 'uvis_any.fits'}),
    ('UVIS', 'N/A') : UseAfter({'2000-01-01 00:00:00' : 'uvis_na.fits'}),
    ('IR', 'F555W|F110W') : UseAfter({'2000-01-01 00:00:00' : 'ir.fits'}),
"""


def write_rmap(directory: Path, rows: str) -> Path:
    path = directory / "tobs_tinstr_tfilekind_0002.rmap"
    path.write_text(RMAP % rows, encoding="utf-8")
    return path


def test_table_names_each_kind_of_finding(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write_rmap(tmp_path, FINDINGS)
    assert main(["certify", "--coverage", str(path)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any("tobs_tinstr_tfilekind_0002.rmap: 4 rows" in line for line in lines)
    assert "DETECTOR" in out and "FILTER" in out
    uncovered = [line for line in lines if "│ uncovered" in line]
    assert len(uncovered) == 1
    assert "IR" in uncovered[0] and "<other>" in uncovered[0] and "no row matches" in uncovered[0]
    unreachable = [line for line in lines if "│ unreachable" in line]
    assert len(unreachable) == 1
    assert "N/A" in unreachable[0] and "shadowed by better rows (UVIS, *)" in unreachable[0]
    overlap = [i for i, line in enumerate(lines) if "│ overlap" in line]
    assert len(overlap) == 1
    pair = lines[overlap[0]] + lines[overlap[0] + 1]
    assert "F555W" in pair and "*" in pair and "merged" in pair
    assert "e.g. (UVIS, F555W)" in pair


def test_no_issues_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_rmap(tmp_path, """    ('UVIS', 'F555W') : 'a.fits',
    ('IR', 'F555W') : 'b.fits',
""")
    assert main(["certify", "--coverage", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 uncovered (0 modes), 0 unreachable rows, 0 overlaps" in out
    assert "no issues" in out


def test_bad_input_is_one_error_and_the_others_go_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_rmap(tmp_path, "    ('UVIS', 'F555W') : 'a.fits',\n")
    broken = tmp_path / "tobs_tinstr_tfilekind_0003.rmap"
    broken.write_text("header = {\n", encoding="utf-8")
    code = main(["certify", "--coverage", str(broken), str(tmp_path / "x.fits"), str(good)])
    captured = capsys.readouterr()
    assert code == 2
    assert "tobs_tinstr_tfilekind_0002.rmap: 1 rows" in captured.out
    errors = [line for line in captured.err.splitlines() if "ERROR" in line]
    assert len(errors) == 2
    assert "tobs_tinstr_tfilekind_0003.rmap" in errors[0] and "x.fits" in errors[1]


@pytest.mark.timeout(300)  # a hang guard, not a benchmark
def test_real_rmaps_by_cache_name_and_path(crds_cache: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = crds_cache / "mappings" / "jwst" / "jwst_miri_flat_0038.rmap"
    code = main(["certify", "--coverage", "--cache", str(crds_cache),
                 "hst_wfc3_darkfile_0390.rmap", "jwst_nircam_flat_0014.rmap", str(path)])
    out = capsys.readouterr().out
    assert code == 3
    for name in ("hst_wfc3_darkfile_0390.rmap", "jwst_nircam_flat_0014.rmap",
                 "jwst_miri_flat_0038.rmap"):
        assert f"{name}: " in out
    assert "META.INSTRUMENT.DETECTOR" in out and "CCDAMP" in out
    # MIRI flat: an ANY row always beats its N/A twin (RULES.md X10).
    assert "shadowed by better rows (MIRIFULONG, N/A, LONG, *, FULL)" in out


@pytest.mark.timeout(300)  # a hang guard, not a benchmark
def test_real_context(crds_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["certify", "--coverage", "--cache", str(crds_cache), "hst_0729.pmap"])
    out = capsys.readouterr().out
    assert out.startswith("Coverage of hst_0729.pmap")
    summary = [line for line in out.splitlines() if line.startswith("│ hst_")]
    assert len(summary) > 100
    assert any("hst_acs_darkfile_0363.rmap" in line for line in summary)
    assert 0 < code <= len(summary)
    assert "hst_wfc3_darkfile_0390.rmap: 140 rows" in out


def test_certify_without_coverage_is_unchanged(crds_cache: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = crds_cache / "mappings" / "hst" / "hst_acs_darkfile_0363.rmap"
    main(["certify", "--cache", str(crds_cache), "-x", "hst_0729.pmap", "-r", str(path)])
    captured = capsys.readouterr()
    assert "Certifying" in captured.err
    assert "uncovered" not in captured.out + captured.err


def test_help_lists_the_option() -> None:
    proc = subprocess.run([str(Path(sys.executable).parent / "opencrds"), "certify", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "--coverage" in proc.stdout


def test_tpn_values_join_the_value_space(crds_cache: Path, shared_data: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    definitions = shared_data / "observatory-definitions"
    if not (definitions / "hst").is_dir():
        pytest.skip(f"observatory definitions not found at {definitions}")
    assert main(["certify", "--coverage", "--cache", str(crds_cache),
                 "hst_acs_darkfile_0363.rmap"]) == 1
    plain = capsys.readouterr().out
    assert "SBC" not in plain
    assert main(["certify", "--coverage", "--cache", str(crds_cache), "--definitions",
                 str(definitions), "hst_acs_darkfile_0363.rmap"]) == 1
    rows = [line for line in capsys.readouterr().out.splitlines() if "│ uncovered" in line]
    assert any("SBC" in line and "value not accepted by the rmap; 54 modes" in line
               for line in rows)
