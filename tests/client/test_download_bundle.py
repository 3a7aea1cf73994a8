"""Bundled downloads: the server's ``/unchecked_bundle/<obs>/`` endpoint and the client that
uses it once a file download advertises it (``X-OpenCRDS-Bundle``)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import httpx
import pytest
from server_helpers import CRDS_CACHE, Server

from opencrds.cache.storage import CrdsDownloadError
from opencrds.client.download import Downloader, _Frames
from opencrds.client.rpc import RpcClient
from opencrds.client.serverinfo import fetch_server_info

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

CONTEXT = "hst_0427.pmap"
REFERENCE = "z1q2219el_2zx.fits"


@pytest.fixture
def online(online: Path) -> Path:
    """The live server, with a flat reference layout."""
    (online / "config/hst").mkdir(parents=True)
    (online / "config/hst/ref_cache_subdir_mode").write_text("flat")
    return online


def original(name: str) -> bytes:
    branch = "mappings" if name.endswith("map") else "references"
    return next((CRDS_CACHE / branch / "hst").rglob(name)).read_bytes()


def frames(data: bytes) -> list[tuple[dict, bytes]]:
    """(header, bytes) of every entry of a bundle body."""
    entries, pos = [], 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        head = json.loads(data[pos:end])
        pos = end + 1
        size = head.get("size", 0)
        entries.append((head, data[pos:pos + size]))
        pos += size
    return entries


def test_bundle_endpoint(live_hst: Server) -> None:
    mapping = "hst_acs_biasfile_0250.rmap"
    response = live_hst.get(f"/unchecked_get/mappings/hst/{mapping}")
    assert response.headers["X-OpenCRDS-Bundle"] == "/unchecked_bundle/hst/"
    names = [mapping, "nope_0001.rmap", "../secret", REFERENCE]
    response = live_hst.post(json.dumps({"names": names}), path="/unchecked_bundle/hst/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/x-opencrds-bundle")
    entries = frames(response.content)
    assert [head["name"] for head, _ in entries] == names
    for head, data in entries:
        if head["name"] in (mapping, REFERENCE):
            assert data == original(head["name"])
            assert head["size"] == len(data)
            assert head["sha1sum"] == hashlib.sha1(data).hexdigest()
        else:
            assert "error" in head and "size" not in head
    assert "not known to CRDS" in entries[1][0]["error"]
    assert "invalid file name" in entries[2][0]["error"]


@pytest.mark.parametrize("body", ["not json", '{"names": "x"}', '{"names": [1]}', "{}",
                                  '{"names": ["hst.pmap", "hst.pmap"]}'])
def test_bundle_refuses_bad_bodies(live_hst: Server, body: str) -> None:
    response = live_hst.post(body, path="/unchecked_bundle/hst/")
    assert response.status_code == 400
    assert response.text.startswith("BadRequest:")


def test_bundle_other_observatory_and_get(live_hst: Server) -> None:
    assert live_hst.post('{"names": []}', path="/unchecked_bundle/jwst/").status_code == 404
    assert live_hst.get("/unchecked_bundle/hst/").status_code == 405


def test_fetch_many_through_bundles(online: Path, live_hst: Server) -> None:
    with RpcClient(live_hst.url) as client:
        info = fetch_server_info("hst", client)
        names = client.call("get_mapping_names", CONTEXT) + [REFERENCE]
    downloader = Downloader("hst", info)
    seen: list[str] = []
    downloader.client.event_hooks["request"] = [lambda request: seen.append(request.url.path)]
    paths, errors = downloader.fetch(names, jobs=4)
    downloader.close()
    assert errors == {}
    assert sorted(paths) == sorted(names)
    for name, path in paths.items():
        assert path.read_bytes() == original(name), name
    assert downloader.bundle_url == f"{live_hst.url}/unchecked_bundle/hst/"
    assert seen.count("/unchecked_bundle/hst/") == 1  # 1.5 MB: one request for the rest
    assert len(seen) == 2
    leftovers = [p for p in online.rglob("*") if p.name.startswith(".tmp_")
                 or p.name.endswith(".lock")]
    assert leftovers == []


def test_bundled_file_that_fails_verification(online: Path, live_hst: Server) -> None:
    """A bundled file whose sha1 does not match is fetched again alone and fails with the
    usual message; it never appears under its name. Unknown names fail as before."""
    with RpcClient(live_hst.url) as client:
        info = fetch_server_info("hst", client)
        names = client.call("get_mapping_names", CONTEXT)
    bad = names[-1]
    downloader = Downloader("hst", info)
    downloader.metadata[bad] = {**downloader.metadata[bad], "sha1sum": "0" * 40}
    paths, errors = downloader.fetch(names + ["unknown_0001.rmap"], jobs=2)
    downloader.close()
    assert sorted(errors) == sorted([bad, "unknown_0001.rmap"])
    assert "does not match server sha1sum" in str(errors[bad])
    assert "not known to CRDS server" in str(errors["unknown_0001.rmap"])
    assert not downloader.path(bad).exists()
    assert len(paths) == len(names) - 1


def test_bundles_off(online: Path, live_hst: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCRDS_DOWNLOAD_BUNDLES", "0")
    with RpcClient(live_hst.url) as client:
        info = fetch_server_info("hst", client)
        names = client.call("get_mapping_names", CONTEXT)[:6]
    downloader = Downloader("hst", info)
    seen: list[str] = []
    downloader.client.event_hooks["request"] = [lambda request: seen.append(request.url.path)]
    paths, errors = downloader.fetch(names, jobs=2)
    downloader.close()
    assert errors == {} and len(paths) == 6
    assert len(seen) == 6 and not any("bundle" in path for path in seen)


def test_frames_reader() -> None:
    body = b'{"name":"a","size":3}\nabc{"name":"b","error":"x"}\n{"name":"c","size":5}\nxy'
    reader = _Frames(iter([body[:7], body[7:30], body[30:]]))
    assert json.loads(reader.readline())["name"] == "a"
    assert b"".join(reader.take(3, "a", None)) == b"abc"
    assert json.loads(reader.readline())["error"] == "x"
    assert json.loads(reader.readline())["size"] == 5
    with pytest.raises(CrdsDownloadError, match="ended inside a file"):
        b"".join(reader.take(5, "c", None))
    assert _Frames(iter([])).readline() == b""
    with pytest.raises(CrdsDownloadError, match="inside a header"):
        _Frames(iter([b'{"name"'])).readline()


def test_plain_http_needs_no_tls(online: Path) -> None:
    info = {"mapping_url": {"hst": "http://127.0.0.1:1/m/"},
            "reference_url": {"hst": "http://127.0.0.1:1/r/"}}
    assert Downloader("hst", info)._needs_tls() is False
    info["reference_url"] = {"hst": "https://example.invalid/r/"}
    assert Downloader("hst", info)._needs_tls() is True
    assert isinstance(Downloader("hst", {}).client, httpx.Client)
    assert os.environ["CRDS_PATH"]
