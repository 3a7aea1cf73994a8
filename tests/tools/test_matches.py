"""``opencrds matches`` and ``opencrds.rules.matches`` against the real ``crds matches``.

The match paths of a sample of real HST and JWST references (several paths per reference,
nested UseAfter/VersionAfter selectors, numeric and wildcard keys, substitution values kept raw,
references in several contexts) are compared with ``crds.matches.find_full_match_paths``, and
the command's output with the oracle's ``MatchesScript`` for every format switch. Hand-written
rmaps pin the ordering and splitting rules observed from the oracle.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from opencrds.rules.matches import (
    FilterError,
    all_match_paths,
    filter_paths,
    find_match_paths,
    parse_filters,
    path_as_dict,
)
from opencrds.tools.matches import format_path

HST_REFS = [
    "s7g1700gl_dead.fits",         # COS DEADTAB, the spec example
    "kcb1734qj_pfl.fits",          # 3 match cases, parkey_relevance
    "n4t15303j_pfl.fits",          # second of two UseAfter dates
    "j4d1435ij_bia.fits",          # int and float Match keys
    "m3c10045u.r4h",               # '*' and '# >3000 and <=4200 #' keys, 3 cases
    "nic2_bend_001_th.fits",       # synphot: one Match level, comment parameters
    "mbj1658do_pfl.fits",          # STIS: 19 match cases
    "zcv2057oi_snk.fits",          # WFC3
    "tbh2026qn_flt.fits",          # NICMOS
    "nic_secondary_001_syn.fits",  # synphot thruput, 3 cases
    "f4i1559cu.r4h",               # WFPC2, 10 cases
]
JWST_REFS = [
    "jwst_fgs_gain_0002.fits",           # GENERIC subarray shown as written
    "jwst_fgs_area_0003.fits",           # single-string Match key
    "jwst_system_datalvl_0001.json",     # VersionAfter
    "jwst_miri_flat_0081.fits",          # 5 Match parameters
    "jwst_miri_dark_0058.fits",          # 2 cases
    "jwst_nircam_specwcs_0010.asdf",     # 2 cases
    "jwst_niriss_superbias_0003.fits",   # '*' key
    "jwst_nirspec_saturation_0011.fits",  # 2 cases
    "jwst_system_calver_0005.json",
]
#: crds takes ~1 s per HST reference here, so the format tests use a few of them.
HST_FORMAT_REFS = ["s7g1700gl_dead.fits", "j4d1435ij_bia.fits", "m3c10045u.r4h",
                   "nic2_bend_001_th.fits"]
FORMATS = ["", "-b", "-o", "-t", "-b -o", "-b -t", "-o -t", "-b -o -t"]
FORMAT_ARGVS = [f"--contexts {context} --files {' '.join(refs)} {options}".strip()
                for options in FORMATS
                for context, refs in [("hst_0729.pmap", HST_FORMAT_REFS),
                                      ("jwst_0541.pmap", JWST_REFS)]]
#: every reference of tobs.pmap (all selector kinds) plus two inside tuple and dict values
TOBS_REFS = ["nal1503ij_bia.fits", "o9s16388j_bia.fits", "cref_flatfield_65.fits",
             "cref_flatfield_73.fits", "cref_flatfield_123.fits", "cref_flatfield_222.fits",
             "cref_flatfield_120.fits", "cref_flatfield_124.fits", "cref_flatfield_137.fits",
             "foo_bia.fits", "foo_bia1.fits"]
UNKNOWN_ARGV = "--contexts hst_0729.pmap --files nosuch.fits s7g1700gl_dead.fits nosuch.fits"


#: Runs in a fresh interpreter: crds keeps per-process state that other tests change (after
#: some lookups it shows ``KEY [FITSKEY]`` names), so the oracle gets a process of its own.
ORACLE_DRIVER = r"""
import contextlib, io, json, sys
import crds.matches
results = []
for job in json.load(sys.stdin):
    if job[0] == "cli":
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            crds.matches.MatchesScript("crds.matches " + job[1])()
        results.append(out.getvalue())
    else:
        paths = crds.matches.find_full_match_paths(job[1], job[2])
        dicts = crds.matches.find_match_paths_as_dict(job[1], job[2])
        results.append(repr((paths, dicts)))
