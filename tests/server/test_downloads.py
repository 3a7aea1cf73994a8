"""``/unchecked_get/...`` downloads and ``/health``."""

from __future__ import annotations

import hashlib

import pytest
from server_helpers import CRDS_CACHE

from opencrds.rules.parser import parse_literal

pytestmark = [pytest.mark.shared_data]

MAPPING = "hst_acs_biasfile_0250.rmap"
REFERENCE = "z1q2219el_2zx.fits"


def original(branch: str, name: str) -> bytes:
    return next((CRDS_CACHE / branch / "hst").rglob(name)).read_bytes()


@pytest.mark.parametrize(("branch", "name"), [("mappings", MAPPING), ("references", REFERENCE)])
def test_full_download(hst_server, branch: str, name: str) -> None:
    data = original(branch, name)
    sha1 = hashlib.sha1(data).hexdigest()
    response = hst_server.get(f"/unchecked_get/{branch}/hst/{name}")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["ETag"] == f'"{sha1}"'
    assert response.headers["X-Sha1sum"] == sha1
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "Content-Encoding" not in response.headers


def test_head(hst_server) -> None:
    response = hst_server.client.head(
        f"http://127.0.0.1:{hst_server.port}/unchecked_get/references/hst/{REFERENCE}")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(original("references", REFERENCE)))
    assert response.content == b""


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-50", -50, None),
    ("bytes=10-10", 10, 10), ("bytes=5000-999999999", 5000, None)])
def test_range(hst_server, header: str, first: int, last: int | None) -> None:
    data = original("references", REFERENCE)
    expected = data[first:] if last is None else data[first:last + 1]
    response = hst_server.get(f"/unchecked_get/references/hst/{REFERENCE}",
                              headers={"Range": header})
    assert response.status_code == 206
    assert response.content == expected
    assert response.headers["Content-Length"] == str(len(expected))
    start = len(data) - len(expected)
    assert response.headers["Content-Range"] == (
        f"bytes {start if first < 0 else first}-{(start if first < 0 else first) + len(expected) - 1}"
        f"/{len(data)}")


def test_range_unsatisfiable_and_ignored(hst_server) -> None:
    size = len(original("references", REFERENCE))
    path = f"/unchecked_get/references/hst/{REFERENCE}"
    response = hst_server.get(path, headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"
    response = hst_server.get(path, headers={"Range": "bytes=0-1,5-6"})  # multiple: ignored
    assert response.status_code == 200 and len(response.content) == size
    response = hst_server.get(path, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert response.status_code == 200 and len(response.content) == size


def test_conditional_get(hst_server) -> None:
    path = f"/unchecked_get/mappings/hst/{MAPPING}"
    etag = hst_server.get(path).headers["ETag"]
    response = hst_server.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.content == b""


@pytest.mark.parametrize(("path", "name"), [
    ("/unchecked_get/references/hst/j4d1435ij_bia.fits", "UnavailableFile"),
    ("/unchecked_get/mappings/hst/hst_9999.pmap", "UnknownFile"),
    ("/unchecked_get/references/hst/no_such_file.fits", "UnknownFile"),
    ("/unchecked_get/references/hst/hst_0729.pmap", "UnknownFile"),  # wrong branch
    ("/unchecked_get/mappings/jwst/jwst_0541.pmap", "UnknownFile"),  # another observatory
])
def test_missing_files_get_crds_style_404(hst_server, path: str, name: str) -> None:
    response = hst_server.get(path)
    assert response.status_code == 404
    assert response.text.startswith(f"{name}: ")


def test_config_files(hst_server) -> None:
    response = hst_server.get("/unchecked_get/config/hst/server_config")
    assert response.status_code == 200
    config = parse_literal(response.text)
    assert config["observatory"] == "hst" and config["operational_context"] == "hst_0729.pmap"
    assert response.headers["X-Sha1sum"] == hashlib.sha1(response.content).hexdigest()
    bad = hst_server.get("/unchecked_get/config/hst/bad_files.txt").text.split("\n")
    assert bad == sorted(config["bad_files_list"])
    mode = hst_server.get("/unchecked_get/config/hst/ref_cache_subdir_mode")
    assert mode.status_code == 200 and mode.text.strip() == "flat"
    assert hst_server.get("/unchecked_get/config/hst/nothing_here").status_code == 404


def test_health(hst_server) -> None:
    response = hst_server.get("/health")
    assert response.status_code == 200
    status = response.json()
    assert status["status"] == "ok" and status["observatory"] == "hst"
    assert status["operational_context"] == "hst_0729.pmap"
