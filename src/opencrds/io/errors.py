"""The error type of the header readers and writer."""

from __future__ import annotations

import os

from ..rules.errors import CrdsError


def one_line(text: str) -> str:
    """Collapse whitespace runs (newlines included) so a message stays on one line."""
    return " ".join(str(text).split())


class HeaderError(CrdsError):
    """A header could not be read.

    ``str(exc)`` is one line naming the file and the problem, e.g.
    ``cannot read FITS header of 'x.fits': Header missing END card.``
    """

    def __init__(self, path: str | os.PathLike[str], problem: str, kind: str = "") -> None:
        self.path = os.fspath(path)
        self.problem = one_line(problem)
        self.kind = kind
        super().__init__(self._message())

    def _message(self) -> str:
        what = f"{self.kind} header" if self.kind else "header"
        return f"cannot read {what} of '{self.path}': {self.problem}"


class BestrefsWriteError(HeaderError):
    """Best references could not be written into a dataset (the dataset is left unchanged)."""

    def _message(self) -> str:
        return f"cannot write best references into '{self.path}': {self.problem}"