json.dump(results, sys.stdout)
"""


def _jobs() -> list[tuple[str, ...]]:
    jobs: list[tuple[str, ...]] = []
    for context, refs in [("hst_0729.pmap", HST_REFS), ("jwst_0541.pmap", JWST_REFS)]:
        jobs += [("paths", context, ref) for ref in refs]
    jobs += [("paths", "tobs.pmap", ref) for ref in TOBS_REFS]
    jobs += [("cli", argv) for argv in [*FORMAT_ARGVS, *SWITCH_ARGVS, UNKNOWN_ARGV]]
    return jobs


@pytest.fixture(scope="module")
def oracle(crds_cache: Path) -> dict[tuple[str, ...], str]:
    """What the real crds 14.0.3 answers for every job, from one subprocess."""
    pytest.importorskip("crds", reason="the crds oracle client is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(crds_cache), CRDS_MODE="local", CRDS_READONLY_CACHE="1",
               CRDS_SERVER_URL="https://localhost:1")
    jobs = _jobs()
    done = subprocess.run([sys.executable, "-c", ORACLE_DRIVER], input=json.dumps(jobs),
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(zip(jobs, json.loads(done.stdout), strict=True))


def ours(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from opencrds.tools.main import main

    capsys.readouterr()
    code = main(["matches", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---- library against the oracle's match paths -------------------------------------------------


@pytest.mark.parametrize(("context", "refs"), [("hst_0729.pmap", HST_REFS),
                                               ("jwst_0541.pmap", JWST_REFS),
                                               ("tobs.pmap", TOBS_REFS)])
def test_match_paths_equal_oracle(oracle: dict, crds_cache: Path, context: str,
                                  refs: list[str]) -> None:
    """tobs.pmap nests UseAfter, SelectVersion, ClosestTime, Bracket and GeometricallyNearest
    under Match; references inside tuple or dict values are not reported, as by crds."""
    import opencrds

    loaded = opencrds.load_context(context, cache=crds_cache)
    for ref in refs:
        mine = find_match_paths(loaded, ref)
        assert bool(mine) == (not ref.startswith("foo_")), ref
        assert repr((mine, [path_as_dict(p) for p in mine])) == \
            oracle[("paths", context, ref)], ref


# ---- command output against the oracle --------------------------------------------------------


@pytest.mark.parametrize("argv", FORMAT_ARGVS,
                         ids=[f"{a}[{o}]" for o in FORMATS for a in ("hst", "jwst")])
def test_output_formats_equal_oracle(oracle: dict, oracle_env: ModuleType,
                                     capsys: pytest.CaptureFixture[str], argv: str) -> None:
    code, out, _ = ours(argv.split(), capsys)
    assert (code, out) == (0, oracle[("cli", argv)])


SWITCH_ARGVS = [
    # several contexts: context-prefixed lines, contexts sorted, files in the given order
    "--contexts hst_0729.pmap hst_0728.pmap --files n4t15303j_pfl.fits kcb1734qj_pfl.fits "
    "n4t15303j_pfl.fits",
    "--contexts jwst_0541.pmap jwst_0540.pmap --files jwst_fgs_gain_0002.fits "
    "jwst_miri_dark_0058.fits -t",
    # imap and rmap contexts, crds:// and directory parts dropped
    "--contexts hst_acs_0421.imap --files crds://kcb1734qj_pfl.fits /x/j4d1435ij_bia.fits -o",
    "--contexts jwst_nircam_drizpars_0000.rmap --files jwst_nircam_drizpars_0001.fits",
    "--contexts jwst_nircam_drizpars_0000.rmap --files jwst_nircam_drizpars_0001.fits -b",
    # --files first, then every reference of the context
    "--contexts jwst_fgs_gain_0010.rmap --files-from-contexts --files jwst_fgs_gain_0002.fits",
    "--contexts jwst_fgs_0073.imap jwst_fgs_0072.imap --files-from-contexts "
    "--filters META.INSTRUMENT.DETECTOR=guider2 -b",
    # filters: per match case, upper-cased, one of the '|' alternatives, unknown keys ignored
    "--contexts hst_acs_pfltfile_0253.rmap --files kcb1734qj_pfl.fits --filters FILTER2=PR200L",
    "--contexts hst_acs_pfltfile_0253.rmap --files kcb1734qj_pfl.fits --filters ccdamp=a -o",
    "--contexts hst_acs_pfltfile_0253.rmap --files kcb1734qj_pfl.fits --filters FILTER1=F475W",
    "--contexts hst_acs_pfltfile_0253.rmap --files kcb1734qj_pfl.fits "
    "--filters CCDAMP=A|ABCD|AD|B|BC|C|D",
    "--contexts hst_acs_pfltfile_0253.rmap --files kcb1734qj_pfl.fits "
    "--filters FILTER2=PR200L FILTER2=IMAGING",
    "--contexts hst_acs_pfltfile_0253.rmap --files kcb1734qj_pfl.fits "
    "--filters INSTRUMENT=COS DATE-OBS=1992-01-01 FOO=BAR",
    "--contexts tobs.pmap --files cref_flatfield_123.fits cref_flatfield_120.fits -t",
]


@pytest.mark.parametrize("argv", SWITCH_ARGVS)
def test_switches_equal_oracle(oracle: dict, oracle_env: ModuleType,
                               capsys: pytest.CaptureFixture[str], argv: str) -> None:
    expected = oracle[("cli", argv)]
    code, out, _ = ours(argv.split(), capsys)
    assert (code, out) == (0, expected)


def test_default_context_is_the_cached_latest(oracle_env: ModuleType,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Without --contexts: <obs>-latest from the cached server configuration (crds says
    "Symbolic context 'jwst-latest' resolves to 'jwst_0541.pmap'" for this cache)."""
    code, out, err = ours(["--files", "jwst_fgs_gain_0002.fits"], capsys)
    assert code == 0
    assert "INFO -  Symbolic context 'jwst-latest' resolves to 'jwst_0541.pmap'" in err
    assert out == ours(["--contexts", "jwst_0541.pmap", "--files", "jwst_fgs_gain_0002.fits"],
                       capsys)[1]
    assert out.startswith(" jwst_fgs_gain_0002.fits : FGS GAIN ")


