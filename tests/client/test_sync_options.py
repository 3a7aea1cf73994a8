"""``opencrds sync`` options against a live ``opencrds serve`` (TOOLS.md §2.2, §4.7, §4.9),
with the unmodified crds 14.0.3 client as the judge of the cache it leaves behind."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import (
    CRDS_CACHE,
    HAVE_SHARED_DATA,
    Server,
    ServerPool,
    run_crds,
    shared_data_dir,
)

import opencrds
from opencrds.cache.paths import file_path
from opencrds.cache.storage import sha1_of
from opencrds.io import read_header
from opencrds.tools.main import main

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

HST_DATA = shared_data_dir() / "crds-test-data" / "hst"
COS_RMAPS = ["hst_cos_twozxtab_0261.rmap", "hst_cos_twozxtab_0262.rmap"]
COS_REFS = ["z1q2219el_2zx.fits", "z2d1925ql_2zx.fits"]
DATASET = "j8bt06o6q_raw.fits"
REJECTED = "04p2041cj_fls.fits"          # rejected by the HST catalog, not downloadable
BLACKLISTED = "16r12191j_mdz.fits"       # rejected, and marked blacklisted by a fixture


@pytest.fixture
def hst(live_hst: Server, crds_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment of a user of the live HST server; returns the empty cache root."""
    monkeypatch.setenv("CRDS_SERVER_URL", live_hst.url)
    monkeypatch.setenv("CRDS_OBSERVATORY", "hst")
    return crds_env


@pytest.fixture(scope="module")
def with_datasets(live_hst: Server) -> Server:
    """The live server with the real HST test datasets imported."""
    files = [str(HST_DATA / name) for name in (DATASET, "cos_N8XTZCAWQ.fits")]
    live_hst.manage("import_datasets", *files)
    return live_hst


def sync(*args: str) -> int:
    return main(["sync", *args])


def needed_references(context: str, dataset: Path) -> set[str]:
    """What the rules assign to a dataset file, computed without sync."""
    pmap = opencrds.load_context(context, cache=CRDS_CACHE)
    result = opencrds.get_best_references(pmap, read_header(dataset))
    return {v for v in result.values() if isinstance(v, str) and not v.startswith("NOT FOUND")}


def failed_names(text: str) -> set[str]:
    return set(re.findall(r"Failed syncing '([^']+)'", text))


# ---- --fetch-references end to end --------------------------------------------------------


def test_fetch_references_end_to_end(hst: Path, live_hst: Server, capsys) -> None:
    assert sync("--contexts", *COS_RMAPS, "--fetch-references") == 0
    assert "0 errors" in capsys.readouterr().err
    catalog = live_hst.rpc("get_file_info_map", "hst", COS_RMAPS + COS_REFS,
                           ["size", "sha1sum"])
    for name in COS_RMAPS + COS_REFS:
        path = file_path(name, "hst")
        assert path.is_file(), name
        assert path.stat().st_size == int(catalog[name]["size"])
        assert sha1_of(path) == catalog[name]["sha1sum"]
    originals = {p.name: p for p in (CRDS_CACHE / "references" / "hst").rglob("*.fits")}
    for name in COS_REFS:
        assert file_path(name, "hst").read_bytes() == originals[name].read_bytes()
    # the real crds finds every file in place: it checks them and downloads nothing
    stamps = {n: file_path(n, "hst").stat().st_mtime_ns for n in COS_RMAPS + COS_REFS}
    done = run_crds("sync", "--contexts", *COS_RMAPS, "--fetch-references", "--check-files",
                    "--check-sha1sum", env=live_hst.crds_env(hst))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "0 errors" in done.stderr and "Fetching" not in done.stderr
    assert stamps == {n: file_path(n, "hst").stat().st_mtime_ns for n in stamps}


# ---- datasets -----------------------------------------------------------------------------


