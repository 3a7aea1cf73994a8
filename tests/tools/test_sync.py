"""``opencrds sync`` against a live ``opencrds serve``, checked with crds 14.0.3 both ways."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from server_helpers import (  # noqa: E402
    HAVE_SHARED_DATA,
    Server,
    ServerPool,
    clean_env,
    opencrds_command,
    run_crds,
)

pytestmark = [pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow]

CONTEXT = "hst_0427.pmap"
REFERENCE = "v8q14451j_idc.fits"
HEADER = {"INSTRUME": "ACS", "DETECTOR": "WFC", "DATE-OBS": "2005-01-01", "TIME-OBS": "00:00:00"}
SERVERLESS = "https://hst-serverless-mode.stsci.edu"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not HAVE_SHARED_DATA:
        pytest.skip("shared CRDS data not found")
    pool = ServerPool(tmp_path_factory.mktemp("sync-servers"))
    try:
        yield pool.get("sqlite", "hst")
    finally:
        pool.close()


def sync(server: Server, cache: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = clean_env(CRDS_PATH=str(cache), CRDS_SERVER_URL=server.url,
                        CRDS_OBSERVATORY="hst", **env)
    return subprocess.run([*opencrds_command(), "sync", *args], env=environ,
                          capture_output=True, text=True, timeout=600)


def getreferences(tool: str, cache: Path) -> dict[str, str]:
    """crds's or opencrds's getreferences, serverless on ``cache`` (local mode)."""
    code = (f"import {tool}, json, sys; print(json.dumps({tool}.getreferences("
            f"json.loads(sys.argv[1]), reftypes=['idctab'], context={CONTEXT!r}, "
            "observatory='hst')))")
    env = clean_env(CRDS_PATH=str(cache), CRDS_SERVER_URL=SERVERLESS, CRDS_MODE="local",
                    CRDS_OBSERVATORY="hst")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(HEADER)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def no_temp_files(cache: Path) -> bool:
    return not [p for p in cache.rglob("*") if p.name.startswith(".tmp_")
                or p.name.endswith(".lock")]


def test_opencrds_sync_then_crds_uses_cache(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    done = sync(server, cache, "--contexts", CONTEXT, "--files", REFERENCE, "--check-files",
                "--check-sha1sum", "--stats")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "0 errors" in done.stderr
    assert (cache / "config/hst/server_config").is_file()
    theirs = getreferences("crds", cache)
    ours = getreferences("opencrds", cache)
    assert theirs == ours
    assert Path(ours["idctab"]).is_file() and str(cache) in ours["idctab"]
    assert no_temp_files(cache)


def test_crds_sync_then_opencrds_uses_cache(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for args in (["--contexts", CONTEXT], ["--files", REFERENCE]):  # crds: --files wins
        done = run_crds("sync", *args, env=server.crds_env(cache))
        assert done.returncode == 0, done.stderr[-3000:]
    assert getreferences("opencrds", cache) == getreferences("crds", cache)
    check = sync(server, cache, "--contexts", CONTEXT, "--files", REFERENCE, "--check-files",
                 "--check-sha1sum")
    assert check.returncode == 0, check.stderr[-3000:]
    assert "Syncing 0 files" in check.stderr


def test_repair_bad_file(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert sync(server, cache, "--files", REFERENCE).returncode == 0
    path = next(cache.rglob(REFERENCE))
    good = path.read_bytes()
    path.write_bytes(good[:-10] + b"0123456789")
    done = sync(server, cache, "--files", REFERENCE, "--check-files", "--check-sha1sum")
    assert done.returncode == 1 and "checksum mismatch" in done.stderr
    done = sync(server, cache, "--files", REFERENCE, "--repair-files", "--check-sha1sum")
    assert "Repairing file" in done.stderr
    assert path.read_bytes() == good
    assert no_temp_files(cache)


def test_readonly_sync_downloads_nothing(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    done = sync(server, cache, "--contexts", CONTEXT, "--readonly-cache")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "READONLY CACHE would download" in done.stderr
    assert not cache.exists() or not [p for p in cache.rglob("*") if p.is_file()]


def test_two_syncs_at_once(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    environ = clean_env(CRDS_PATH=str(cache), CRDS_SERVER_URL=server.url,
                        CRDS_OBSERVATORY="hst")
    command = [*opencrds_command(), "sync", "--contexts", CONTEXT, "--files", REFERENCE]
    procs = [subprocess.Popen(command, env=environ, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait(600) for p in procs] == [0, 0]
    assert no_temp_files(cache)
    check = sync(server, cache, "--contexts", CONTEXT, "--files", REFERENCE, "--check-files",
                 "--check-sha1sum")
    assert check.returncode == 0 and "Syncing 0 files" in check.stderr, check.stderr[-3000:]


def test_purge_and_organize(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert sync(server, cache, "--range", "426:427", "--files", REFERENCE).returncode == 0
    assert (cache / "mappings/hst/hst_0426.pmap").is_file()
    done = sync(server, cache, "--contexts", CONTEXT, "--purge-mappings")
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (cache / "mappings/hst/hst_0426.pmap").exists()
    assert (cache / "mappings/hst" / CONTEXT).is_file()
    assert sync(server, cache, "--organize", "flat").returncode == 0
    assert (cache / "references/hst" / REFERENCE).is_file()
    assert (cache / "config/hst/ref_cache_subdir_mode").read_text().strip() == "flat"
    assert sync(server, cache, "--organize", "instrument").returncode == 0
    assert (cache / "references/hst/acs" / REFERENCE).is_file()
    assert os.path.islink(cache / "references/hst/jref")
    assert sync(server, cache, "--files", "z1q2219el_2zx.fits").returncode == 0  # not in CONTEXT
    done = sync(server, cache, "--contexts", CONTEXT, "--purge-references")
    assert done.returncode == 0
    # as crds 14.0.3 does: the context's own references stay, even without --fetch-references
    assert (cache / "references/hst/acs" / REFERENCE).exists()
    assert not (cache / "references/hst/cos/z1q2219el_2zx.fits").exists()


def test_output_dir_is_flat_and_leaves_cache_alone(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = sync(server, tmp_path / "cache", "--files", CONTEXT, REFERENCE, "--output-dir",
                str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(os.listdir(out)) == sorted([CONTEXT, REFERENCE])
    assert not (tmp_path / "cache").exists()


def test_offline_sync_is_fatal(tmp_path: Path) -> None:
    env = clean_env(CRDS_PATH=str(tmp_path), CRDS_SERVER_URL=SERVERLESS)
    done = subprocess.run([*opencrds_command(), "sync", "--hst"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 255 and "Define --all" in done.stderr


@pytest.mark.parametrize("args", [
    ("--range", "426:428"), ("--last", "2"), ("--up-to-context", "hst_0003.pmap"),
    ("--contexts", "hst-2018-01-21T12:32:05", "hst-edit", "hst-acs-idctab-edit"),
])
def test_list_resolves_like_crds_online(server: Server, tmp_path: Path,
                                        args: tuple[str, ...]) -> None:
    environ = server.crds_env(tmp_path / "cache")
    crds_args = ["--last-n-contexts" if a == "--last" else a for a in args]
    theirs = subprocess.run([sys.executable, "-m", "crds.list", "--resolve-contexts",
                             *crds_args], env=environ, capture_output=True, text=True,
                            timeout=300)
    ours = subprocess.run([*opencrds_command(), "list", "--resolve-contexts", *args],
                          env=environ, capture_output=True, text=True, timeout=300)
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    assert ours.returncode == 0, ours.stderr[-2000:]
    assert ours.stdout == theirs.stdout


def test_all_instrument_wildcard_like_crds(server: Server, tmp_path: Path) -> None:
    """hst-all-biasfile-edit expands per instrument; the server refuses COS (no biasfile)."""
    environ = server.crds_env(tmp_path / "cache")
    args = ["--resolve-contexts", "--contexts", "hst-all-biasfile-edit"]
    ours = subprocess.run([*opencrds_command(), "list", *args], env=environ,
                          capture_output=True, text=True, timeout=300)
    # crds needs the edit context cached; opencrds fetched it
    theirs = subprocess.run([sys.executable, "-m", "crds.list", *args], env=environ,
                            capture_output=True, text=True, timeout=300)
    message = "no type 'biasfile' in hst_cos_"
    assert theirs.returncode != 0 and message in theirs.stderr
    assert ours.returncode == 1 and message in ours.stderr


def test_progress_bar_on_a_terminal(server: Server, tmp_path: Path) -> None:
    """On a terminal, sync shows one progress bar (files fetched, bytes, rate) instead of
    one INFO line per file; the bar is removed when the transfer ends."""
    import pty

    cache = tmp_path / "cache"
    environ = clean_env(CRDS_PATH=str(cache), CRDS_SERVER_URL=server.url,
                        CRDS_OBSERVATORY="hst", COLUMNS="120")
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([*opencrds_command(), "sync", "--contexts", CONTEXT],
                              env=environ, stdout=subprocess.PIPE, stderr=follower,
                              timeout=600, check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert done.returncode == 0, shown[-3000:]
    assert "Syncing 128 files" in shown
    assert "Fetching 0/128 files" in shown or "Fetching 128/128 files" in shown, shown[-3000:]
    assert "Fetching  " not in shown  # no per-file lines on a terminal
    assert "/s" in shown or "?" in shown  # the transfer-rate column
    assert any(unit in shown for unit in ("kB", "MB", "bytes"))
    assert (cache / "mappings" / "hst" / CONTEXT).is_file()
