"""The per-user upload area (SERVER.md §1.12; PROTOCOL.md §7.3 steps 5 and 7): storing files
whole or in chunks, every refusal with its message, listing and deleting, privacy between
users, the ``csrftoken`` cookie on every response, and a 5 MB upload over real HTTP in
2,000,000-byte chunks exactly as crds sends it (and by crds itself)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client
from server_helpers import clean_env, shared_data_dir

from opencrds.server.submissions.uploads import area
from opencrds.server.submissions.uploads.area import UploadError

pytestmark = [pytest.mark.shared_data]

TEST_DATA = shared_data_dir() / "crds-test-data"
CACHE = shared_data_dir() / "crds-cache"
CHUNK = 2_000_000


def fits_bytes(size: int, seed: int = 1) -> bytes:
    """``size`` bytes that start as a FITS file does."""
    head = b"SIMPLE  =                    T / conforms to FITS standard".ljust(80)
    body = (bytes(range(seed % 7, 256)) * (size // 200 + 1))[: max(0, size - len(head))]
    return (head + body)[:size]


def multipart(files: list[tuple[str, bytes]], **fields: str) -> tuple[bytes, str]:
    """A multipart/form-data body with the file names exactly as given (Django's test client
    would strip directories from them) and its content type."""
    boundary = "----opencrds" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                     f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode("utf-8", "surrogateescape") + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_files(client: Client, files: list[tuple[str, bytes]], content_range: str | None = None,
               url: str = "/upload/chunked/", **fields: str) -> Any:
    body, content_type = multipart(files, **fields)
    extra = {"HTTP_CONTENT_RANGE": content_range} if content_range else {}
    return client.post(url, data=body, content_type=content_type, **extra)


def listed(client: Client) -> list[dict[str, Any]]:
    response = client.get("/upload/list/")
    assert response.status_code == 200
    return response.json()["files"]


def error_of(response: Any) -> str:
    entries = [entry for entry in response.json()["files"] if "error" in entry]
    assert entries, response.json()
    return entries[0]["error"]


# ---- storing and listing ------------------------------------------------------------------------


def test_a_whole_file_lands_in_the_users_private_folder(alice: Client, users: dict,
                                                        uploads_root: Path) -> None:
    data = (TEST_DATA / "test-single-modes.fits").read_bytes()
    response = post_files(alice, [("test-single-modes.fits", data)])
    assert response.status_code == 200, response.content
    assert response.json() == {"files": [{
        "name": "test-single-modes.fits", "size": len(data), "complete": True,
        "deleteUrl": "/upload/delete/test-single-modes.fits", "deleteType": "GET"}]}
    folder = uploads_root / str(users["alice"].pk)
    assert (folder / "test-single-modes.fits").read_bytes() == data
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [(u.name, u.size, u.complete) for u in area.list_uploads(users["alice"])] == [
        ("test-single-modes.fits", len(data), True)]
    assert listed(alice) == [{"name": "test-single-modes.fits", "size": len(data),
                              "deleteUrl": "/upload/delete/test-single-modes.fits",
                              "deleteType": "GET", "complete": True}]


@pytest.mark.parametrize("name, source", [
    ("jwst_miri_flat_0001.rmap", None),
    ("valid.asdf", TEST_DATA / "jwst" / "valid.asdf"),
    ("valid.json", TEST_DATA / "jwst" / "valid.json"),
    ("rc_description.yaml", TEST_DATA / "rc_description.yaml"),
    ("ascii_tab.csv", TEST_DATA / "hst" / "ascii_tab.csv"),
    ("e1b09594u.r1h", TEST_DATA / "hst" / "e1b09594u.r1h"),
    ("e1b09594u.r1d", None),
    ("notes.TXT", None),
])
def test_every_kind_of_crds_file_is_taken(alice: Client, name: str, source: Path | None) -> None:
    if name.endswith(".rmap"):
        source = next((CACHE / "mappings" / "jwst").glob("jwst_miri_flat_*.rmap"))
    if source:
        data = source.read_bytes()
    else:  # GEIS data is binary; text is any text
        data = bytes(range(256)) * 4 if name.endswith(".r1d") else b"plain text\n"
    response = post_files(alice, [(name, data)])
    assert response.status_code == 200, response.content
    assert listed(alice)[0]["name"] == name and listed(alice)[0]["size"] == len(data)


def test_a_chunked_upload_is_incomplete_until_its_last_byte(alice: Client, users: dict,
                                                            tmp_path: Path) -> None:
    data = fits_bytes(250)
    response = post_files(alice, [("big.fits", data[:100])], "bytes 0-99/250")
    assert response.status_code == 200
    assert response.json()["files"][0]["size"] == 100
    assert response.json()["files"][0]["complete"] is False
    assert listed(alice) == [{"name": "big.fits", "size": 100, "complete": False,
                              "deleteUrl": "/upload/delete/big.fits", "deleteType": "GET"}]
    with pytest.raises(UploadError, match=r"upload of big.fits is not complete"):
        area.take_uploads(users["alice"], tmp_path / "staging")
    assert post_files(alice, [("big.fits", data[100:200])], "bytes 100-199/250").json()[
        "files"][0]["size"] == 200
    last = post_files(alice, [("big.fits", data[200:])], "bytes 200-249/250")
    assert last.json()["files"][0] == {"name": "big.fits", "size": 250, "complete": True,
                                       "deleteUrl": "/upload/delete/big.fits",
                                       "deleteType": "GET"}
    folder = area.upload_dir(users["alice"])
    assert sorted(os.listdir(folder)) == [".lock", "big.fits"]
    assert (folder / "big.fits").read_bytes() == data


def test_a_whole_file_larger_than_memory_uploads_goes_through_a_temporary_file(
        alice: Client, users: dict, settings) -> None:  # noqa: ANN001
    data = fits_bytes(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1000)
    response = post_files(alice, [("large.fits", data)], url="/upload/new/")
    assert response.status_code == 200 and response.json()["files"][0]["size"] == len(data)
    assert (area.upload_dir(users["alice"]) / "large.fits").read_bytes() == data


def test_a_new_first_chunk_starts_the_upload_over(alice: Client) -> None:
    post_files(alice, [("x.fits", fits_bytes(100))], "bytes 0-99/300")
    data = fits_bytes(120, seed=3)
    assert post_files(alice, [("x.fits", data)]).status_code == 200
    assert listed(alice)[0]["size"] == 120 and listed(alice)[0]["complete"] is True


def test_take_uploads_moves_every_file_out(alice: Client, users: dict, tmp_path: Path) -> None:
    files = {"a.fits": fits_bytes(300), "b.json": b'{"x": 1}'}
    post_files(alice, list(files.items()))
    staging = tmp_path / "staging" / "uploaded"
    moved = area.take_uploads(users["alice"], staging)
    assert moved == [staging / "a.fits", staging / "b.json"]
    assert {p.name: p.read_bytes() for p in moved} == files
    assert listed(alice) == [] and area.take_uploads(users["alice"], tmp_path / "again") == []
    post_files(alice, [("a.fits", fits_bytes(10))])
    with pytest.raises(UploadError, match="a.fits already in"):
        area.take_uploads(users["alice"], staging)
    assert listed(alice)[0]["name"] == "a.fits"  # nothing moved


def test_wipe_empties_the_area(alice: Client, users: dict) -> None:
    post_files(alice, [("a.fits", fits_bytes(300)), ("b.txt", b"x")])
    post_files(alice, [("c.fits", fits_bytes(10))], "bytes 0-9/20")
    assert area.wipe(users["alice"]) == 3
    assert listed(alice) == []


# ---- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, message", [
    ("../x.fits", "file name '../x.fits' is a path, not a bare file name"),
    ("/etc/x.fits", "file name '/etc/x.fits' is a path, not a bare file name"),
    ("dir/x.fits", "is a path, not a bare file name"),
    ("a\\b.fits", "is a path, not a bare file name"),
    (".hidden.fits", "file name '.hidden.fits' starts with a dot"),
    ("a..b.fits", "contains '..'"),
    ("x y.fits", "has characters other than letters, digits and _ . + -"),
    ("x.exe", "'x.exe' is not a kind of file CRDS takes"),
    ("x.fits.part", "'x.fits.part' is not a kind of file CRDS takes"),
])
def test_unsafe_or_foreign_names_are_refused(alice: Client, name: str, message: str,
                                             uploads_root: Path) -> None:
    response = post_files(alice, [(name, fits_bytes(100))])
    assert response.status_code == 400
    assert response.json()["files"][0]["name"] == name
    assert message in error_of(response)
    assert listed(alice) == []
    assert not (uploads_root.parent / "x.fits").exists() and not Path("/etc/x.fits").exists()


def test_a_nul_in_a_name_is_refused(users: dict, uploads_root: Path) -> None:
    with pytest.raises(UploadError, match="contains a NUL character"):
        area.receive(users["alice"], "x\x00.fits", open(os.devnull, "rb"), 0)
    with pytest.raises(UploadError, match="contains a NUL character"):
        area.delete_upload(users["alice"], "x\x00.fits")


@pytest.mark.parametrize("name, data, message", [
    ("x.fits", b"NOT FITS" * 20, "'x.fits' is not a FITS file (it does not start with "
                                 "'SIMPLE  =')"),
    ("x.r0h", b"NOT FITS" * 20, "is not a FITS file"),
    ("x.asdf", b"%YAML 1.1\n", "'x.asdf' is not an ASDF file (it does not start with '#ASDF')"),
    ("x.json", b'{"a": ', "'x.json' is not valid JSON"),
    ("x.yaml", b"a: [1, 2\n", "'x.yaml' is not valid YAML"),
    ("x.rmap", b"selector = {}\n", "'x.rmap' is not a CRDS mapping (it does not start with "
                                   "'header = {')"),
    ("x.csv", b"a,b\x00,c\n", "'x.csv' is not a text file"),
])
def test_content_that_does_not_match_its_kind_is_refused_and_removed(
        alice: Client, users: dict, name: str, data: bytes, message: str) -> None:
    response = post_files(alice, [(name, data)])
    assert response.status_code == 400
    assert message in error_of(response) and "file removed" in error_of(response)
    assert listed(alice) == []
    # nothing left of it but the note of why it was refused
    assert sorted(os.listdir(area.upload_dir(users["alice"]))) == [".lock", f".{name}.refused"]


def test_a_bad_chunked_file_is_refused_when_complete(alice: Client) -> None:
    data = b"NOT A FITS FILE" * 20
    assert post_files(alice, [("x.fits", data[:100])], "bytes 0-99/300").status_code == 200
    response = post_files(alice, [("x.fits", data[100:])], "bytes 100-299/300")
    assert response.status_code == 400 and "is not a FITS file" in error_of(response)
    assert listed(alice) == []


def test_files_above_the_limit_are_refused(alice: Client, settings) -> None:  # noqa: ANN001
    settings.OPENCRDS_UPLOAD_MAX_BYTES = 1000
    response = post_files(alice, [("big.fits", fits_bytes(1001))])
    assert response.status_code == 413
    assert error_of(response) == ("'big.fits' is too large: 1001 bytes, more than the 1000 "
                                  "bytes allowed per file")
    response = post_files(alice, [("big.fits", fits_bytes(100))], "bytes 0-99/5000")
    assert response.status_code == 413 and "5000 bytes, more than the 1000" in error_of(response)
    assert listed(alice) == []
    assert post_files(alice, [("ok.fits", fits_bytes(1000))]).status_code == 200


def test_a_body_far_above_the_limit_is_refused_before_it_is_read(alice: Client,
                                                                 settings) -> None:  # noqa: ANN001
    settings.OPENCRDS_UPLOAD_MAX_BYTES = 10
    response = post_files(alice, [("big.fits", fits_bytes(1_100_000))])
    assert response.status_code == 413 and "the upload is too large" in error_of(response)


@pytest.mark.parametrize("first, second, message", [
    ("bytes 0-99/300", "bytes 200-299/300",
     "'x.fits': chunk starts at byte 200 but 100 bytes were received so far (chunks must come "
     "in order, without gaps or overlaps)"),
    ("bytes 0-99/300", "bytes 50-149/300", "chunk starts at byte 50 but 100 bytes were received"),
    ("bytes 0-99/300", "bytes 0-99/300", None),  # a first chunk again: the upload starts over
    ("bytes 0-99/300", "bytes 100-199/400",
     "'x.fits': Content-Range total 400 differs from the 300 bytes announced by the first "
     "chunk; upload dropped"),
    (None, "bytes 100-199/300",
     "'x.fits': chunk at byte 100 but no upload of it is in progress (the first chunk starts "
     "at byte 0)"),
])
def test_chunks_out_of_order_overlapping_or_changing_total_are_refused(
        alice: Client, first: str | None, second: str, message: str | None) -> None:
    data = fits_bytes(300)
    if first:
        assert post_files(alice, [("x.fits", data[:100])], first).status_code == 200
    response = post_files(alice, [("x.fits", data[:100])], second)
    if message is None:
        assert response.status_code == 200 and listed(alice)[0]["size"] == 100
        return
    assert response.status_code == 400
    assert message in error_of(response) and error_of(response).startswith("'x.fits': ")


@pytest.mark.parametrize("header, message", [
    ("bytes 0-99", "Content-Range 'bytes 0-99' does not parse (expected "
                   "'bytes START-END/TOTAL')"),
    ("0-99/100", "does not parse"),
    ("bytes 0-99/*", "does not parse"),
    ("bytes 50-20/100", "is not a range of the file (need START <= END < TOTAL)"),
    ("bytes 0-100/100", "is not a range of the file"),
    ("bytes 0-49/100", "the chunk holds 100 bytes but Content-Range 'bytes 0-49/100' says 50"),
])
def test_content_ranges_that_make_no_sense_are_refused(alice: Client, header: str,
                                                       message: str) -> None:
    response = post_files(alice, [("x.fits", fits_bytes(100))], header)
    assert response.status_code == 400
    assert message in error_of(response) and error_of(response).startswith("'x.fits'")
    assert listed(alice) == []


def test_a_post_without_files_or_multipart_is_refused(alice: Client) -> None:
    response = alice.post("/upload/chunked/", data=b"x", content_type="application/json")
    assert response.status_code == 400 and "expected a multipart/form-data POST" in \
        error_of(response)
    body, content_type = multipart([], other="1")
    response = alice.post("/upload/chunked/", data=body, content_type=content_type)
    assert response.status_code == 400 and "no file in the 'files' field" in error_of(response)
    body, content_type = multipart([("a.fits", b"x"), ("b.fits", b"y")])
    response = alice.post("/upload/chunked/", data=body, content_type=content_type,
                          HTTP_CONTENT_RANGE="bytes 0-0/1")
    assert "a Content-Range applies to one file; got 2" in error_of(response)


def test_one_refused_file_does_not_stop_the_others(alice: Client) -> None:
    response = post_files(alice, [("good.fits", fits_bytes(100)), ("bad.fits", b"nope")],
                          url="/upload/new/")
    assert response.status_code == 400
    good, bad = response.json()["files"]
    assert good["name"] == "good.fits" and "error" not in good
    assert bad["name"] == "bad.fits" and "is not a FITS file" in bad["error"]
    assert [entry["name"] for entry in listed(alice)] == ["good.fits"]


# ---- deleting, and privacy ----------------------------------------------------------------------


def test_delete_by_get_post_and_delete(alice: Client) -> None:
    post_files(alice, [("a.fits", fits_bytes(100)), ("b.fits", fits_bytes(100)),
                       ("c.fits", fits_bytes(100))])
    post_files(alice, [("d.fits", fits_bytes(100))], "bytes 0-99/200")
    for method, name in (("get", "a.fits"), ("post", "b.fits"), ("delete", "c.fits"),
                         ("get", "d.fits")):
        response = getattr(alice, method)(f"/upload/delete/{name}")
        assert response.status_code == 200, (method, response.content)
        assert response.json() == {"files": [{name: True}]}
    assert listed(alice) == []
    response = alice.get("/upload/delete/a.fits")
    assert response.status_code == 404 and error_of(response) == "no upload named 'a.fits'"
    response = alice.get("/upload/delete/../../etc/passwd")
    assert response.status_code == 400 and "is a path, not a bare file name" in \
        error_of(response)


def test_users_never_see_or_delete_each_others_files(alice: Client, bob: Client,
                                                     users: dict) -> None:
    post_files(alice, [("mine.fits", fits_bytes(100))])
    assert listed(bob) == []
    assert bob.get("/upload/delete/mine.fits").status_code == 404
    assert [entry["name"] for entry in listed(alice)] == ["mine.fits"]
    post_files(bob, [("mine.fits", fits_bytes(50))])
    assert listed(alice)[0]["size"] == 100 and listed(bob)[0]["size"] == 50
    assert area.upload_dir(users["alice"]) != area.upload_dir(users["bob"])


def test_anonymous_users_get_403_json_not_a_redirect(users: dict, uploads_root: Path) -> None:
    anonymous = Client()
    body, content_type = multipart([("a.fits", fits_bytes(100))])
    for response in (anonymous.get("/upload/list/"), anonymous.get("/upload/chunked/"),
                     anonymous.get("/upload/new/"), anonymous.get("/upload/delete/a.fits"),
                     anonymous.post("/upload/chunked/", data=body, content_type=content_type)):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert "login required" in response.json()["error"]
    assert not uploads_root.exists()


# ---- the CSRF cookie ----------------------------------------------------------------------------


def test_every_response_sets_the_csrf_cookie_and_posts_need_the_token(users: dict,
                                                                      uploads_root: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    response = client.get("/upload/chunked/")
    assert response.status_code == 200 and response.json() == {"files": []}
    data = fits_bytes(300)
    body, content_type = multipart([("x.fits", data[:100])])
    refused = client.post("/upload/chunked/", data=body, content_type=content_type,
                          HTTP_CONTENT_RANGE="bytes 0-99/300")
    assert refused.status_code == 403 and "CSRF check failed" in refused.json()["error"]
    assert "csrftoken" in refused.cookies
    for span in ((0, 99), (100, 199), (200, 299), (200, 299)):  # the last one is refused
        token = response.cookies["csrftoken"].value  # from the previous response
        body, content_type = multipart([("x.fits", data[span[0]:span[1] + 1])],
                                       csrfmiddlewaretoken=token)
        response = client.post("/upload/chunked/", data=body, content_type=content_type,
                               HTTP_CONTENT_RANGE=f"bytes {span[0]}-{span[1]}/300")
        assert "csrftoken" in response.cookies, span
    assert response.status_code == 400  # the repeated last chunk: no upload in progress
    for path in ("/upload/list/", "/upload/new/", "/upload/delete/x.fits",
                 "/upload/delete/x.fits"):
        assert "csrftoken" in client.get(path).cookies, path


# ---- real HTTP, as crds does it -----------------------------------------------------------------


def crds_like_session(server: Any, session_id: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.cookies.set("sessionid", session_id)
    session.headers["referer"] = server.url
    return session


@pytest.mark.slow
def test_a_5_mb_file_in_2_mb_chunks_over_http_as_crds_sends_it(live_user: tuple,
                                                              uploads_root: Path) -> None:
    server, user, session_id = live_user
    session = crds_like_session(server, session_id)
    data = fits_bytes(5_000_000 + 12_345)
    response = session.get(server.url + "/upload/chunked/")
    assert response.status_code == 200
    start = 0
    while start < len(data):
        piece = data[start:start + CHUNK]
        end = start + len(piece) - 1
        response = session.post(
            server.url + "/upload/chunked/",
            files={"files": ("big5mb.fits", piece)},
            data={"csrfmiddlewaretoken": response.cookies["csrftoken"]},  # previous response's
            headers={"Content-Range": f"bytes {start}-{end}/{len(data)}"})
        assert response.status_code == 200, response.text
        assert response.json()["files"][0]["size"] == end + 1
        start = end + 1
    files = session.get(server.url + "/upload/list/").json()["files"]
    assert files == [{"name": "big5mb.fits", "size": len(data), "complete": True,
                      "deleteUrl": "/upload/delete/big5mb.fits", "deleteType": "GET"}]
    assert (area.upload_dir(user) / "big5mb.fits").read_bytes() == data
    assert session.get(server.url + files[0]["deleteUrl"]).status_code == 200
    assert session.get(server.url + "/upload/list/").json() == {"files": []}


CRDS_UPLOAD = """
import json, sys
from crds.submit.web import CrdsDjangoConnection
url, session_id, *paths = sys.argv[1:]
connection = CrdsDjangoConnection(base_url=url)
connection.session.cookies.set("sessionid", session_id)
for path in paths:
    connection.upload_file(path)