def test_dataset_files_fetch_what_the_rules_assign(hst: Path, capsys) -> None:
    """The server holds none of these ACS references, so every one fails, by name."""
    expected = needed_references("hst_0729.pmap", HST_DATA / DATASET)
    code = sync("--contexts", "hst_0729.pmap", "--dataset-files", str(HST_DATA / DATASET))
    err = capsys.readouterr().err
    assert f"Datasets need {len(expected)} references" in err
    assert failed_names(err) == expected
    assert code == len(expected) and f"{code} errors" in err
    assert not (hst / "config/hst/server_config").exists()  # errors: no config update


def test_dataset_ids_fetch_the_same_as_the_file(hst: Path, with_datasets: Server,
                                                tmp_path: Path, capsys) -> None:
    expected = needed_references("hst_0729.pmap", HST_DATA / DATASET)
    ids = tmp_path / "ids.txt"
    ids.write_text("# datasets\nJ8BT06O6Q\n\n")
    code = sync("--contexts", "hst_0729.pmap", "--dataset-ids", f"@{ids}", "NOPE")
    err = capsys.readouterr().err
    assert failed_names(err) == expected
    assert "No header for dataset 'NOPE:NOPE'" in err
    assert code == len(expected) + 1


def test_dataset_options_need_contexts(hst: Path, capsys) -> None:
    assert sync("--dataset-ids", "J8BT06O6Q") == 255
    assert "--contexts" in capsys.readouterr().err


# ---- catalog, bad files -------------------------------------------------------------------


