"""The plugin download mode (``CRDS_DOWNLOAD_MODE=plugin``, ``CRDS_DOWNLOAD_PLUGIN``) against a
live ``opencrds serve``, with real plugin commands: a small Python fetcher written into the
test's folder (which can also damage, fail or interrupt on demand), a fake ``wget`` standing in
for the default template, and curl/wget themselves when they are installed."""

from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from server_helpers import CRDS_CACHE, Server, clean_env, opencrds_command

from opencrds.cache.storage import CrdsDownloadError
from opencrds.client import plugin
from opencrds.client.download import Downloader
from opencrds.client.plugin import PluginInterrupted, build_command
from opencrds.client.rpc import RpcClient
from opencrds.client.serverinfo import fetch_server_info
from opencrds.protocol import ServerInfo

CONTEXT = "hst_0427.pmap"
REFERENCES = ["z1q2219el_2zx.fits", "v8q14451j_idc.fits"]

# argv: URL OUTPUT [SIZE SHA1]. $PLUGIN_LOG gets one line per run; $PLUGIN_FAULT names a fault
# ("corrupt", "truncate", "fail", "interrupt") applied to URLs containing $PLUGIN_ONLY (all
# when unset).
FETCHER = '''\
import os, sys, urllib.request
url, output = sys.argv[1], sys.argv[2]
with open(os.environ["PLUGIN_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
data = opener.open(url, timeout=60).read()
fault = os.environ.get("PLUGIN_FAULT", "")
if fault and os.environ.get("PLUGIN_ONLY", "") in url:
    if fault == "corrupt":
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
    elif fault == "truncate":
        data = data[:-1]
    elif fault in ("fail", "interrupt"):
        with open(output, "wb") as stream:
            stream.write(data[:10])
        print("plugin: boom", file=sys.stderr)
        sys.exit(1 if fault == "fail" else 2)
with open(output, "wb") as stream:
    stream.write(data)
'''

# the default template's command line: --no-check-certificate --quiet URL -O OUTPUT
FAKE_WGET = '''\
import os, sys, urllib.request
args = sys.argv[1:]
assert args[:2] == ["--no-check-certificate", "--quiet"] and args[3] == "-O", args
with open(os.environ["PLUGIN_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with open(args[4], "wb") as stream:
    stream.write(opener.open(args[2], timeout=60).read())
'''


def original(name: str) -> bytes:
    branch = "mappings" if name.endswith("map") else "references"
    return next((CRDS_CACHE / branch / "hst").rglob(name)).read_bytes()


def script(folder: Path, name: str, text: str) -> Path:
    """An executable Python script ``folder/name`` run by this interpreter."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{text}")
    path.chmod(0o755)
    return path


def runs(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def leftovers(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.name.startswith(".tmp_")
            or p.name.endswith(".lock")]


@pytest.fixture
def online(online: Path) -> Path:
    """The live server, with a flat reference layout."""
    (online / "config/hst").mkdir(parents=True)
    (online / "config/hst/ref_cache_subdir_mode").write_text("flat")
    return online


@pytest.fixture
def fetcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Plugin mode with the Python fetcher; returns its log (one line per run)."""
    path = script(tmp_path / "bin", "fetch.py", FETCHER)
    log = tmp_path / "plugin.log"
    monkeypatch.setenv("PLUGIN_LOG", str(log))
    monkeypatch.setenv("CRDS_DOWNLOAD_MODE", "plugin")
    monkeypatch.setenv("CRDS_DOWNLOAD_PLUGIN", f"{shlex.quote(str(path))} ${{SOURCE_URL}} "
                       "${OUTPUT_PATH} ${FILE_SIZE} ${FILE_SHA1SUM}")
    return log


def server_info(server: Server) -> ServerInfo:
    with RpcClient(server.url) as client:
        return fetch_server_info("hst", client)


def some_names(server: Server, count: int = 15) -> list[str]:
    with RpcClient(server.url) as client:
        return client.call("get_mapping_names", CONTEXT)[:count] + REFERENCES


def fetch(info: ServerInfo, names: list[str], jobs: int = 1) -> tuple[Downloader, dict, dict]:
    downloader = Downloader("hst", info)
    requests: list[str] = []
    downloader.client.event_hooks["request"] = [lambda r: requests.append(r.url.path)]
    try:
        paths, errors = downloader.fetch(names, jobs=jobs)
    finally:
        downloader.close()
    assert requests == []  # plugin mode: no HTTP from the client itself, so no bundles
    return downloader, paths, errors


