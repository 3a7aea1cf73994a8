"""The parts of ``opencrds bestrefs`` in isolation: options, sources, judging, tracking, reports."""

from __future__ import annotations

import argparse
import io
import json
import logging
from datetime import datetime
from pathlib import Path

import pytest

from opencrds.tools.bestrefs import args as bestrefs_args
from opencrds.tools.bestrefs import report as bestrefs_report
from opencrds.tools.bestrefs import sources as bestrefs_sources
from opencrds.tools.bestrefs.compare import Outcome, Processor, Settings, instrument_of
from opencrds.tools.bestrefs.contexts import resolve_context
from opencrds.tools.bestrefs.tracking import ErrorTracker, display_id
from opencrds.tools.common import ToolError, restore_logging, setup_logging


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bestrefs_args.add_arguments(parser)
    parser.set_defaults(verbosity=None)
    return bestrefs_args.finish(parser.parse_args(argv))


@pytest.fixture
def logged():
    """CRDS-format logging into a buffer for the test; returns a function giving the lines."""
    buffer = io.StringIO()
    setup_logging(0, stream=buffer)
    yield lambda: buffer.getvalue().splitlines()
    restore_logging()


# ---- options -------------------------------------------------------------------------------

def test_regression_and_check_context_bundles() -> None:
    args = parse("-p", "x.json", "--regression")
    assert args.compare_source_bestrefs and args.differences_are_errors
    assert args.dump_unique_errors and args.stats
    args = parse("-p", "x.json", "--check-context")
    assert args.undefined_differences_matter and args.na_differences_matter
    assert (args.all_errors_file, args.unique_errors_file) == ("all_errors.ids",
                                                              "unique_errors.ids")


def test_at_files_expand_recursively_and_skip_comments(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.write_text("c.fits\n# d.fits\n")
    outer = tmp_path / "outer"
    outer.write_text(f"a.fits b.fits\n# comment\n@{inner}\n")
    assert parse("--files", f"@{outer}", "e.fits").files == ["a.fits", "b.fits", "c.fits",
                                                              "e.fits"]


def test_ids_are_upper_cased_and_completed() -> None:
    args = parse("-p", "x.json", "--only-ids", "la9k03c3q", "A:B", "--drop-ids", "x")
    assert args.only_ids == ["LA9K03C3Q:LA9K03C3Q", "A:B"]
    assert args.drop_ids == ["X:X"]


@pytest.mark.parametrize("argv, text", [
    ((), "Must specify one of: --files"),
    (("-p", "x.json", "-o", "a.pmap", "-c"), "--old-context and --compare-source-bestrefs"),
    (("--datasets", "X"), "--datasets needs a CRDS server"),
    (("--all-instruments",), "--all-instruments needs a CRDS server"),
])
def test_bad_option_combinations(argv: tuple[str, ...], text: str) -> None:
    with pytest.raises(ToolError, match=text):
        parse(*argv)


def test_headers_alias_defaults_to_a_table() -> None:
    args = parse("--headers", "h.json")
    assert args.load_pickles == ["h.json"] and args.format == "table"
    assert parse("-p", "h.json").format is None


# ---- parameter files -----------------------------------------------------------------------

def test_parameter_files_one_object_per_line_and_whole(tmp_path: Path) -> None:
    lines = tmp_path / "lines.json"
    lines.write_text('{"A:A": {"INSTRUME": "ACS"}}\n{"B:B": {"INSTRUME": "COS"}}\n')
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps({"C:C": {"INSTRUME": "STIS"}}, indent=2))
    assert sorted(bestrefs_sources.load_parameter_file(str(lines))) == ["A:A", "B:B"]
    assert list(bestrefs_sources.load_parameter_file(str(whole))) == ["C:C"]


def test_pickles_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="Python pickle parameter files are not supported"):
        bestrefs_sources.load_parameter_file(str(tmp_path / "old.pkl"))


def test_later_parameter_files_augment_and_condition(logged) -> None:
    combined = bestrefs_sources.combine_parameter_files([
        ("a.json", {"X": {"DETECTOR": "fuv", "N": 2}, "Y": {"INSTRUME": "cos"}}),
        ("b.json", {"X": {"CENWAVE": 1230, "NEW": "not found n/a"}}),
    ])
    assert combined["Y"] == {"INSTRUME": "cos"}  # untouched by the later file: as loaded
    assert combined["X"] == {"DETECTOR": "FUV", "N": "2.0", "CENWAVE": "1230.0", "NEW": "N/A"}
    assert logged() == [
        "CRDS - INFO -  Loading file 'a.json'",
        "CRDS - INFO -  Loaded 2 datasets from file 'a.json' completely replacing existing "
        "headers.",
        "CRDS - INFO -  Loading file 'b.json'",
        "CRDS - INFO -  Loaded 1 datasets from file 'b.json' augmenting existing headers.",
    ]