@pytest.mark.oracle
def test_fetch_sqlite_db_same_as_crds(hst: Path, live_hst: Server, tmp_path: Path,
                                      capsys) -> None:
    assert sync("--fetch-sqlite-db") == 0
    ours = hst / "config/hst/crds_db.sqlite3"
    with sqlite3.connect(ours) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
    assert tables
    crds_path = tmp_path / "crds"
    done = run_crds("sync", "--fetch-sqlite-db", env=live_hst.crds_env(crds_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert (crds_path / "config/hst/crds_db.sqlite3").read_bytes() == ours.read_bytes()


@pytest.fixture(scope="module")
def blacklisted(live_hst: Server) -> str:
    """Mark one already-rejected, undownloadable reference blacklisted too (the bad-file list
    of the server does not change)."""
    code = ("from opencrds.server.catalog.models import FileRecord as F; "
            f"r = F.objects.get(name='{BLACKLISTED}'); r.blacklisted = True; r.save()")
    live_hst.manage("shell", "-c", code)
    return BLACKLISTED


def _plant(name: str) -> Path:
    path = file_path(name, "hst")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not the real file")
    return path


def test_purge_rejected_and_blacklisted(hst: Path, blacklisted: str, capsys) -> None:
    rejected, black = _plant(REJECTED), _plant(blacklisted)
    # checked only: both reported bad in size, both kept
    assert sync("--files", REJECTED, blacklisted, "--check-files") == 2
    assert rejected.exists() and black.exists()
    assert "length mismatch" in capsys.readouterr().err
    # --purge-blacklisted removes only the blacklisted one
    sync("--files", REJECTED, blacklisted, "--purge-blacklisted", "--verbosity", "60")
    err = capsys.readouterr().err
    assert rejected.exists() and not black.exists()
    assert f"File '{blacklisted}' has been blacklisted" in err
    # --purge-rejected removes the rejected one (implies --check-files)
    sync("--files", REJECTED, "--purge-rejected", "--verbosity", "60")
    assert f"File '{REJECTED}' has been explicitly rejected." in capsys.readouterr().err
    assert not rejected.exists()


@pytest.mark.oracle
def test_crds_purge_rejected_agrees(hst: Path, live_hst: Server) -> None:
    path = _plant(REJECTED)
    done = run_crds("sync", "--files", REJECTED, "--check-files", "--purge-rejected",
                    env=live_hst.crds_env(hst))
    assert "length mismatch" in done.stderr
    assert not path.exists()


def test_purge_flags_keep_bad_files_out_of_fetches(hst: Path, live_hst: Server,
                                                   capsys) -> None:
    """A read-only estimate: --purge-rejected drops the context's bad references."""
    rmap = "hst_acs_flshfile_0256.rmap"
    bad = set(live_hst.rpc("get_server_info")["bad_files_list"])
    dropped = bad & set(live_hst.rpc("get_reference_names", rmap))
    assert REJECTED in dropped

    def estimate(*extra: str) -> int:  # (the purge flags also check the missing files)
        sync("--contexts", rmap, "--fetch-references", "-R", *extra)
        found = re.search(r"would download (\d+) files", capsys.readouterr().err)
        assert found
        return int(found[1])

    assert estimate() - estimate("--purge-rejected") == len(dropped)
    assert estimate() - estimate("--purge-blacklisted") == len(dropped)


# ---- config, pipeline support, pickles ---------------------------------------------------


def test_verify_context_change(hst: Path, capsys) -> None:
    assert sync("--contexts", COS_RMAPS[0], "--verify-context-change") == 0  # new cache
    assert sync("--contexts", COS_RMAPS[0], "--verify-context-change") == 1
    assert ("Expected latest context switch but starting and post-sync contexts are both "
            "'hst_0729.pmap'") in capsys.readouterr().err


def test_push_context(hst: Path, live_hst: Server, capsys) -> None:
    name, key = f"pipe-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    live_hst.manage("add_pipeline", name, "--key", key)
    assert sync("--contexts", COS_RMAPS[0], "--push-context", key) == 0
    assert live_hst.rpc("get_remote_context", "hst", name) == "hst_0729.pmap"
    assert sync("--contexts", COS_RMAPS[0], "--push-context", "wrong-key") == 1
    assert "Failed pushing cached latest context name to CRDS server" in \
        capsys.readouterr().err


def test_save_and_clear_pickles(hst: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from opencrds.cache.pickles import load_pickle, pickle_path

    assert sync("--contexts", "hst_0729.pmap", "--save-pickles") == 0
    path = pickle_path("hst_0729.pmap")
    assert path == hst / "pickles/hst/hst_0729.pmap.opencrds.pkl" and path.is_file()
    assert f"Saved pickled context '{path}'" in capsys.readouterr().err
    pickled = load_pickle("hst_0729.pmap")
    loaded = opencrds.load_context("hst_0729.pmap", cache=CRDS_CACHE)
    assert pickled.mapping_names() == loaded.mapping_names()
    header = read_header(HST_DATA / DATASET)
    assert opencrds.get_best_references(pickled, header) == \
        opencrds.get_best_references(loaded, header)
    # --clear-pickles works offline (before the server is needed), on crds pickles too
    crds_pickle = path.with_name("hst_0729.pmap.pkl")
    crds_pickle.write_bytes(b"a crds pickle")
    monkeypatch.setenv("CRDS_SERVER_URL", "https://hst-serverless-mode.stsci.edu")
    assert sync("--clear-pickles") == 0
    assert not path.exists() and not crds_pickle.exists()
    assert "Removing all context pickles." in capsys.readouterr().err


# ---- layout -------------------------------------------------------------------------------


def test_organize_delete_junk(crds_env: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys) -> None:
    """A file where the 'cos' instrument directory goes blocks the move unless deleted."""
    monkeypatch.setenv("CRDS_SERVER_URL", "https://hst-serverless-mode.stsci.edu")
    refs = crds_env / "references/hst"
    refs.mkdir(parents=True)
    (crds_env / "config/hst").mkdir(parents=True)
    (crds_env / "config/hst/ref_cache_subdir_mode").write_text("flat\n")
    (refs / COS_REFS[0]).write_bytes(b"reference")
    (refs / "cos").write_text("junk")
    assert sync("--hst", "--organize", "instrument") == 0
    assert (refs / COS_REFS[0]).is_file() and (refs / "cos").is_file()
    assert "--organize-delete-junk" in capsys.readouterr().err
    assert sync("--hst", "--organize", "instrument", "--organize-delete-junk") == 0
    assert (refs / "cos" / COS_REFS[0]).read_bytes() == b"reference"
    assert (refs / "lref").resolve() == (refs / "cos").resolve()
    assert f"Deleting junk '{refs / 'cos'}'" in capsys.readouterr().err


# ---- orphans, on a small Roman server ----------------------------------------------------


@pytest.fixture(scope="module")
def live_roman(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not HAVE_SHARED_DATA or not (CRDS_CACHE / "mappings/roman").is_dir():
        pytest.skip("shared Roman CRDS data not found")
    pool = ServerPool(tmp_path_factory.mktemp("roman-server"))
    try:
        yield pool.get("sqlite", "roman")
    finally:
        pool.close()


def test_fetch_references_of_a_pipeline_context(live_roman: Server, crds_env: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole .pmap with --fetch-references; crds then checks the cache and fetches nothing."""
    monkeypatch.setenv("CRDS_SERVER_URL", live_roman.url)
    monkeypatch.setenv("CRDS_OBSERVATORY", "roman")
    assert sync("--contexts", "roman_0004.pmap", "--fetch-references") == 0
    names = (live_roman.rpc("get_mapping_names", "roman_0004.pmap")
             + live_roman.rpc("get_reference_names", "roman_0004.pmap"))
    catalog = live_roman.rpc("get_file_info_map", "roman", names, ["size", "sha1sum"])
    for name in names:
        path = file_path(name, "roman")
        assert path.stat().st_size == int(catalog[name]["size"]), name
        assert sha1_of(path) == catalog[name]["sha1sum"], name
    stamps = {n: file_path(n, "roman").stat().st_mtime_ns for n in names}
    done = run_crds("sync", "--contexts", "roman_0004.pmap", "--fetch-references",
                    "--check-files", "--check-sha1sum", env=live_roman.crds_env(crds_env))
    assert done.returncode == 0 and "0 errors" in done.stderr, done.stderr[-3000:]
    assert "Fetching" not in done.stderr
    assert stamps == {n: file_path(n, "roman").stat().st_mtime_ns for n in names}


def test_include_orphans_keeps_catalog_only_references(live_roman: Server, crds_env: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys) -> None:
    monkeypatch.setenv("CRDS_SERVER_URL", live_roman.url)
    monkeypatch.setenv("CRDS_OBSERVATORY", "roman")
    named = set()
    for pmap in [m for m in live_roman.rpc("get_server_info")["mappings"] if m.endswith("pmap")]:
        try:
            named.update(live_roman.rpc("get_reference_names", pmap))
        except Exception:  # a pmap with a broken rmap: its references count as orphans
            continue
    catalog = set(live_roman.rpc("list_references", "roman", "*"))
    orphans = catalog - named
    assert orphans, "the Roman catalog has references no .pmap names"
    orphan = sorted(orphans)[0]
    in_context = live_roman.rpc("get_reference_names", "roman_0004.pmap")
    not_orphan = sorted(named - set(in_context))[0]
    for name in (orphan, not_orphan):
        path = file_path(name, "roman")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    sync("--contexts", "roman_0004.pmap", "--purge-references", "--include-orphans")
    assert f"Including {len(orphans)} orphan references" in capsys.readouterr().err
    assert file_path(orphan, "roman").exists()
    assert not file_path(not_orphan, "roman").exists()
    sync("--contexts", "roman_0004.pmap", "--purge-references")
    assert not file_path(orphan, "roman").exists()


# ---- the option list ------------------------------------------------------------------------


#: crds switches deliberately not reproduced: profiling, logging decoration, debugger
#: (TOOLS.md §1.2 generic switches outside sync's job).
GENERIC = {"--dump-cmdline", "--profile", "--log-time", "--pdb"}


@pytest.mark.oracle
def test_every_crds_sync_option_exists() -> None:
    def options(command: list[str]) -> set[str]:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        lines = [ln for ln in done.stdout.splitlines() if re.match(r"\s{2}-", ln)]
        return {o for ln in lines for o in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]+", ln)}

    theirs = options([sys.executable, "-m", "crds.sync", "--help"])
    ours = options([sys.executable, "-m", "opencrds.tools.main", "sync", "--help"])
    missing = theirs - ours - GENERIC
    assert not missing, f"crds sync options opencrds sync lacks: {sorted(missing)}"
