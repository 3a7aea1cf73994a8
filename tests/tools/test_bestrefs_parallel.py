"""``opencrds bestrefs -j N`` gives exactly what the serial run gives; the progress bar too."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from test_bestrefs_support import log_lines, run_opencrds

HEADERS = 600


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, crds_cache: Path) -> Path:
    """A parameter file of headers derived from the hst_0729 rules (some fail to match)."""
    import opencrds
    from opencrds.testing.headers import headers_for_context

    context = opencrds.load_context("hst_0729.pmap", cache=crds_cache)
    rng = random.Random(5)
    headers = {}
    for _filekind, header in headers_for_context(context, rng, per_type=8, odd=True,
                                                 complete=True):
        name = f"P{len(headers):05d}"
        headers[name if len(headers) % 3 else f"{name}:{name}"] = header
        if len(headers) == HEADERS:
            break
    path = tmp_path_factory.mktemp("batch") / "batch.json"
    path.write_text("".join(json.dumps({k: v}) + "\n" for k, v in headers.items()))
    return path


def _same(serial, parallel) -> None:
    assert parallel.stdout == serial.stdout
    assert log_lines(parallel.stderr) == log_lines(serial.stderr)
    assert parallel.returncode == serial.returncode


@pytest.mark.parametrize("options", [
    ["--print-new-references", "--format", "json"],
    ["-o", "hst_0500.pmap", "--print-new-references", "--print-affected",
     "--print-affected-details", "--print-update-counts", "--dump-unique-errors", "--stats"],
    ["-c", "--differences-are-errors", "--undefined-differences-matter",
     "--max-errors-per-class", "3", "--dump-unique-errors", "--print-affected"],
])
def test_two_processes_give_the_serial_results(crds_cache: Path, batch: Path,
                                               options: list[str]) -> None:
    serial = run_opencrds(crds_cache, "-p", batch, "-n", "hst_0729.pmap", *options)
    parallel = run_opencrds(crds_cache, "-p", batch, "-n", "hst_0729.pmap", *options, "-j", "2")
    assert serial.stdout and "ERROR" in serial.stderr
    _same(serial, parallel)


def test_files_in_parallel(crds_cache: Path, crds_test_data: Path, tmp_path: Path) -> None:
    hst = crds_test_data / "hst"
    (tmp_path / "junk.fits").write_text("junk")
    files = [*sorted(hst.glob("j8bt*.fits")), *sorted(hst.glob("*.r1h")), tmp_path / "junk.fits"]
    args = ["--files", *files, "-n", "hst_0729.pmap", "-o", "hst_0250.pmap",
            "--print-new-references"]
    _same(run_opencrds(crds_cache, *args), run_opencrds(crds_cache, *args, "-j", "3"))


def test_forced_progress_bar_keeps_results(crds_cache: Path, batch: Path) -> None:
    args = ["-p", batch, "-n", "hst_0729.pmap", "--print-new-references"]
    plain = run_opencrds(crds_cache, *args, "--no-progress")
    shown = run_opencrds(crds_cache, *args, "--progress", "-j", "2")
    assert shown.stdout == plain.stdout and shown.returncode == plain.returncode
    assert log_lines(shown.stderr) == log_lines(plain.stderr)


def test_progress_only_for_large_batches_on_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    from opencrds.tools.bestrefs import parallel as bestrefs_parallel

    assert bestrefs_parallel.want_progress(True, 1) is True
    assert bestrefs_parallel.want_progress(False, 10**6) is False
    # under pytest stdout/stderr are not terminals: never by default
    assert bestrefs_parallel.want_progress(None, 10**6) is False
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert bestrefs_parallel.want_progress(None, 10**6) is True
    assert bestrefs_parallel.want_progress(None, 10) is False
