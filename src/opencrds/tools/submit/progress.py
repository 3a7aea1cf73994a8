"""Upload progress: a rich bar per file on a terminal, else one INFO line per file."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TransferSpeedColumn

log = logging.getLogger("opencrds")


class UploadProgress:
    """``progress(name, nbytes)`` callback of the uploads; ``start(path)`` before each file.

    ``bars`` (default: whether stderr is a terminal) chooses rich bars over log lines."""

    def __init__(self, paths: Sequence[Path], bars: bool | None = None) -> None:
        self.bars = sys.stderr.isatty() if bars is None else bars
        self.sent: dict[str, int] = {}
        self._tasks: dict[str, TaskID] = {}
        self._bar: Progress | None = None
        if self.bars:
            self._bar = Progress("[progress.description]{task.description}", BarColumn(),
                                 DownloadColumn(), TransferSpeedColumn(),
                                 console=Console(stderr=True))
            for path in paths:
                self._tasks[path.name] = self._bar.add_task(
                    f"Uploading {path.name}", total=path.stat().st_size, start=False)

    def start(self, path: Path) -> None:
        """``path`` starts uploading."""
        if self._bar is not None and path.name in self._tasks:
            self._bar.start_task(self._tasks[path.name])
        else:
            log.info("Uploading '%s' (%d bytes).", path.name, path.stat().st_size)

    def __call__(self, name: str, count: int) -> None:
        self.sent[name] = self.sent.get(name, 0) + count
        if self._bar is not None and name in self._tasks:
            self._bar.update(self._tasks[name], advance=count)

    def __enter__(self) -> UploadProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
