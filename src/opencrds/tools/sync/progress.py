"""The progress bar ``opencrds sync`` shows on a terminal: files done, bytes and rate."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn


class TransferBar:
    """A rich progress bar on stderr, fed by the downloader's ``progress(name, nbytes)`` calls
    (from several threads); it is removed from the screen when the transfer ends."""

    def __init__(self, sizes: Mapping[str, int]) -> None:
        self._sizes = dict(sizes)
        self._received: Counter[str] = Counter()
        self._finished = 0
        self._lock = threading.Lock()
        self._bar = Progress("[progress.description]{task.description}", BarColumn(),
                             DownloadColumn(), TransferSpeedColumn(), transient=True,
                             console=Console(stderr=True))
        self._task = self._bar.add_task(self._description(), total=sum(self._sizes.values()))

    def _description(self) -> str:
        return f"Fetching {self._finished}/{len(self._sizes)} files"

    def __call__(self, name: str, count: int) -> None:
        with self._lock:
            size = self._sizes.get(name, 0)
            before = self._received[name]
            self._received[name] = before + count
            if before < size <= before + count:
                self._finished += 1
            self._bar.update(self._task, advance=count, description=self._description())

    def __enter__(self) -> TransferBar:
        self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._bar.stop()
