"""Helpers for the opencrds.io tests: tiny FITS/GEIS files built in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

BLOCK = 2880


def card_bytes(lines: Sequence[str]) -> bytes:
    """80-column card images, padded to whole FITS blocks (``END`` is not added)."""
    raw = b"".join(line.ljust(80).encode("ascii") for line in lines)
    return raw.ljust(-(-len(raw) // BLOCK) * BLOCK or BLOCK, b" ")


@pytest.fixture
def raw_fits(tmp_path: Path) -> Callable[..., Path]:
    """Write a FITS file from literal card lines: ``raw_fits("x.fits", [cards...], [cards...])``."""

    def make(name: str, *hdus: Sequence[str], data: bytes = b"") -> Path:
        path = tmp_path / name
        path.write_bytes(b"".join(card_bytes([*cards, "END"]) for cards in hdus) + data)
        return path

    return make


@pytest.fixture
def text_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file with the given text (or bytes) and return its path."""

    def make(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return make