def test_sources_sorted_filtered_and_missing_ids() -> None:
    params = {"B:B": {"INSTRUME": "ACS"}, "A:A": {"instrume": "COS"}, "C:C": {}}
    sources = bestrefs_sources.make_sources(None, params, None, ["C:C"])
    assert [s.name for s in sources] == ["A:A", "B:B"]
    assert sources[0].header == {"INSTRUME": "COS"}
    sources = bestrefs_sources.make_sources(None, params, ["Z:Z", "B:B"], [])
    assert [(s.name, s.missing) for s in sources] == [("B:B", False), ("Z:Z", True)]
    files = bestrefs_sources.make_sources(["b.fits", "a.fits"], {}, None, ["b.fits"])
    assert [(s.name, s.path) for s in files] == [("a.fits", "a.fits")]


def test_save_headers_writes_sorted_json_lines(tmp_path: Path, logged) -> None:
    path = tmp_path / "saved.json"
    bestrefs_sources.save_headers(str(path), {"b": {"X": "1"}, "a": {"Y": 2}})
    assert path.read_text() == '{"a": {"Y": 2}}\n{"b": {"X": "1"}}\n'
    assert logged() == [f"CRDS - INFO -  Writing all headers to '{path}'",
                        f"CRDS - INFO -  Done writing '{path}'"]


# ---- judging and comparing (no real rules needed) ------------------------------------------

class _FakeContext:
    """Enough of a pipeline context for the judging code paths."""

    name = "fake.pmap"


def _processor(**settings) -> Processor:
    return Processor(Settings(new_context="fake.pmap", **settings), new=_FakeContext())


@pytest.mark.parametrize("raw, value, ok, message", [
    ("jref$m4r1753rj_bia.fits", "m4r1753rj_bia.fits", True, None),
    ("crds://JWST_NIRCAM_DARK_0040.FITS", "jwst_nircam_dark_0040.fits", True, None),
    ("NOT FOUND n/a", "n/a", True, None),
    ("N/A", "n/a", True, None),
    ("UNDEFINED", "n/a", True, None),
    ("NOT FOUND No match found.", "n/a", True, None),
    ("NOT FOUND  parameter='X' value='1'", "not found  parameter='x' value='1'", False,
     "New: Bestref FAILED:   parameter='X' value='1'"),
])
def test_judging_results(raw: str, value: str, ok: bool, message: str | None) -> None:
    out = Outcome("D:D", instrument="ACS")
    assert _processor()._judge(raw, "New", "biasfile", out) == (value, ok)
    assert [m[1] for m in out.messages] == ([message] if message else [])
    assert out.failed is (not ok)


def test_undefined_matters_and_old_failures_do_not_kill() -> None:
    processor = _processor(undefined_matter=True)
    out = Outcome("D:D", instrument="ACS")
    assert processor._judge("UNDEFINED", "Old", "darkfile", out) == ("undefined", True)
    assert not out.failed
    assert processor._judge("*", "New", "darkfile", out) == ("*", False)
    assert out.failed
    assert [m[1:] for m in out.messages] == [
        ("Old: No match found: 'UNDEFINED'", ("ACS", "DARKFILE", "D")),
        ("New: No match found: '*'", ("ACS", "DARKFILE", "D")),
    ]


def test_comparison_differences_errors_and_na() -> None:
    processor = _processor(compare_source=True, differences_are_errors=True)
    out = Outcome("D:E", instrument="COS")
    processor._compare({"a": "lref$X.fits", "b": "N/A", "c": "same.fits"},
                       {"a": "y.fits", "b": "z.fits", "c": "SAME.FITS"}, out)
    assert out.updates == [("a", "x.fits", "y.fits"), ("b", "n/a", "z.fits")]
    assert [m[1] for m in out.messages] == [
        "Comparison difference: 'x.fits' --> 'y.fits' :: Would update."]


def test_instrument_of_header_keys() -> None:
    assert instrument_of({"INSTRUME": "acs"}) == "ACS"
    assert instrument_of({"META.INSTRUMENT.NAME": "MIRI"}) == "MIRI"
    assert instrument_of({"instrume": "cos"}) == "COS"
    assert instrument_of({}) == "UNKNOWN"


# ---- tracking and reports ------------------------------------------------------------------

def test_display_id() -> None:
    assert display_id("LA9K03C3Q:LA9K03C3Q") == "LA9K03C3Q"
    assert display_id("PROD1:EXP1") == "PROD1:EXP1"
    assert display_id("j8bt05njq_raw.fits") == "j8bt05njq_raw.fits"