print(json.dumps(connection.get("/upload/list/").json()))
"""


@pytest.mark.slow
@pytest.mark.oracle
def test_the_crds_client_uploads_small_and_chunked_files(live_user: tuple, tmp_path: Path,
                                                         uploads_root: Path) -> None:
    server, user, session_id = live_user
    small, large = tmp_path / "small.fits", tmp_path / "large.fits"
    small.write_bytes(fits_bytes(1000))
    large.write_bytes(fits_bytes(4_500_000, seed=5))
    done = subprocess.run([sys.executable, "-c", CRDS_UPLOAD, server.url, session_id,
                           str(small), str(large)],
                          env=clean_env(CRDS_PATH=str(tmp_path / "cache"),
                                        CRDS_SERVER_URL=server.url),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    listing = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted((f["name"], f["size"]) for f in listing["files"]) == [
        ("large.fits", 4_500_000), ("small.fits", 1000)]
    folder = area.upload_dir(user)
    assert (folder / "large.fits").read_bytes() == large.read_bytes()
    assert (folder / "small.fits").read_bytes() == small.read_bytes()


@pytest.mark.server
@pytest.mark.slow
def test_chunks_reach_the_served_workers_in_turn(served_login: tuple) -> None:
    """``opencrds serve`` with two worker processes: the chunks of one file may land on
    either, and the file comes out whole."""
    server, pk, session_id = served_login
    session = crds_like_session(server, session_id)
    data = fits_bytes(3 * CHUNK + 777, seed=2)
    response = session.get(server.url + "/upload/chunked/")
    for start in range(0, len(data), CHUNK):
        piece = data[start:start + CHUNK]
        response = session.post(
            server.url + "/upload/chunked/", files={"files": ("served.fits", piece)},
            data={"csrfmiddlewaretoken": response.cookies["csrftoken"]},
            headers={"Content-Range": f"bytes {start}-{start + len(piece) - 1}/{len(data)}"})
        assert response.status_code == 200, response.text
    assert session.get(server.url + "/upload/list/").json()["files"][0]["size"] == len(data)
    assert (server.home / "uploads" / str(pk) / "served.fits").read_bytes() == data
    assert session.get(server.url + "/upload/delete/served.fits").status_code == 200
    assert session.get(server.url + "/upload/list/").json() == {"files": []}


def test_a_refused_upload_is_explained_when_the_uploads_are_taken(
        alice: Client, users: dict, tmp_path: Path, settings) -> None:  # noqa: ANN001
    """A client that ignores the refusal of its upload (crds submit goes on to post its form)
    is told why when the form takes the uploads; a new upload of the name forgets it."""
    settings.OPENCRDS_UPLOAD_MAX_BYTES = 1000
    assert post_files(alice, [("big.fits", fits_bytes(2000)[:500])],
                      "bytes 0-499/2000").status_code == 413
    post_files(alice, [("big.fits", fits_bytes(2000)[500:1000])], "bytes 500-999/2000")
    assert listed(alice) == []
    with pytest.raises(UploadError, match=r"refused when uploaded: 'big.fits' is too large: "
                                          r"2000 bytes, more than the 1000 bytes allowed"):
        area.take_uploads(users["alice"], tmp_path / "staging")
    assert area.take_uploads(users["alice"], tmp_path / "staging") == []  # said once
    post_files(alice, [("text.fits", b"not fits\n")])
    assert post_files(alice, [("text.fits", fits_bytes(300))]).status_code == 200
    assert [p.name for p in area.take_uploads(users["alice"], tmp_path / "s2")] == ["text.fits"]
