"""Downloading CRDS files into the cache (TOOLS.md §4.5): one lock per file, a temp name in
the target directory, size and sha1 verified against ``download_metadata``, then rename."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from ..cache.locking import FileLock, LockTimeout
from ..cache.paths import env_flag, file_path, readonly
from ..cache.storage import CrdsDownloadError, ReadonlyCacheError, write_verified
from ..rules.naming import is_mapping
from .serverinfo import download_metadata

log = logging.getLogger("opencrds")
CHUNK = 8 << 20
_GEIS_HEADER = re.compile(r"\.r\dh$")
Progress = Callable[[str, int], None]


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


def file_url(name: str, observatory: str, info: dict[str, Any]) -> str:
    """``$CRDS_<KIND>_URI/name`` or the server-info URL of the file's kind + ``/name``."""
    kind, section = (("MAPPING", "mapping_url") if is_mapping(name)
                     else ("PICKLE", "pickle_url") if name.endswith(".pkl")
                     else ("CONFIG", "config_url") if name == "server_config"
                     else ("REFERENCE", "reference_url"))
    base = os.environ.get(f"CRDS_{kind}_URI")
    if not base:
        urls = info.get(section) or {}
        base = urls.get(observatory) if isinstance(urls, dict) else None
        if not base:
            raise CrdsDownloadError(f"no download URL for '{name}' in server info")
    return base.rstrip("/") + "/" + name


class Downloader:
    """Fetches files of one observatory into the cache, verified, atomically."""

    def __init__(self, observatory: str, info: dict[str, Any], *, lock_timeout: float = 5.0,
                 client: httpx.Client | None = None) -> None:
        self.observatory = observatory
        self.info = info
        self.metadata = download_metadata(info)
        self.lock_timeout = lock_timeout
        retries = os.environ.get("CRDS_CLIENT_RETRY_COUNT", "1")
        self.retries = max(1, int(retries)) if retries.isdigit() else 1
        self.delay = float(os.environ.get("CRDS_CLIENT_RETRY_DELAY_SECONDS", "0") or 0)
        self.client = client or httpx.Client(timeout=httpx.Timeout(60.0, read=600.0))

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
            for block in response.iter_bytes(CHUNK):
                if progress:
                    progress(name, len(block))
                yield block

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
        size = int(meta["size"]) if env_flag_default("CRDS_DOWNLOAD_LENGTHS") else None
        sha1 = str(meta.get("sha1sum") or "") if env_flag_default("CRDS_DOWNLOAD_CHECKSUMS") \
            else None
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

    def _download(self, name: str, url: str, target: Path, size: int | None,
                  sha1: str | None, progress: Progress | None) -> None:
        last: Exception | None = None
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.delay)
            try:
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

        if jobs > 1 and len(wanted) > 1:
            with ThreadPoolExecutor(jobs) as pool:
                list(pool.map(one, wanted))
        else:
            for name in wanted:
                one(name)
        return paths, errors

    def close(self) -> None:
        self.client.close()


def env_flag_default(name: str) -> bool:
    """A boolean variable that defaults to true (``CRDS_DOWNLOAD_*``)."""
    value = os.environ.get(name)
    return True if value is None or value == "" else env_flag(name)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
