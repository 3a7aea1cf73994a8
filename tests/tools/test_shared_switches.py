"""The switches every command shares (TOOLS.md §1.2): --pdb, --profile, --log-time,
--dump-cmdline, --readonly-cache, --stats and the observatory switches, run as a user would."""

from __future__ import annotations

import pstats
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import user_environment

BIN = Path(sys.executable).parent / "opencrds"


def run(*argv: str, stdin: str = "", env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *argv], input=stdin, capture_output=True, text=True,
                          timeout=120, check=False, env=env, cwd=cwd)


@pytest.fixture
def rmap(tmp_path: Path) -> Path:
    """A small valid rmap whose checksum tool run needs no cache or server."""
    path = tmp_path / "tobs_tinstr_tfilekind_0001.rmap"
    path.write_text(
        "header = {\n    'derived_from' : 'generated',\n    'filekind' : 'TFILEKIND',\n"
        "    'instrument' : 'TINSTR',\n    'mapping' : 'REFERENCE',\n"
        "    'name' : 'tobs_tinstr_tfilekind_0001.rmap',\n    'observatory' : 'TOBS',\n"
        "    'parkey' : (('DETECTOR',),),\n    'sha1sum' : 'none',\n}\n\n"
        "selector = Match({\n    ('UVIS',) : 'a.fits',\n})\n", encoding="utf-8")
    return path


def test_dump_cmdline_logs_the_command(rmap: Path) -> None:
    done = run("checksum", "--dump-cmdline", str(rmap))
    assert done.returncode == 0, done.stderr
    assert f"CRDS - INFO -  Command: opencrds checksum --dump-cmdline {rmap}" in done.stderr


def test_log_time_prefixes_each_line(rmap: Path) -> None:
    done = run("checksum", "--log-time", str(rmap))
    lines = done.stderr.splitlines()
    assert lines and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - CRDS - ", line)
                         for line in lines), lines


def test_stats_logs_elapsed_time(rmap: Path) -> None:
    """crds's STARTED, STOPPED and ELAPSED lines, with the switch after or before the command."""
    for argv in (["checksum", "--stats", str(rmap)], ["--stats", "checksum", str(rmap)]):
        done = run(*argv)
        assert re.search(r"CRDS - INFO -  STARTED \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d\d\n"
                         r"CRDS - INFO -  STOPPED .*\nCRDS - INFO -  ELAPSED \d+:\d\d:\d\d\.\d\d",
                         done.stderr), (argv, done.stderr)


def test_switches_before_the_command_mean_the_same(rmap: Path) -> None:
    before = run("--log-time", "--dump-cmdline", "checksum", str(rmap))
    assert before.returncode == 0, before.stderr
    assert re.search(r"\d\d:\d\d,\d{3} - CRDS - INFO -  Command: opencrds checksum "
                     r"--log-time --dump-cmdline ", before.stderr), before.stderr
    unknown = run("--no-such-switch", "checksum", str(rmap))
    assert unknown.returncode == 2 and "--no-such-switch" in unknown.stderr


def test_profile_writes_loadable_statistics(rmap: Path, tmp_path: Path) -> None:
    out = tmp_path / "run.prof"
    done = run("checksum", "--profile", str(out), str(rmap))
    assert done.returncode == 0, done.stderr
    stats = pstats.Stats(str(out))
    assert any("checksum" in str(key) for key in stats.stats)  # type: ignore[attr-defined]
    assert "sha1sum' : 'none'" not in rmap.read_text(encoding="utf-8")


def test_pdb_runs_the_command_under_the_debugger(rmap: Path) -> None:
    done = run("checksum", "--pdb", str(rmap), stdin="continue\n")
    assert "(Pdb)" in done.stdout
    assert done.returncode == 0, done.stderr
    assert "sha1sum' : 'none'" not in rmap.read_text(encoding="utf-8")


def test_readonly_cache_switch_exports_the_variable(rmap: Path) -> None:
    """``checksum`` rewrites files, not the cache: -R reaches the cache settings only."""
    code = ("import os, sys\nfrom opencrds.tools.main import main\n"
            "from opencrds.tools import checksum\n"
            "seen = []\nreal = checksum.run\n"
            "checksum.run = lambda args: seen.append(os.environ.get('CRDS_READONLY_CACHE'))"
            " or real(args)\n"
            "code = main(['checksum', '-R', sys.argv[1]])\n"
            "print(seen, os.environ.get('CRDS_READONLY_CACHE'), code)\n")
    done = subprocess.run([sys.executable, "-c", code, str(rmap)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stdout.strip() == "['1'] None 0", done.stderr


@pytest.mark.parametrize(("flag", "name"), [("-H", "hst"), ("--jwst", "jwst"),
                                             ("--roman", "roman")])
def test_observatory_switch_sets_the_default_observatory(rmap: Path, flag: str,
                                                        name: str) -> None:
    code = ("import os, sys\nfrom opencrds.tools.main import main\n"
            "from opencrds.tools import checksum\n"
            "seen = []\n"
            "checksum.run = lambda args: seen.append((args.observatory,"
            " os.environ.get('CRDS_OBSERVATORY'))) or 0\n"
            "main(['checksum', sys.argv[2], sys.argv[1]])\nprint(seen)\n")
    done = subprocess.run([sys.executable, "-c", code, str(rmap), flag], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stdout.strip() == str([(name, name)]), done.stderr
    before = subprocess.run([sys.executable, "-c", code.replace(
        "['checksum', sys.argv[2], sys.argv[1]]", "[sys.argv[2], 'checksum', sys.argv[1]]"),
        str(rmap), flag], capture_output=True, text=True, timeout=120, check=False)
    assert before.stdout.strip() == str([(name, name)]), before.stderr


def test_log_time_and_message_counter_variables(rmap: Path) -> None:
    env = {**user_environment(), "CRDS_LOG_TIME": "1", "CRDS_ADD_LOG_MSG_COUNTER": "1"}
    done = run("checksum", str(rmap), "missing.rmap", env=env, cwd=rmap.parent)
    lines = done.stderr.splitlines()
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - CRDS - INFO - \(0000001\) - "
                    r"Adding checksum for ", lines[0]), lines
    assert re.match(r".* - CRDS - ERROR - \(0000003\) - Checksum operation FAILED", lines[2])
