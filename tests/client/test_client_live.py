"""getreferences / downloads against a live ``opencrds serve``, compared with crds 14.0.3,
and download faults against a tiny local HTTP server (never a partial file under its name)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import Server, clean_env

from opencrds.cache.paths import file_path
from opencrds.client import api
from opencrds.client.download import Downloader
from opencrds.client.serverinfo import fetch_server_info
from opencrds.client.specifiers import resolve

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

HEADER = {"INSTRUME": "ACS", "DETECTOR": "WFC", "DATE-OBS": "2005-01-01", "TIME-OBS": "00:00:00"}


def test_default_context_online_and_saved(online: Path) -> None:
    assert api.get_default_context("hst") == "hst_0729.pmap"
    info = fetch_server_info("hst", save=True)
    assert info.connected is True
    assert (online / "config/hst/server_config").is_file()
    assert resolve("hst-2018-01-21T12:32:05", info, _client()).endswith(".pmap")


def _client():  # an RpcClient on $CRDS_SERVER_URL
    from opencrds.client.rpc import RpcClient

    return RpcClient()


def test_getreferences_matches_crds(online: Path, live_hst: Server, tmp_path: Path) -> None:
    got = api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap",
                            observatory="hst")
    path = Path(got["idctab"])
    assert path.name == "v8q14451j_idc.fits" and path.is_file()
    assert path == file_path("v8q14451j_idc.fits", "hst")
    crds_cache = tmp_path / "crds-cache"
    script = ("import crds, json, sys; r = crds.getreferences(json.loads(sys.argv[1]), "
              "reftypes=['idctab'], context='hst_0427.pmap', observatory='hst'); "
              "print(json.dumps(r))")
    done = subprocess.run([sys.executable, "-c", script, json.dumps(HEADER)],
                          env=live_hst.crds_env(crds_cache, "local"), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    assert {k: Path(v).name for k, v in theirs.items()} == {"idctab": path.name}
    assert Path(theirs["idctab"]).read_bytes() == path.read_bytes()


def test_getreferences_offline_from_cache(online: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap", observatory="hst")
    monkeypatch.setenv("CRDS_SERVER_URL", "https://hst-serverless-mode.stsci.edu")
    got = api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap",
                            observatory="hst")
    assert Path(got["idctab"]).name == "v8q14451j_idc.fits"


def test_crds_context_and_default_offline(online: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap", observatory="hst")
    monkeypatch.setenv("CRDS_SERVER_URL", "https://hst-serverless-mode.stsci.edu")
    assert api.get_default_context("hst") == "hst_0729.pmap"
    monkeypatch.setenv("CRDS_CONTEXT", "hst_0427.pmap")
    assert api.get_default_context("hst") == "hst_0427.pmap"
    got = api.getreferences(HEADER, reftypes=["idctab"], observatory="hst")
    assert Path(got["idctab"]).name == "v8q14451j_idc.fits"


def test_bad_files_refused_unless_allowed(online: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from opencrds.cache.config import load_server_config, save_server_config
    from opencrds.client.contexts import load_context

    api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap", observatory="hst")
    monkeypatch.setenv("CRDS_SERVER_URL", "https://hst-serverless-mode.stsci.edu")
    info = load_server_config("hst")
    imap = load_context("hst_0427.pmap").get_imap("acs").name
    info["bad_files_list"] = [imap, "v8q14451j_idc.fits"]
    save_server_config("hst", info)
    with pytest.raises(api.CrdsBadRulesError, match="scientifically invalid"):
        api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap",
                          observatory="hst")
    monkeypatch.setenv("CRDS_ALLOW_BAD_RULES", "1")
    with pytest.raises(api.CrdsBadReferenceError, match="v8q14451j_idc.fits"):
        api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap",
                          observatory="hst")
    monkeypatch.setenv("CRDS_ALLOW_BAD_REFERENCES", "1")
    got = api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap",
                            observatory="hst")
    assert Path(got["idctab"]).name == "v8q14451j_idc.fits"


def test_readonly_cache_downloads_nothing(online: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    with pytest.raises(Exception, match="[Rr]eadonly"):
        api.getreferences(HEADER, reftypes=["idctab"], context="hst_0427.pmap",
                          observatory="hst")
    assert not online.exists() or not any(p.is_file() for p in online.rglob("*"))


# ---- download faults, against a fixture HTTP server ---------------------------------------

PAYLOAD = os.urandom(300_000)


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        if self.path.endswith("drop.fits"):
            self.wfile.write(PAYLOAD[:100_000])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(PAYLOAD)


@pytest.fixture
def file_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/refs/"
    server.shutdown()
    server.server_close()


def _info(url: str, sha1: str) -> dict:
    names = ("good.fits", "drop.fits", "bad.fits")
    meta = {n: {"size": str(len(PAYLOAD)), "sha1sum": sha1 if n != "bad.fits" else "0" * 40}
            for n in names}
    return {"observatory": "hst", "reference_url": {"hst": url}, "download_metadata": meta}


def test_download_faults_leave_no_partial_file(file_server: str, crds_env: Path) -> None:
    sha1 = hashlib.sha1(PAYLOAD).hexdigest()
    (crds_env / "config/hst").mkdir(parents=True)
    (crds_env / "config/hst/ref_cache_subdir_mode").write_text("flat")
    downloader = Downloader("hst", _info(file_server, sha1))
    paths, errors = downloader.fetch(["good.fits", "drop.fits", "bad.fits", "unknown.fits"],
                                     jobs=4)
    assert set(paths) == {"good.fits"} and set(errors) == {"drop.fits", "bad.fits",
                                                           "unknown.fits"}
    assert "sha1sum" in str(errors["bad.fits"])
    refs = crds_env / "references/hst"
    assert sorted(os.listdir(refs)) == ["good.fits"]
    assert (refs / "good.fits").read_bytes() == PAYLOAD
    downloader.close()


def test_two_processes_download_same_file(file_server: str, crds_env: Path) -> None:
    sha1 = hashlib.sha1(PAYLOAD).hexdigest()
    (crds_env / "config/hst").mkdir(parents=True)
    (crds_env / "config/hst/ref_cache_subdir_mode").write_text("flat")
    code = ("import sys, json; from opencrds.client.download import Downloader; "
            "d = Downloader('hst', json.loads(sys.argv[1]), lock_timeout=30); "
            "p, e = d.fetch(['good.fits']); sys.exit(1 if e else 0)")
    env = clean_env(CRDS_PATH=str(crds_env))
    procs = [subprocess.Popen([sys.executable, "-c", code, json.dumps(_info(file_server, sha1))],
                              env=env) for _ in range(3)]
    assert [p.wait(120) for p in procs] == [0, 0, 0]
    assert os.listdir(crds_env / "references/hst") == ["good.fits"]
    assert (crds_env / "references/hst/good.fits").read_bytes() == PAYLOAD
