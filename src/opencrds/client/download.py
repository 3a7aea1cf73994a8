"""Downloading CRDS files into the cache (TOOLS.md §4.5): one lock per file, a temp name in
the target directory, size and sha1 verified against ``download_metadata``, then rename.

Many files at once go over one ``httpx.Client`` (kept-alive connections, one per worker
thread). When the server advertises the OpenCRDS bundle endpoint (the ``X-OpenCRDS-Bundle``
header of a file download, format in ``opencrds.protocol.bundle``), the remaining files come in
a few bundle responses instead of one request each; every file is still locked, verified and
renamed into place on its own, and whatever a bundle did not deliver is fetched one by one.
``OPENCRDS_DOWNLOAD_BUNDLES=0`` turns bundles off.

With ``CRDS_DOWNLOAD_MODE=plugin`` every file is fetched by the external command of
``CRDS_DOWNLOAD_PLUGIN`` instead (:mod:`opencrds.client.plugin`), one by one, never in bundles;
locking, verification and the rename are the same.
"""

from __future__ import annotations

import logging
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from ..cache.locking import FileLock, LockTimeout
from ..cache.paths import carrying_overrides, env_flag_default, file_path, readonly
from ..cache.storage import (
    CrdsDownloadError,
    ReadonlyCacheError,
    Staged,
    commit,
    stage_verified,
    write_verified,
)
from ..protocol import ServerInfo
from ..protocol.bundle import (
    BUNDLE_HEADER,
    BUNDLE_LIMITS_HEADER,
    BUNDLE_TYPE,
    LINE_LIMIT,
    parse_limits,
    parse_line,
)
from ..protocol.downloads import URL_KEYS, url_kind
from ..protocol.errors import ProtocolError
from .plugin import from_env as plugin_from_env

log = logging.getLogger("opencrds")
CHUNK = 8 << 20
_GEIS_HEADER = re.compile(r"\.r\dh$")
Progress = Callable[[str, int], None]
#: Most names this client puts in one bundle request (fewer when the server says so).
BUNDLE_MAX_NAMES = 1000
BUNDLE_SPLIT_BYTES = 16 << 20


def expand_names(names: Iterable[str]) -> list[str]:
    """Basenames without ``N/A``/``UNDEFINED``, plus the GEIS ``.rNd`` data of ``.rNh``."""
    result: list[str] = []
    for name in names:
        base = os.path.basename(str(name))
        if not base or base.lower() in ("n/a", "undefined"):
            continue
        for item in (base, base[:-1] + "d" if _GEIS_HEADER.search(base) else None):
            if item and item not in result:
                result.append(item)
    return result


def file_url(name: str, observatory: str, info: ServerInfo | Mapping[str, Any]) -> str:
    """``$CRDS_<KIND>_URI/name`` or the server-info URL of the file's kind + ``/name``."""
    kind, section = url_kind(name)
    base = os.environ.get(f"CRDS_{kind}_URI")
    if not base:
        base = ServerInfo.of(info).download_base(section, observatory)
        if not base:
            raise CrdsDownloadError(f"no download URL for '{name}' in server info")
    return base.rstrip("/") + "/" + name