def test_tracker_limits_classes_and_dumps(logged, tmp_path: Path) -> None:
    tracker = ErrorTracker(max_per_class=2)
    for data in ("A", "B", "C"):
        tracker.error("acs", "darkfile", data, "New: Bestref FAILED: x")
    tracker.error("cos", "flatfile", "D", "Old: No match found: 'UNDEFINED'")
    tracker.dump(threshold=1, total_errors=5)
    tracker.write_files(1, str(tmp_path / "u"), str(tmp_path / "a"))
    assert logged() == [
        "CRDS - ERROR -  instrument='ACS' type='DARKFILE' data='A' ::  New: Bestref FAILED: x",
        "CRDS - INFO -  Max error count 2 exceeded for: ACS DARKFILE New: Bestref FAILED: x "
        "suppressing remaining error messages.",
        "CRDS - ERROR -  instrument='COS' type='FLATFILE' data='D' ::  Old: No match found: "
        "'UNDEFINED'",
        "CRDS - INFO -  ==================== unique error classes ====================",
        "CRDS - INFO -  000003 errors like:: instrument='ACS' type='DARKFILE' data='A' ::  "
        "New: Bestref FAILED: x",
        "CRDS - INFO -  000001 errors like:: instrument='COS' type='FLATFILE' data='D' ::  "
        "Old: No match found: 'UNDEFINED'",
        "CRDS - INFO -  All unique error types: 2",
        "CRDS - INFO -  Untracked errors: 1",
        "CRDS - INFO -  ==================== ==================== ====================",
    ]
    assert tracker.suppressed == 2
    assert (tmp_path / "u").read_text() == "A\nD\n"
    assert (tmp_path / "a").read_text() == "A\nB\nD\n"


def test_tracker_delimiter_and_allowed_warnings(logged) -> None:
    tracker = ErrorTracker(delimiter=";")
    tracker.error("ACS", "BIASFILE", "JA9553M3Q", "New: Bestref FAILED: x")
    tracker.error("ACS", "FLSHFILE", "BAD0", "File 'X.FITS' is bad.", allow=True)
    assert logged() == ["CRDS - ERROR -  ; ACS ; BIASFILE ; JA9553M3Q ; New: Bestref FAILED: x",
                        "CRDS - WARNING -  For BAD0 ACS flshfile File 'X.FITS' is bad."]


def test_report_lines(capsys: pytest.CaptureFixture[str], logged) -> None:
    outs = [Outcome("LCE31SW6Q:LCE31SW6Q", "COS", updates=[("bpixtab", "a.fits", "b.fits")]),
            Outcome("PROD1:EXP1", "COS", failed=True, updates=[("hvtab", None, "n/a")]),
            Outcome("quiet", "ACS")]
    bestrefs_report.print_new_references(outs)
    bestrefs_report.print_affected(outs)
    bestrefs_report.print_affected_details(outs)
    bestrefs_report.log_update_counts(outs)
    assert capsys.readouterr().out.splitlines() == [
        "lce31sw6q:lce31sw6q cos bpixtab a.fits b.fits",
        "prod1:exp1 cos hvtab none n/a",
        "lce31sw6q",
        "lce31sw6q:lce31sw6q cos bpixtab",
        "prod1:exp1 cos hvtab",
    ]
    assert logged() == [
        "CRDS - INFO -  Affected products = 1",
        "CRDS - INFO -  Updated exposure counts:",
        " {'COS': {'bpixtab': 1, 'hvtab': 1}}",
    ]


def test_stats_and_summary_layout(logged) -> None:
    started = datetime(2026, 1, 2, 3, 4, 5, 120000)
    stopped = datetime(2026, 1, 2, 3, 4, 8, 120000)
    logging.getLogger("opencrds").info("one info")
    bestrefs_report.log_stats(started, stopped, 3)
    assert bestrefs_report.log_summary(suppressed_errors=2) == 2
    assert logged()[1:] == [
        "CRDS - INFO -  STARTED 2026-01-02 03:04:05.12",
        "CRDS - INFO -  STOPPED 2026-01-02 03:04:08.12",
        "CRDS - INFO -  ELAPSED 0:00:03.00",
        "CRDS - INFO -        3 datasets at    1.0  datasets-per-second",
        "CRDS - INFO -  2 errors",
        "CRDS - INFO -  0 warnings",
        "CRDS - INFO -  5 infos",  # the lines before the summary, as crds 14.0.3 counts
    ]


# ---- contexts ------------------------------------------------------------------------------

def test_symbolic_contexts_from_the_cached_server_config(tmp_path: Path, logged) -> None:
    config = tmp_path / "config" / "hst"
    config.mkdir(parents=True)
    (config / "server_config").write_text(repr({"operational_context": "hst_0729.pmap",
                                                "edit_context": "hst_0730.pmap"}))
    assert resolve_context("hst-latest", None, tmp_path) == "hst_0729.pmap"
    assert resolve_context("hst-edit", None, tmp_path) == "hst_0730.pmap"
    assert resolve_context(None, "hst", tmp_path) == "hst_0729.pmap"
    assert resolve_context("hst_0500.pmap", None, tmp_path) == "hst_0500.pmap"
    assert logged()[0] == ("CRDS - INFO -  Symbolic context 'hst-latest' resolves to "
                           "'hst_0729.pmap'")
    with pytest.raises(ToolError, match="without a CRDS server"):
        resolve_context("hst-2019-01-01T00:00:00", None, tmp_path)
