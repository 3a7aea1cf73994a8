"""The checks of a sync: synced files against the server catalog (TOOLS.md §4.7), repairs,
rejected and blacklisted files, and purging cached files outside the selected contexts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..protocol import ServerInfo
    from .sync import SyncOptions

log = logging.getLogger("opencrds")

#: The catalog fields a check compares.
INFO_FIELDS = ["size", "rejected", "blacklisted", "state", "sha1sum"]
#: File states that raise no warning.
GOOD_STATES = ("archived", "operational", "delivered", "latest")


class SyncChecks:
    """Mixed into the syncer, which supplies ``options``, ``client``, ``info``,
    ``observatory`` and ``error(message, *values)``."""

    options: SyncOptions
    client: Any
    info: ServerInfo
    observatory: str

    def error(self, message: str, *values: Any) -> None:
        raise NotImplementedError

    def verify(self, downloader: Any, files: list[str]) -> None:
        """Compare local files with the server catalog (TOOLS.md §4.7); remove rejected and
        blacklisted files with --purge-rejected / --purge-blacklisted."""
        from ..cache.paths import readonly
        from ..cache.storage import remove

        catalog = self.client.call("get_file_info_map", self.observatory, sorted(set(files)),
                                   INFO_FIELDS)
        bad = self.info.bad_files
        repair: list[str] = []
        for i, name in enumerate(files, 1):
            entry = catalog.get(name)
            path = downloader.path(name)
            log.debug("Verifying %s %s (%d / %d files)", name, path, i, len(files))
            if not isinstance(entry, dict):
                self.error("CRDS has no record of file '%s'", name)
                continue
            if not path.exists():
                if name not in bad:
                    self.error("File '%s' doesn't exist at '%s'", name, path)
                    repair.append(name)
                continue
            if not self.check_contents(name, path, entry):
                repair.append(name)
            if entry.get("state") and entry["state"] not in GOOD_STATES:
                log.warning("File '%s' has an unusual CRDS file state %r", name, entry["state"])
            if self.purged_as_bad(name, path, entry) and name in repair:
                repair.remove(name)
        if self.options.repair_files and repair and not readonly():
            for name in repair:
                log.info("Repairing file '%s'", downloader.path(name))
                remove(downloader.path(name))
            _, errors = downloader.fetch(repair)
            for name, exc in errors.items():
                self.error("Repair of '%s' failed: %s", name, exc)

    def check_contents(self, name: str, path: Path, entry: dict[str, Any]) -> bool:
        """Size, then (mappings, or with --check-sha1sum) sha1 against the catalog."""
        from ..cache.storage import sha1_of
        from ..rules.naming import is_mapping

        size = str(entry.get("size", ""))
        if size.isdigit() and int(size) != path.stat().st_size:
            self.error("File '%s' length mismatch LOCAL size='%d' CRDS size='%s'", name,
                       path.stat().st_size, size)
            return False
        if is_mapping(name) or self.options.check_sha1sum:
            crds_sha1 = str(entry.get("sha1sum", "none"))
            if crds_sha1.lower() == "none":
                log.warning("CRDS doesn't know the checksum for '%s'", name)
            elif (local := sha1_of(path)) != crds_sha1:
                self.error("File '%s' checksum mismatch CRDS=%r LOCAL=%r", name, crds_sha1,
                           local)
                return False
        return True

    def purged_as_bad(self, name: str, path: Path, entry: dict[str, Any]) -> bool:
        """Report a rejected or blacklisted file (verbosity 60) and remove it when asked."""
        from ..cache.purge import purge_file

        flags = [(str(entry.get("rejected", "false")).lower() != "false",
                  self.options.purge_rejected, "File '%s' has been explicitly rejected."),
                 (str(entry.get("blacklisted", "false")).lower() != "false",
                  self.options.purge_blacklisted,
                  "File '%s' has been blacklisted or depends on a blacklisted file.")]
        purged = False
        for flagged, purge, message in flags:
            if not flagged:
                continue
            if self.options.warn_bad_files:  # a verbose warning in CRDS (TOOLS.md §4.7)
                log.warning(message, name)
            if purge and not purged:
                purged = purge_file(path, self.observatory)
        return purged

    def purge(self, branch: str, keep: set[str]) -> None:
        from ..cache.organize import cached_references
        from ..cache.paths import branch_dir
        from ..cache.purge import purge_file

        if branch == "mappings":
            folder = branch_dir("mappings", self.observatory)
            cached = sorted(folder.glob("*.[pir]map")) if folder.is_dir() else []
        else:
            cached = cached_references(self.observatory)
            keep = keep | {n[:-1] + "d" for n in keep if n[-3:-2] == "r" and n.endswith("h")}
        for path in cached:
            if path.name not in keep:
                log.info("Purging %s '%s'", branch[:-1], path)
                purge_file(path, self.observatory)