class Downloader:
    """Fetches files of one observatory into the cache, verified, atomically."""

    def __init__(self, observatory: str, info: ServerInfo | Mapping[str, Any], *,
                 lock_timeout: float = 5.0, client: httpx.Client | None = None) -> None:
        self.observatory = observatory
        self.info = ServerInfo.of(info)
        self.metadata = self.info.files
        self.lock_timeout = lock_timeout
        retries = os.environ.get("CRDS_CLIENT_RETRY_COUNT", "1")
        self.retries = max(1, int(retries)) if retries.isdigit() else 1
        self.delay = float(os.environ.get("CRDS_CLIENT_RETRY_DELAY_SECONDS", "0") or 0)
        self.plugin = plugin_from_env()  # None in http mode; raises on a bad mode
        self.client = client or httpx.Client(timeout=httpx.Timeout(60.0, read=600.0),
                                             verify=self._needs_tls())
        self.bundle_url: str | None = None  # learnt from the server's first file download
        self.bundle_max_names = BUNDLE_MAX_NAMES
        self.bundle_max_bytes: int | None = None  # the server's limit, when it says one
        self.bundles = self.plugin is None and env_flag_default("OPENCRDS_DOWNLOAD_BUNDLES")

    def _needs_tls(self) -> bool:
        """False when every download URL is plain http: no TLS context to build (~0.2 s)."""
        bases = [os.environ.get(f"CRDS_{kind}_URI", "") for kind in
                 ("MAPPING", "REFERENCE", "PICKLE", "CONFIG")]
        for section in URL_KEYS:
            urls = getattr(self.info, section)
            bases.extend(str(v) for v in urls.values()) if isinstance(urls, dict) else None
        return not all(b.startswith("http://") for b in bases if b) or not any(bases)

    def path(self, name: str) -> Path:
        return file_path(name, self.observatory)

    def size(self, name: str) -> int:
        return int(self.metadata.get(name, {}).get("size") or 0)

    def missing(self, names: Iterable[str], ignore_cache: bool = False) -> list[str]:
        return [n for n in expand_names(names) if ignore_cache or not self.path(n).exists()]

    def _chunks(self, url: str, progress: Progress | None, name: str) -> Iterator[bytes]:
        with self.client.stream("GET", url) as response:
            if response.status_code != 200:
                raise CrdsDownloadError(f"Failed downloading '{name}' from url '{url}' :: "
                                        f"HTTP {response.status_code}")
            bundle = response.headers.get(BUNDLE_HEADER, "")
            if bundle.startswith("/") and self.bundle_url is None:
                self.bundle_url = urllib.parse.urljoin(url, bundle)
                self._learn_bundle_limits(response.headers.get(BUNDLE_LIMITS_HEADER, ""))
            for block in response.iter_bytes(CHUNK):
                if progress:
                    progress(name, len(block))
                yield block

    def _learn_bundle_limits(self, text: str) -> None:
        """Take the server's ``names=N, bytes=M`` bundle limits (unknown words are ignored)."""
        limits = parse_limits(text)
        if limits.names:
            self.bundle_max_names = min(BUNDLE_MAX_NAMES, limits.names)
        if limits.bytes:
            self.bundle_max_bytes = limits.bytes

    def fetch_one(self, name: str, *, ignore_cache: bool = False,
                  progress: Progress | None = None) -> Path:
        """Download ``name`` unless it is cached (or another process is fetching it)."""
        target = self.path(name)
        if target.exists() and not ignore_cache:
            return target
        if readonly():
            raise ReadonlyCacheError("Readonly cache, cannot download files")
        meta = self.metadata.get(name)
        if meta is None:
            raise CrdsDownloadError(f"Failed downloading '{name}': file is not known to CRDS "
                                    "server.")
        size, sha1 = self._expected(meta)
        url = file_url(name, self.observatory, self.info)
        target.parent.mkdir(parents=True, exist_ok=True)
        lock_path = Path(str(target) + ".lock")
        try:
            with FileLock(lock_path, timeout=self.lock_timeout):
                try:
                    if not target.exists() or ignore_cache:
                        self._download(name, url, target, size, sha1, progress)
                finally:
                    _unlink_quietly(lock_path)  # removed while still held, as filelock does
        except LockTimeout:
            log.debug("'%s' is being downloaded by another process; skipped", name)
        return target

    @staticmethod
    def _expected(meta: dict[str, Any]) -> tuple[int | None, str | None]:
        """(size, sha1) a download must match; None where checking is turned off."""
        size = int(meta["size"]) if env_flag_default("CRDS_DOWNLOAD_LENGTHS") else None
        sha1 = str(meta.get("sha1sum") or "") if env_flag_default("CRDS_DOWNLOAD_CHECKSUMS") \
            else None
        return size, sha1

    def _download(self, name: str, url: str, target: Path, size: int | None,
                  sha1: str | None, progress: Progress | None) -> None:
        if self.plugin is not None:
            self.plugin.check()  # no command to run: fails once, not once per retry
        last: Exception | None = None
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.delay)
            try:
                if self.plugin is not None:
                    self.plugin.fetch(name, url, target, self.metadata[name], size, sha1,
                                      progress)
                else:
                    write_verified(target, self._chunks(url, progress, name), size, sha1)
                return
            except httpx.HTTPError as exc:
                last = CrdsDownloadError(f"Failed downloading '{name}' from url '{url}' :: {exc}")
            except CrdsDownloadError as exc:
                last = exc
        assert last is not None
        raise last

    def fetch(self, names: Iterable[str], *, ignore_cache: bool = False, jobs: int = 1,
              progress: Progress | None = None) -> tuple[dict[str, Path], dict[str, Exception]]:
        """Fetch ``names``; (local paths by name, errors by name)."""
        wanted = expand_names(names)
        paths: dict[str, Path] = {}
        errors: dict[str, Exception] = {}

        def one(name: str) -> None:
            try:
                paths[name] = self.fetch_one(name, ignore_cache=ignore_cache, progress=progress)
            except Exception as exc:  # reported per file
                errors[name] = exc

        todo = wanted
        if self.bundles and len(wanted) > 2 and not readonly():
            todo = self._fetch_bundled(wanted, paths, one, ignore_cache, jobs, progress)
        if jobs > 1 and len(todo) > 1:
            with ThreadPoolExecutor(jobs) as pool:
                list(pool.map(carrying_overrides(one), todo))
        else:
            for name in todo:
                one(name)
        return paths, errors

    # ---- bundles ------------------------------------------------------------------------

    def _fetch_bundled(self, wanted: list[str], paths: dict[str, Path],
                       one: Callable[[str], None], ignore_cache: bool, jobs: int,
                       progress: Progress | None) -> list[str]:
        """Fetch what a bundle can deliver; the names still to fetch one by one."""
        needed = [n for n in wanted if n in self.metadata
                  and (ignore_cache or not self.path(n).exists())]
        if len(needed) < 2:
            return wanted
        first = needed[0]
        if self.bundle_url is None:  # the first download tells whether the server bundles
            one(first)
            needed = needed[1:]
            if self.bundle_url is None:
                return [n for n in wanted if n != first]
        if self.bundle_max_bytes:
            # files over half the limit go one by one; then groups of at most half the limit
            # on average plus one such file never pass the limit
            half = self.bundle_max_bytes // 2
            needed = [n for n in needed if self.size(n) <= half]
        sizes = [self.size(n) for n in needed]
        if not needed:
            return [n for n in wanted if n != first]
        # parallel bundles only pay when there are many bytes: small files go in one request
        count = min(max(1, jobs), 1 + sum(sizes) // BUNDLE_SPLIT_BYTES)
        if self.bundle_max_bytes:
            count = max(count, -(-sum(sizes) // max(1, self.bundle_max_bytes // 2)))
        groups = _groups(needed, sizes, count, self.bundle_max_names)
        if len(groups) > 1:
            with ThreadPoolExecutor(min(len(groups), max(1, jobs))) as pool:
                results = list(pool.map(carrying_overrides(
                    lambda group: self._fetch_bundle(group, ignore_cache, progress)), groups))
        else:
            results = [self._fetch_bundle(groups[0], ignore_cache, progress)]
        for result in results:
            paths.update(result)
        return [n for n in wanted if n not in paths and n != first]

    def _fetch_bundle(self, names: list[str], ignore_cache: bool,
                      progress: Progress | None) -> dict[str, Path]:
        """Files of ``names`` delivered (or found cached) through one bundle request."""
        done: dict[str, Path] = {}
        wanted = set(names)
        batch = _Batch(done)
        try:
            with self.client.stream("POST", str(self.bundle_url),
                                    json={"names": names}) as response:
                kind = response.headers.get("Content-Type", "")
                if response.status_code != 200 or not kind.startswith(BUNDLE_TYPE):
                    log.debug("bundle refused (HTTP %d); downloading one by one",
                              response.status_code)
                    if response.status_code in (404, 405):
                        self.bundle_url = None
                    return done
                frames = _Frames(response.iter_bytes())
                for _ in names:
                    line = frames.readline()
                    if not line:
                        break
                    entry = parse_line(line)
                    name, size = entry.name, entry.size
                    if size is None:
                        continue  # an error entry: fetched one by one, for its own message
                    body = frames.take(size, name, progress)
                    try:
                        if name in wanted:
                            self._stage(name, body, ignore_cache, batch)
                    finally:
                        body.drain()
                    if batch.full():
                        batch.commit()
        except (httpx.HTTPError, ValueError, OSError, CrdsDownloadError, ProtocolError) as exc:
            log.debug("bundle download stopped: %s", exc)
        finally:
            batch.commit()  # what arrived complete and verified is kept
        return done

    def _stage(self, name: str, body: _Body, ignore_cache: bool, batch: _Batch) -> None:
        """Lock, write and verify one bundled file into ``batch`` (renamed at its commit)."""
        target = self.path(name)
        size, sha1 = self._expected(self.metadata[name])
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(Path(str(target) + ".lock"), timeout=self.lock_timeout)
        try:
            lock.acquire()
        except LockTimeout:
            log.debug("'%s' is being downloaded by another process; skipped", name)
            batch.done[name] = target
            return
        try:
            if target.exists() and not ignore_cache:
                batch.done[name] = target
            else:
                batch.add(name, stage_verified(target, body, size, sha1, durable=False))
        except CrdsDownloadError as exc:  # fetched again one by one, for its own message
            log.debug("bundled '%s' rejected: %s", name, exc)
        finally:
            batch.locks.append(lock)

    def close(self) -> None:
        self.client.close()


class _Batch:
    """Verified bundle files waiting for one sync and their renames; their locks."""

    MAX_FILES = 64
    MAX_BYTES = 64 << 20

    def __init__(self, done: dict[str, Path]) -> None:
        self.done = done
        self.staged: list[tuple[str, Staged]] = []
        self.locks: list[FileLock] = []
        self.bytes = 0

    def add(self, name: str, staged: Staged) -> None:
        self.staged.append((name, staged))
        self.bytes += staged.size

    def full(self) -> bool:
        return len(self.locks) >= self.MAX_FILES or self.bytes >= self.MAX_BYTES

    def commit(self) -> None:
        """Sync once, rename every staged file, then drop the locks (and their files)."""
        try:
            commit(staged for _, staged in self.staged)
            self.done.update((name, staged.target) for name, staged in self.staged)
        except OSError as exc:
            log.debug("bundle files not committed: %s", exc)
        finally:
            for lock in self.locks:
                _unlink_quietly(lock.path)  # removed while still held, as filelock does
                lock.release()
            self.staged, self.locks, self.bytes = [], [], 0


def _groups(names: list[str], sizes: list[int], count: int,
            max_names: int = BUNDLE_MAX_NAMES) -> list[list[str]]:
    """``names`` in about ``count`` groups of similar total size (largest first), each of at
    most ``max_names``; order within a group follows ``names``."""
    count = max(count, -(-len(names) // max_names))
    totals = [0] * count
    members: list[list[int]] = [[] for _ in range(count)]
    for index in sorted(range(len(names)), key=lambda i: -sizes[i]):
        group = min((g for g in range(count) if len(members[g]) < max_names),
                    key=lambda g: (totals[g], len(members[g])))
        totals[group] += sizes[index] + 512  # a per-file cost, so small files spread too
        members[group].append(index)
    return [[names[i] for i in sorted(group)] for group in members if group]


class _Frames:
    """Reads a bundle response: header lines and exact byte counts from a block iterator."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._buffer = bytearray()
        self._pos = 0

    def _more(self) -> bool:
        block = next(self._blocks, None)
        if block is None:
            return False
        if self._pos:
            del self._buffer[:self._pos]
            self._pos = 0
        self._buffer += block
        return True

    def readline(self) -> bytes:
        """The next line without its newline; b"" at the end of the stream."""
        while (end := self._buffer.find(b"\n", self._pos)) < 0:
            if len(self._buffer) - self._pos > LINE_LIMIT:
                raise CrdsDownloadError("malformed bundle: header line too long")
            if not self._more():
                if len(self._buffer) > self._pos:
                    raise CrdsDownloadError("bundle ended inside a header line")
                return b""
        line = bytes(self._buffer[self._pos:end])
        self._pos = end + 1
        return line

    def take(self, size: int, name: str, progress: Progress | None) -> _Body:
        return _Body(self, size, name, progress)

    def read_some(self, limit: int) -> bytes:
        """Up to ``limit`` bytes (at least one unless the stream ended)."""
        if self._pos >= len(self._buffer) and not self._more():
            raise CrdsDownloadError("bundle ended inside a file")
        block = bytes(self._buffer[self._pos:self._pos + limit])
        self._pos += len(block)
        return block


class _Body:
    """The ``size`` bytes of one bundled file, as blocks; ``drain`` skips what is unread."""

    def __init__(self, frames: _Frames, size: int, name: str, progress: Progress | None):
        self._frames, self._left, self._name, self._progress = frames, size, name, progress

    def __iter__(self) -> Iterator[bytes]:
        while self._left > 0:
            block = self._frames.read_some(min(self._left, CHUNK))
            self._left -= len(block)
            if self._progress:
                self._progress(self._name, len(block))
            yield block

    def drain(self) -> None:
        while self._left > 0:
            self._left -= len(self._frames.read_some(min(self._left, CHUNK)))


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
