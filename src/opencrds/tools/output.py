"""The files tools write (rmaps, contexts, id lists) replace their targets atomically with
mode ``0o644``, through the one primitive of :mod:`opencrds.atomic`."""

from __future__ import annotations

import os

from .. import atomic


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8); on any failure the old file is left untouched."""
    atomic.write_text_atomic(path, text, mode=0o644)