# ---- building the command ------------------------------------------------------------------


def test_build_command_placeholders() -> None:
    values = {"SOURCE_URL": "http://h/x y.fits", "OUTPUT_PATH": "/c/my dir/.tmp_x",
              "FILE_SIZE": "123", "FILE_SHA1SUM": "ab" * 20}
    template = ("get --url=${SOURCE_URL} ${FILENAME} -o '${OUTPUT_PATH}' -s ${FILE_SIZE} "
                "-c ${FILE_SHA1SUM} $HOME ${OTHER} '; rm -rf /'")
    assert build_command(template, values) == [
        "get", "--url=http://h/x y.fits", "http://h/x y.fits", "-o", "/c/my dir/.tmp_x",
        "-s", "123", "-c", "ab" * 20, "$HOME", "${OTHER}", "; rm -rf /"]
    assert build_command("crds_s3_get --whatever", values) == [
        "crds_s3_get", "http://h/x y.fits", "-d", "/c/my dir/.tmp_x", "-s", "123",
        "-c", "ab" * 20]
    with pytest.raises(CrdsDownloadError, match="empty"):
        build_command("  ", values)
    with pytest.raises(CrdsDownloadError, match="cannot be split"):
        build_command("get '${SOURCE_URL}", values)


def test_default_template_is_wget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  crds_env: Path) -> None:
    """CRDS_DOWNLOAD_PLUGIN unset: the first executable wget of the search folders, with the
    documented options; none at all gives one clear error and no retries."""
    empty, first, second = tmp_path / "empty", tmp_path / "first", tmp_path / "second"
    empty.mkdir()
    (empty / "wget").write_text("not executable")
    wget = script(first, "wget", FAKE_WGET)
    script(second, "wget", FAKE_WGET)
    monkeypatch.setattr(plugin, "WGET_DIRS", (str(empty), str(first), str(second)))
    monkeypatch.setenv("CRDS_DOWNLOAD_MODE", "plugin")
    default = plugin.from_env()
    assert default is not None
    assert default.template == (f"{wget} --no-check-certificate --quiet ${{SOURCE_URL}} "
                                "-O ${OUTPUT_PATH}")
    assert default.command("http://h/a.fits", "/c/.tmp_a", {"size": "1"}) == [
        str(wget), "--no-check-certificate", "--quiet", "http://h/a.fits", "-O", "/c/.tmp_a"]
    monkeypatch.setenv("CRDS_DOWNLOAD_PLUGIN", "mine ${SOURCE_URL} ${OUTPUT_PATH}")
    assert plugin.from_env().template == "mine ${SOURCE_URL} ${OUTPUT_PATH}"

    monkeypatch.delenv("CRDS_DOWNLOAD_PLUGIN")
    monkeypatch.setattr(plugin, "WGET_DIRS", (str(empty),))
    monkeypatch.setenv("CRDS_CLIENT_RETRY_COUNT", "3")
    monkeypatch.setenv("CRDS_CLIENT_RETRY_DELAY_SECONDS", "30")  # would be slow if retried
    (crds_env / "config/hst").mkdir(parents=True)
    (crds_env / "config/hst/ref_cache_subdir_mode").write_text("flat")
    info = {"reference_url": {"hst": "http://127.0.0.1:1/r/"},
            "download_metadata": {"a.fits": {"size": "1", "sha1sum": "none"}}}
    downloader = Downloader("hst", info)
    paths, errors = downloader.fetch(["a.fits"])
    downloader.close()
    assert paths == {}
    assert "CRDS_DOWNLOAD_PLUGIN is not set and no wget was found" in str(errors["a.fits"])


