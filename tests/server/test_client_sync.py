"""The unmodified crds 14.0.3 command-line tools against a running OpenCRDS server."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import CRDS_CACHE, run_crds

import opencrds
from opencrds.rules.parser import parse_literal

pytestmark = [pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow]


@pytest.fixture
def server(http_server):  # noqa: ANN001, ANN201
    """The server on a socket: the crds client runs in a process of its own."""
    return http_server


def cached_references(observatory: str) -> list[str]:
    folder = CRDS_CACHE / "references" / observatory
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def test_sync_context_fetches_every_mapping_byte_identical(server, tmp_path: Path) -> None:
    crds_path = tmp_path / "cache"
    done = run_crds("sync", "--contexts", server.context, env=server.crds_env(crds_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 errors" in done.stderr + done.stdout
    expected = opencrds.load_context(server.context, cache=CRDS_CACHE).mapping_names()
    got = sorted(p.name for p in (crds_path / "mappings" / server.observatory).iterdir())
    assert got == expected
    for name in expected:
        original = CRDS_CACHE / "mappings" / server.observatory / name
        synced = crds_path / "mappings" / server.observatory / name
        assert synced.read_bytes() == original.read_bytes(), name
    config = parse_literal((crds_path / "config" / server.observatory / "server_config")
                           .read_text())
    assert config["observatory"] == server.observatory
    assert config["operational_context"] == server.context
    assert config["server"] == server.url


def test_sync_files_fetches_the_cached_references(server, tmp_path: Path) -> None:
    references = cached_references(server.observatory)
    if not references:
        pytest.skip(f"the shared cache holds no {server.observatory} references")
    crds_path = tmp_path / "cache"
    done = run_crds("sync", "--files", *references, env=server.crds_env(crds_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    originals = {p.name: p for p in (CRDS_CACHE / "references" / server.observatory).rglob("*")}
    synced = {p.name: p for p in (crds_path / "references" / server.observatory).rglob("*")
              if p.is_file()}
    assert sorted(synced) == references
    for name, path in synced.items():
        assert path.read_bytes() == originals[name].read_bytes(), name


def test_sync_check_files_verifies_against_the_catalog(server, tmp_path: Path) -> None:
    """--check-files --check-sha1sum calls get_file_info_map for every synced file."""
    crds_path = tmp_path / "cache"
    env = server.crds_env(crds_path)
    done = run_crds("sync", "--contexts", server.context, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    done = run_crds("sync", "--contexts", server.context, "--check-files", "--check-sha1sum",
                    env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "0 errors" in output
    assert "has no record" not in output and "mismatch" not in output


def test_sync_unavailable_reference_fails_cleanly(server, tmp_path: Path) -> None:
    """A reference the catalog knows but the store lacks is not offered for download."""
    references = server.rpc("get_reference_names", server.context)
    cached = set(cached_references(server.observatory))
    missing = next(name for name in references if name not in cached)
    done = run_crds("sync", "--files", missing, env=server.crds_env(tmp_path / "cache"))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr


def test_list_status_reports_our_server(server, tmp_path: Path) -> None:
    done = run_crds("list", "--status", env=server.crds_env(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"CRDS_SERVER_URL = '{server.url}'" in done.stdout
    assert f"Effective Context = '{server.context}'" in done.stdout
    assert "Last Synced = '" in done.stdout


def test_sync_all_lists_every_mapping(server) -> None:
    """``sync --all`` downloads every name in server info's ``mappings``: all downloadable."""
    info = server.rpc("get_server_info")
    on_disk = {p.name for p in (CRDS_CACHE / "mappings" / server.observatory).iterdir()
               if p.suffix in (".pmap", ".imap", ".rmap")}
    assert set(info["mappings"]) == on_disk