def test_real_crds_cli_spec_example(crds_cache: Path, tmp_path: Path) -> None:
    """The real ``crds matches`` command line, run as a subprocess on the shared cache."""
    crds = Path(sys.executable).with_name("crds")
    if not crds.exists():
        pytest.skip(f"the crds oracle command is not installed beside {sys.executable}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(crds_cache), CRDS_MODE="local", CRDS_READONLY_CACHE="1",
               CRDS_SERVER_URL="https://localhost:1")
    argv = ["matches", "--contexts", "hst_0729.pmap", "--files", "s7g1700gl_dead.fits",
            "kcb1734qj_pfl.fits", "-t"]
    theirs = subprocess.run([str(crds), *argv], env=env, capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    mine = subprocess.run([sys.executable, "-m", "opencrds.tools.main", *argv], env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert theirs.returncode == mine.returncode == 0
    assert mine.stdout == theirs.stdout
    assert mine.stdout.startswith(" s7g1700gl_dead.fits : (('OBSERVATORY', 'HST'), ")


# ---- errors --------------------------------------------------------------------------------


def test_unknown_reference_is_one_error_and_the_run_goes_on(
        oracle: dict, oracle_env: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    """crds prints nothing for an unknown reference (exit 0); opencrds says so (exit 1)."""
    expected = oracle[("cli", UNKNOWN_ARGV)]
    code, out, err = ours(UNKNOWN_ARGV.split(), capsys)
    assert out == expected
    assert out == (" s7g1700gl_dead.fits : COS DEADTAB DETECTOR='FUV' DATE-OBS='1996-10-01' "
                   "TIME-OBS='00:00:00'\n")
    errors = [line for line in err.splitlines() if "ERROR" in line]
    assert errors == ["CRDS - ERROR -  Reference 'nosuch.fits' is not named by any rule of "
                      "hst_0729.pmap."]
    assert code == 1


def test_unloadable_context_is_one_error_and_the_run_goes_on(
        oracle_env: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ours(["--contexts", "jwst_fgs_gain_9999.rmap", "jwst_fgs_gain_0010.rmap",
                           "--files", "jwst_fgs_gain_0002.fits"], capsys)
    assert out.startswith("jwst_fgs_gain_0010.rmap jwst_fgs_gain_0002.fits : FGS GAIN ")
    assert err.count("ERROR") == 1 and "jwst_fgs_gain_9999.rmap" in err
    assert code == 1


def test_neither_files_nor_datasets_prints_help_and_error(
        oracle_env: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ours(["--contexts", "jwst_fgs_gain_0010.rmap"], capsys)
    assert code == 1
    assert "--files" in out and "--tuple-format" in out
    assert "ERROR -  Specify --files to dump reference match cases or --datasets" in err


def test_bad_filter_is_a_clear_error(oracle_env: ModuleType,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ours(["--contexts", "jwst_fgs_gain_0010.rmap", "--files",
                           "jwst_fgs_gain_0002.fits", "--filters", "FOO"], capsys)
    assert code == 1 and out == ""
    assert "Invalid filter 'FOO': use KEY=VALUE" in err
    with pytest.raises(FilterError):
        parse_filters(["=X"])


def test_datasets_without_a_server(oracle_env: ModuleType,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ours(["--contexts", "hst_0729.pmap", "--datasets", "JBANJOF3Q"], capsys)
    assert code == 1 and out == ""
    assert "dataset ids need a server with dataset headers" in err
    assert err.count("ERROR") == 1


def test_help_has_one_line_per_option() -> None:
    from opencrds.tools.main import build_parser

    parser = build_parser("matches")
    sub = next(a for a in parser._actions if a.dest == "command").choices["matches"]
    options = [a for a in sub._actions if a.option_strings]
    wanted = {"--files", "--files-from-contexts", "--filters", "--brief-paths",
              "--omit-parameter-names", "--tuple-format", "--datasets", "--instrument",
              "--condition-values", "--minimize-headers", "--contexts", "--range", "--all",
              "--last-n-contexts", "--up-to-context", "--after-context", "--include-orphans"}
    assert wanted <= {s for a in options for s in a.option_strings}
    for action in options:
        assert action.help and "\n" not in action.help, action.option_strings


# ---- hand-written rmaps: ordering and key splitting as observed from crds -----------------------

RMAP_HEADER = """header = {{
    'derived_from' : 'hand written',
    'filekind' : 'TFILEKIND',
    'instrument' : 'TINSTR',
    'mapping' : 'REFERENCE',
    'name' : '{name}',
    'observatory' : 'TOBS',
    'parkey' : {parkey},
    'sha1sum' : '0000000000000000000000000000000000000000',
}}

"""
HEADER = (("observatory", "tobs"), ("instrument", "tinstr"), ("filekind", "tfilekind"))


def _rmap(tmp_path: Path, name: str, parkey: str, selector: str):
    from opencrds.client.contexts import load_context

    path = tmp_path / name
    path.write_text(RMAP_HEADER.format(name=name, parkey=parkey) + selector, encoding="utf-8")
    return load_context(path, ignore_checksum=True)


def test_match_rows_sorted_by_raw_text_and_dates_split(tmp_path: Path) -> None:
    rmap = _rmap(tmp_path, "tobs_tinstr_tfilekind_0901.rmap",
                 "(('TEST_CASE', 'NUM'), ('DATE-OBS', 'TIME-OBS'))", """selector = Match({
    ('ZZ', 10) : UseAfter({
        '2003-09-26 01:28:00':'a.fits',
        '2001-09-26':'a.fits',
        '2002-09-26T01:28:00':'a.fits',
    }),
    ('F2|F1', 9) : UseAfter({'2003-09-26 01:28:00':'a.fits'}),
    ('F15', 9.0) : UseAfter({'2003-09-26 01:28:00':'a.fits'}),
    ('f3 ', '9') : UseAfter({'2003-09-26 01:28:00':'a.fits'}),
    ('AA', 'N/A') : 'a.fits',
    ('AB', 'N/A') : 'N/A',
})
""")
    date = (("DATE-OBS", "2003-09-26"), ("TIME-OBS", "01:28:00"))
    assert find_match_paths(rmap, "a.fits") == [
        (HEADER, (("TEST_CASE", "AA"), ("NUM", "N/A"))),
        (HEADER, (("TEST_CASE", "F15"), ("NUM", "9.0")), date),
        (HEADER, (("TEST_CASE", "F2|F1"), ("NUM", "9")), date),
        (HEADER, (("TEST_CASE", "ZZ"), ("NUM", "10")), (("DATE-OBS", "2001-09-26"),)),
        (HEADER, (("TEST_CASE", "ZZ"), ("NUM", "10")), (("DATE-OBS", "2002-09-26T01:28:00"),)),
        (HEADER, (("TEST_CASE", "ZZ"), ("NUM", "10")), date),
        (HEADER, (("TEST_CASE", "f3 "), ("NUM", "9")), date),
    ]
    assert list(all_match_paths(rmap)) == ["a.fits"]  # N/A is not a reference


def test_numbers_sorted_as_text(tmp_path: Path) -> None:
    rmap = _rmap(tmp_path, "tobs_tinstr_tfilekind_0902.rmap", "(('TEST_CASE', 'NUM'),)",
                 """selector = Match({
    ('B', 10) : 'a.fits', ('B', 9) : 'a.fits', ('B', 9.5) : 'a.fits', ('B', '9.7') : 'a.fits',
    ('A', 'X') : 'a.fits', ('B', 100) : 'a.fits', ('B', -1) : 'a.fits',
})
""")
    nums = [p[1][1][1] for p in find_match_paths(rmap, "a.fits")]
    assert nums == ["X", "-1", "10", "100", "9", "9.5", "9.7"]


def test_other_selectors_sorted_by_key_text(tmp_path: Path) -> None:
    rmap = _rmap(tmp_path, "tobs_tinstr_tfilekind_0903.rmap", "(('TEST_CASE',), ('P1',))",
                 """selector = Match({
    'GN' : GeometricallyNearest({10.0 : 'a.fits', 9.0 : 'a.fits', -1.5 : 'a.fits'}),
    'BR' : Bracket({10.0 : 'a.fits', 9.0 : 'a.fits'}),
    'VA' : VersionAfter({'10.0' : 'a.fits', '9.0' : 'a.fits', '9.10.1' : 'a.fits',
                         '9.9' : 'a.fits'}),
    'SV' : SelectVersion({'default' : 'a.fits', '<10' : 'a.fits', '<9' : 'a.fits',
                          '=3' : 'a.fits'}),
    'CT' : ClosestTime({'2019-01-01 00:00:00' : 'a.fits', '2018-01-01' : 'a.fits'}),
})
""")
    got = [(p[1][0][1], p[2][0][1]) for p in find_match_paths(rmap, "a.fits")]
    assert got == [("BR", "10.0"), ("BR", "9.0"), ("CT", "2018-01-01"),
                   ("CT", "2019-01-01 00:00:00"), ("GN", "-1.5"), ("GN", "10.0"),
                   ("GN", "9.0"), ("SV", "<10"), ("SV", "<9"), ("SV", "=3"),
                   ("SV", "default"), ("VA", "10.0"), ("VA", "9.0"), ("VA", "9.10.1"),
                   ("VA", "9.9")]


def test_quotes_and_formats(tmp_path: Path) -> None:
    rmap = _rmap(tmp_path, "tobs_tinstr_tfilekind_0904.rmap", "(('TEST_CASE', 'NUM'),)",
                 """selector = Match({("O'B", 10) : 'a.fits', ('B"Q', 9.5) : 'a.fits'})\n""")
    paths = find_match_paths(rmap, "a.fits")
    assert [format_path(p) for p in paths] == [
        """TINSTR TFILEKIND TEST_CASE='B"Q' NUM='9.5'""",
        """TINSTR TFILEKIND TEST_CASE="O'B" NUM='10'"""]
    assert format_path(paths[1], omit_names=True) == """TINSTR TFILEKIND "O'B" '10'"""
    assert format_path(paths[1], tuple_format=True) == (
        """(('OBSERVATORY', 'TOBS'), ('INSTRUMENT', 'TINSTR'), ('FILEKIND', 'TFILEKIND'), """
        """('TEST_CASE', "O'B"), ('NUM', '10'))""")
    assert format_path(paths[1], brief=True, omit_names=True, tuple_format=True) == \
        """("O'B", '10')"""
    assert filter_paths(paths, parse_filters(["test_case=o'b"])) == [paths[1]]


def test_files_from_an_at_file(oracle_env: ModuleType, capsys: pytest.CaptureFixture[str],
                               tmp_path: Path) -> None:
    listing = tmp_path / "refs.txt"
    listing.write_text("# references\njwst_fgs_gain_0003.fits\n  crds://jwst_fgs_gain_0002.fits\n")
    code, out, _ = ours(["--contexts", "jwst_fgs_gain_0010.rmap", "--files", f"@{listing}",
                         "-b", "-o"], capsys)
    assert code == 0
    assert out == (" jwst_fgs_gain_0003.fits :  'GUIDER2' 'GENERIC' '2015-01-01' '00:00:00'\n"
                   " jwst_fgs_gain_0002.fits :  'GUIDER1' 'GENERIC' '2015-01-01' '00:00:00'\n")


def test_context_ranges_need_a_server(oracle_env: ModuleType,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ours(["--hst", "--range", "728:729", "--files", "s7g1700gl_dead.fits"],
                          capsys)
    assert code == 255 and out == ""
    assert "(FATAL) Failed connecting to CRDS server" in err
