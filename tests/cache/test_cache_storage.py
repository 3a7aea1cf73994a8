"""Atomic verified writes, the cross-process lock, server_config (TOOLS.md §4.3-4.8)."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from opencrds.cache import config, locking, storage
from opencrds.protocol import ServerInfo

DATA = b"0123456789" * 1000
SHA1 = hashlib.sha1(DATA).hexdigest()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("CRDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CRDS_PATH", str(tmp_path))
    return tmp_path


def test_write_verified(cache: Path) -> None:
    target = cache / "references/hst/a.fits"
    assert storage.write_verified(target, [DATA[:5], DATA[5:]], len(DATA), SHA1) == len(DATA)
    assert target.read_bytes() == DATA
    assert os.listdir(target.parent) == ["a.fits"]


@pytest.mark.parametrize(("size", "sha1", "message"), [
    (len(DATA) + 1, SHA1, "size"), (len(DATA), "0" * 40, "sha1sum")])
def test_mismatch_leaves_nothing(cache: Path, size: int, sha1: str, message: str) -> None:
    target = cache / "a.fits"
    with pytest.raises(storage.CrdsDownloadError, match=message):
        storage.write_verified(target, [DATA], size, sha1)
    assert list(cache.iterdir()) == []


def test_interrupted_stream_leaves_nothing(cache: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield DATA[:100]
        raise ConnectionError("dropped")

    target = cache / "a.fits"
    target.write_bytes(b"old")
    with pytest.raises(ConnectionError):
        storage.write_verified(target, chunks(), len(DATA), SHA1)
    assert target.read_bytes() == b"old"
    assert [p.name for p in cache.iterdir()] == ["a.fits"]


def test_readonly(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    with pytest.raises(storage.ReadonlyCacheError):
        storage.write_verified(cache / "a.fits", [DATA])
    (cache / "b.fits").write_bytes(DATA)
    assert not storage.remove(cache / "b.fits")
    assert not config.save_server_config("hst", {"observatory": "hst"})
    assert isinstance(locking.cache_lock("hst"), locking.NullLock)
    assert sorted(p.name for p in cache.iterdir()) == ["b.fits"]


def _writer(target: str, payload: bytes, rounds: int) -> None:
    sha1 = hashlib.sha1(payload).hexdigest()
    for _ in range(rounds):
        storage.write_verified(target, [payload[:7], payload[7:]], len(payload), sha1)
        assert Path(target).read_bytes() in (DATA, DATA[::-1])


def test_two_processes_writing(cache: Path) -> None:
    target = str(cache / "shared.fits")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(target, p, 30)) for p in (DATA, DATA[::-1])]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert Path(target).read_bytes() in (DATA, DATA[::-1])
    assert os.listdir(cache) == ["shared.fits"]


def _locked_append(lock_path: str, log_path: str, tag: str) -> None:
    for _ in range(20):
        with locking.FileLock(lock_path):
            with open(log_path, "a") as stream:
                stream.write(f"{tag}-start\n")
                stream.flush()
                stream.write(f"{tag}-end\n")


def test_lock_serialises_processes(tmp_path: Path) -> None:
    lock, log = str(tmp_path / "x.lock"), str(tmp_path / "log")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_locked_append, args=(lock, log, t)) for t in "ab"]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    lines = Path(log).read_text().split()
    assert len(lines) == 80
    for start, end in zip(lines[::2], lines[1::2], strict=True):
        assert start.endswith("-start") and end == start.replace("start", "end")


def test_lock_timeout(tmp_path: Path) -> None:
    with locking.FileLock(tmp_path / "y.lock"):
        proc = multiprocessing.get_context("spawn").Process(
            target=_try_lock, args=(str(tmp_path / "y.lock"),))
        proc.start()
        proc.join(30)
        assert proc.exitcode == 3
    assert locking.clear_locks(tmp_path) == 1


def _try_lock(path: str) -> None:
    try:
        locking.FileLock(path, timeout=0.2).acquire()
    except locking.LockTimeout:
        raise SystemExit(3) from None


def test_server_config_round_trip(cache: Path) -> None:
    info = {"observatory": "hst", "operational_context": "hst_0729.pmap", "connected": True,
            "force_remote_mode": 0, "bad_files_list": ["a.fits", "b.rmap"],
            "mapping_url": {"hst": "http://x/"}, "nothing": None, "ratio": 1.5}
    assert config.save_server_config("hst", info)
    loaded = config.load_server_config("hst")
    assert loaded["connected"] is False and loaded["status"] == "cache"
    assert {k: loaded[k] for k in info if k != "connected"} == \
        {k: v for k, v in info.items() if k != "connected"}
    assert (cache / "config/hst/bad_files.txt").read_text() == "a.fits\nb.rmap"
    assert ServerInfo.from_wire(loaded).bad_files == {"a.fits", "b.rmap"}


def test_server_config_missing(cache: Path) -> None:
    with pytest.raises(config.CacheConfigError, match="cache load FAILED"):
        config.load_server_config("jwst")


def test_server_config_never_evaluated(cache: Path) -> None:
    path = cache / "config/hst/server_config"
    path.parent.mkdir(parents=True)
    path.write_text("{'x': __import__('os').getcwd()}")
    with pytest.raises(Exception):  # noqa: B017 (a parse error of any kind)
        config.load_server_config("hst")