def test_default_template_matches_crds(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real search folders, the default is the one crds 14.0.3 builds (the oracle
    puts two spaces in it: compared as argv)."""
    ours = plugin.default_template()
    if ours is None:
        pytest.skip("no wget in " + ", ".join(plugin.WGET_DIRS))
    try:
        import crds  # noqa: F401
    except ImportError:
        pytest.skip("crds oracle not installed")
    env = clean_env(CRDS_DOWNLOAD_MODE="plugin", CRDS_PATH="/nonexistent-crds-cache")
    theirs = subprocess.run(
        [sys.executable, "-c", "from crds.core import config; "
                               "print(config.get_download_plugin())"],
        env=env, capture_output=True, text=True, timeout=120, check=True).stdout.strip()
    assert shlex.split(ours) == shlex.split(theirs)


@pytest.mark.parametrize("value, mode", [(None, "http"), ("", "http"), ("HTTP", "http"),
                                         ("Plugin", "plugin")])
def test_download_mode(monkeypatch: pytest.MonkeyPatch, value: str | None, mode: str) -> None:
    if value is None:
        monkeypatch.delenv("CRDS_DOWNLOAD_MODE", raising=False)
    else:
        monkeypatch.setenv("CRDS_DOWNLOAD_MODE", value)
    assert plugin.download_mode() == mode


def test_bad_download_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_DOWNLOAD_MODE", "ftp")
    with pytest.raises(CrdsDownloadError, match="Invalid value for 'CRDS_DOWNLOAD_MODE'"):
        Downloader("hst", {})


# ---- downloads through a live server -------------------------------------------------------

@pytest.mark.shared_data
@pytest.mark.slow
def test_plugin_gives_the_same_files_as_http(online: Path, live_hst: Server, fetcher: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    info = server_info(live_hst)
    names = some_names(live_hst)
    downloader, paths, errors = fetch(info, names, jobs=4)
    assert errors == {}
    assert sorted(paths) == sorted(names)
    assert len(runs(fetcher)) == len(names)
    meta = downloader.metadata
    for line in runs(fetcher):  # URL, temp path, then the metadata strings
        url, output, size, sha1 = line.split(" ")
        name = url.rsplit("/", 1)[1]
        assert Path(output).name.startswith(f".tmp_{name}_")
        assert (size, sha1) == (meta[name]["size"], meta[name]["sha1sum"])
    assert leftovers(online) == []

    monkeypatch.setenv("CRDS_DOWNLOAD_MODE", "http")
    monkeypatch.setenv("CRDS_PATH", str(online.parent / "http-cache"))
    (online.parent / "http-cache/config/hst").mkdir(parents=True)
    (online.parent / "http-cache/config/hst/ref_cache_subdir_mode").write_text("flat")
    http = Downloader("hst", info)
    http_paths, http_errors = http.fetch(names, jobs=4)
    http.close()
    assert http_errors == {}
    for name in names:
        data = paths[name].read_bytes()
        assert data == http_paths[name].read_bytes() == original(name), name
        assert paths[name].relative_to(online) == \
            http_paths[name].relative_to(online.parent / "http-cache")
    assert len(runs(fetcher)) == len(names)  # http mode did not run the plugin


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize("fault, message", [
    ("corrupt", "does not match server sha1sum"),
    ("truncate", "does not match server size"),
])
def test_damaged_bytes_are_caught(online: Path, live_hst: Server, fetcher: Path,
                                  monkeypatch: pytest.MonkeyPatch, fault: str,
                                  message: str) -> None:
    monkeypatch.setenv("PLUGIN_FAULT", fault)
    monkeypatch.setenv("PLUGIN_ONLY", REFERENCES[0])
    info = server_info(live_hst)
    names = some_names(live_hst, 4)
    downloader, paths, errors = fetch(info, names, jobs=2)
    assert list(errors) == [REFERENCES[0]]
    assert message in str(errors[REFERENCES[0]])
    assert not downloader.path(REFERENCES[0]).exists()
    assert sorted(paths) == sorted(n for n in names if n != REFERENCES[0])
    assert leftovers(online) == []

    # the checks are the http mode's: they honour CRDS_DOWNLOAD_CHECKSUMS / _LENGTHS
    monkeypatch.setenv("CRDS_DOWNLOAD_CHECKSUMS", "0")
    if fault == "truncate":
        monkeypatch.setenv("CRDS_DOWNLOAD_LENGTHS", "0")
    _, paths, errors = fetch(info, [REFERENCES[0]])
    assert errors == {}
    assert paths[REFERENCES[0]].read_bytes() != original(REFERENCES[0])


@pytest.mark.shared_data
@pytest.mark.slow
def test_failing_plugin_names_the_file_and_the_run_goes_on(
        online: Path, live_hst: Server, fetcher: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIN_FAULT", "fail")
    monkeypatch.setenv("PLUGIN_ONLY", REFERENCES[0])
    monkeypatch.setenv("CRDS_CLIENT_RETRY_COUNT", "2")
    info = server_info(live_hst)
    names = some_names(live_hst, 5)
    downloader, paths, errors = fetch(info, names, jobs=2)
    assert list(errors) == [REFERENCES[0]]
    text = str(errors[REFERENCES[0]])
    assert isinstance(errors[REFERENCES[0]], CrdsDownloadError)
    assert f"Failed downloading '{REFERENCES[0]}'" in text
    assert "fetch.py" in text and "exit status 1" in text and "plugin: boom" in text
    assert sorted(paths) == sorted(n for n in names if n != REFERENCES[0])
    for name in paths:
        assert paths[name].read_bytes() == original(name)
    assert not downloader.path(REFERENCES[0]).exists()
    assert leftovers(online) == []
    # retried as often as an HTTP download would be
    assert sum(REFERENCES[0] in line for line in runs(fetcher)) == 2


@pytest.mark.shared_data
@pytest.mark.slow
def test_missing_plugin_program(online: Path, live_hst: Server,
                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CRDS_DOWNLOAD_MODE", "plugin")
    missing = tmp_path / "no-such-program"
    monkeypatch.setenv("CRDS_DOWNLOAD_PLUGIN", f"{missing} ${{SOURCE_URL}} ${{OUTPUT_PATH}}")
    _, paths, errors = fetch(server_info(live_hst), [REFERENCES[0]])
    assert paths == {}
    assert str(missing) in str(errors[REFERENCES[0]])
    assert leftovers(online) == []


@pytest.mark.shared_data
@pytest.mark.slow
def test_plugin_that_writes_nothing(online: Path, live_hst: Server,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    true = shutil.which("true")
    if true is None:
        pytest.skip("no 'true' program")
    monkeypatch.setenv("CRDS_DOWNLOAD_MODE", "plugin")
    monkeypatch.setenv("CRDS_DOWNLOAD_PLUGIN", f"{true} ${{SOURCE_URL}} ${{OUTPUT_PATH}}")
    _, paths, errors = fetch(server_info(live_hst), [REFERENCES[0]])
    assert paths == {}
    assert "wrote no output file" in str(errors[REFERENCES[0]])


@pytest.mark.shared_data
@pytest.mark.slow
def test_interrupted_plugin_stops_the_run(online: Path, live_hst: Server, fetcher: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit status 2 means "interrupted" (TOOLS.md): the run stops like on Ctrl-C."""
    monkeypatch.setenv("PLUGIN_FAULT", "interrupt")
    monkeypatch.setenv("PLUGIN_ONLY", REFERENCES[0])
    monkeypatch.setenv("CRDS_CLIENT_RETRY_COUNT", "3")
    downloader = Downloader("hst", server_info(live_hst))
    with pytest.raises(PluginInterrupted, match=r"exit status 2"):
        downloader.fetch([REFERENCES[0], REFERENCES[1]])
    downloader.close()
    assert len(runs(fetcher)) == 1  # neither retried nor followed by the next file
    assert not downloader.path(REFERENCES[0]).exists()
    assert leftovers(online) == []


@pytest.mark.shared_data
@pytest.mark.slow
def test_fake_default_wget(online: Path, live_hst: Server, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The default template, end to end, with a stand-in wget in the search folders."""
    script(tmp_path / "bin", "wget", FAKE_WGET)
    log = tmp_path / "wget.log"
    monkeypatch.setenv("PLUGIN_LOG", str(log))
    monkeypatch.setattr(plugin, "WGET_DIRS", (str(tmp_path / "bin"),))
    monkeypatch.setenv("CRDS_DOWNLOAD_MODE", "plugin")
    names = some_names(live_hst, 3)
    _, paths, errors = fetch(server_info(live_hst), names, jobs=2)
    assert errors == {}
    assert {name: path.read_bytes() for name, path in paths.items()} == \
        {name: original(name) for name in names}
    assert len(runs(log)) == len(names)


# ---- opencrds sync --------------------------------------------------------------------------


def sync(server: Server, cache: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = clean_env(CRDS_SERVER_URL=server.url, CRDS_PATH=str(cache), CRDS_OBSERVATORY="hst",
                     CRDS_MODE="remote", CRDS_CLIENT_RETRY_COUNT="1", **env)
    return subprocess.run([*opencrds_command(), "sync", *args], env=full,
                          capture_output=True, text=True, timeout=600)


def cache_files(cache: Path) -> dict[str, str]:
    """sha1 of every file under the cache's mapping and reference folders, by relative path."""
    return {str(p.relative_to(cache)): hashlib.sha1(p.read_bytes()).hexdigest()
            for folder in ("mappings", "references") if (cache / folder).is_dir()
            for p in sorted((cache / folder).rglob("*")) if p.is_file()}


@pytest.mark.shared_data
@pytest.mark.slow
def test_sync_with_plugin_end_to_end(live_hst: Server, crds_env: Path,
                                     tmp_path: Path) -> None:
    """``opencrds sync`` in plugin mode (curl when installed, else the Python fetcher) leaves
    the same cache as in http mode; a failing plugin is reported per file, the rest is
    synced, the exit status is non-zero."""
    files = [*some_names(live_hst, 10)]
    http = sync(live_hst, tmp_path / "http", "--files", *files)
    assert http.returncode == 0, http.stderr[-3000:]
    expected = cache_files(tmp_path / "http")
    assert len(expected) == len(files)

    curl = shutil.which("curl")
    fetch_py = script(tmp_path / "bin", "fetch.py", FETCHER)
    template = (f"{curl} -s -f -o ${{OUTPUT_PATH}} ${{SOURCE_URL}}" if curl else
                f"{fetch_py} ${{SOURCE_URL}} ${{OUTPUT_PATH}}")
    env = {"CRDS_DOWNLOAD_MODE": "plugin", "CRDS_DOWNLOAD_PLUGIN": template,
           "PLUGIN_LOG": str(tmp_path / "plugin.log")}
    done = sync(live_hst, tmp_path / "plugin", "--files", *files, **env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert cache_files(tmp_path / "plugin") == expected
    assert leftovers(tmp_path / "plugin") == []

    env.update(CRDS_DOWNLOAD_PLUGIN=f"{fetch_py} ${{SOURCE_URL}} ${{OUTPUT_PATH}}",
               PLUGIN_FAULT="fail", PLUGIN_ONLY=REFERENCES[1])
    failed = sync(live_hst, tmp_path / "failing", "--files", *files, **env)
    assert failed.returncode != 0
    errors = [line for line in failed.stderr.splitlines() if "ERROR" in line]
    assert any(REFERENCES[1] in line and "exit status 1" in line and "fetch.py" in line
               for line in errors), failed.stderr[-3000:]
    synced = cache_files(tmp_path / "failing")
    assert synced == {k: v for k, v in expected.items() if not k.endswith(REFERENCES[1])}
    assert leftovers(tmp_path / "failing") == []

    env.update(PLUGIN_FAULT="interrupt")  # exit status 2: the run stops as on Ctrl-C
    stopped = sync(live_hst, tmp_path / "stopped", "--files", *files, **env)
    assert stopped.returncode == 130, stopped.stderr[-3000:]
    assert "exit status 2" in stopped.stderr and "Interrupted." in stopped.stderr
    assert not any(k.endswith(REFERENCES[1]) for k in cache_files(tmp_path / "stopped"))
    assert leftovers(tmp_path / "stopped") == []


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.skipif(plugin.default_template() is None, reason="wget not installed")
def test_sync_with_real_default_wget(live_hst: Server, crds_env: Path,
                                     tmp_path: Path) -> None:
    """``CRDS_DOWNLOAD_MODE=plugin`` alone: the installed wget does the downloads."""
    files = [*some_names(live_hst, 3)]
    done = sync(live_hst, tmp_path / "cache", "--files", *files, CRDS_DOWNLOAD_MODE="plugin")
    assert done.returncode == 0, done.stderr[-3000:]
    got = cache_files(tmp_path / "cache")
    assert sorted(Path(k).name for k in got) == sorted(files)
    for key, sha1 in got.items():
        assert sha1 == hashlib.sha1(original(Path(key).name)).hexdigest()
