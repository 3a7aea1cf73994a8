"""Running the datasets of ``opencrds bestrefs``: in this process or in a pool of workers.

Each worker loads the contexts once (under ``fork`` it inherits them already parsed) and
returns :class:`Outcome` objects; outcomes come back in source order, so the messages, the
results and the exit status are the same whatever the number of processes. A rich progress bar
shows on a terminal for large batches; log lines are printed above it meanwhile.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..common import LOGGER_NAME
from .compare import Outcome, Processor, Settings
from .sources import DatasetSource

#: Batches at least this large get a progress bar on a terminal (unless --no-progress).
PROGRESS_THRESHOLD = 200
_worker: Processor | None = None


def _init_worker(settings: Settings) -> None:
    """Pool initializer: load the contexts once for this worker."""
    global _worker
    _worker = Processor(settings)


def _work(source: DatasetSource) -> Outcome:
    assert _worker is not None, "worker not initialized"
    return _worker.process(source)


def _pool_context() -> Any:
    """``fork`` where there is one (workers share the parsed contexts), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def want_progress(requested: bool | None, total: int) -> bool:
    """Whether to show a progress bar: as requested, else for large batches on a terminal."""
    if requested is not None:
        return requested
    return total >= PROGRESS_THRESHOLD and sys.stderr.isatty() and sys.stdout.isatty()


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Callable[[], None]]:
    """A function advancing a rich progress bar on stderr by one dataset (or doing nothing)."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(file=sys.stderr)
    progress = Progress(TextColumn("bestrefs"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                        transient=True, redirect_stdout=False, redirect_stderr=False)
    task = progress.add_task("datasets", total=total)
    handlers = [h for h in logging.getLogger(LOGGER_NAME).handlers
                if isinstance(h, logging.StreamHandler) and h.stream is sys.stderr]
    with progress:
        proxy = _ConsoleStream(console)
        saved = [(h, h.setStream(proxy)) for h in handlers]  # type: ignore[arg-type]
        try:
            yield lambda: progress.advance(task)
        finally:
            for handler, stream in saved:
                handler.setStream(stream)


class _ConsoleStream:
    """A text stream printing through a rich console, above its live progress bar."""

    def __init__(self, console: Any) -> None:
        self.console = console

    def write(self, text: str) -> int:
        self.console.print(text.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        pass


def run_batch(settings: Settings, sources: Sequence[DatasetSource], processor: Processor,
              processes: int, show_progress: bool,
              handle: Callable[[Outcome], None]) -> None:
    """Process ``sources`` in order, calling ``handle`` with each outcome as it comes back."""
    parallel = processes > 1 and len(sources) >= 2 * processes
    pool = None
    if parallel:
        context = _pool_context()
        if context.get_start_method() == "fork":
            processor.preload()  # the workers inherit the parsed rules instead of each parsing
        pool = context.Pool(processes, initializer=_init_worker, initargs=(settings,))
    try:
        with progress_bar(len(sources), show_progress) as advance:
            if pool is None:
                outcomes: Iterator[Outcome] = map(processor.process, sources)
            else:
                chunk = max(1, min(100, len(sources) // (processes * 8)))
                outcomes = pool.imap(_work, sources, chunksize=chunk)
            for outcome in outcomes:
                handle(outcome)
                advance()
        if pool is not None:
            pool.close()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
