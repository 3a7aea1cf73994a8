"""``CRDS_CONFIG_URI``: server info read from ``<uri>/server_config`` without JSON-RPC
(PROTOCOL.md §4.6), marked not connected; the cached copy when the URI cannot be read."""

from __future__ import annotations

import http.server
import pprint
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from opencrds.client.serverinfo import CrdsConfigError, fetch_server_info

INFO = {"observatory": "hst", "operational_context": "hst_0729.pmap",
        "mapping_url": {"hst": "http://example.invalid/mappings/hst/"},
        "bad_files_list": [], "download_metadata": {}}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 publishing ``server_config`` as a Python literal."""
    root = tmp_path / "site"
    (root / "hst").mkdir(parents=True)
    (root / "hst" / "server_config").write_text(pprint.pformat(INFO), encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_PATH", str(tmp_path / "cache"))
    monkeypatch.setenv("CRDS_SERVER_URL", "http://127.0.0.1:1")  # never reached
    monkeypatch.delenv("CRDS_OBSERVATORY", raising=False)


def test_info_from_an_http_uri(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_CONFIG_URI", f"{site}/hst/")
    info = fetch_server_info("hst", save=True)
    assert info.operational_context == "hst_0729.pmap"
    assert info.connected is False and info.status == "uri"
    assert info.server == f"{site}/hst/server_config"


def test_info_from_a_local_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "published"
    folder.mkdir()
    (folder / "server_config").write_text(pprint.pformat(INFO), encoding="utf-8")
    monkeypatch.setenv("CRDS_CONFIG_URI", str(folder))
    assert fetch_server_info("hst").operational_context == "hst_0729.pmap"


def test_unreadable_uri_falls_back_to_the_cache(site: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cached = tmp_path / "cache" / "config" / "hst"
    cached.mkdir(parents=True)
    (cached / "server_config").write_text(
        pprint.pformat({**INFO, "operational_context": "hst_0700.pmap"}), encoding="utf-8")
    monkeypatch.setenv("CRDS_CONFIG_URI", f"{site}/nowhere")
    info = fetch_server_info("hst")
    assert info.operational_context == "hst_0700.pmap" and info.status == "cache"


def test_wrong_observatory_is_refused(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_CONFIG_URI", f"{site}/hst")
    with pytest.raises(CrdsConfigError, match="inconsistent with observatory 'jwst'"):
        fetch_server_info("jwst")
