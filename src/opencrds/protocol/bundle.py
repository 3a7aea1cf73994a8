"""The OpenCRDS bundle protocol: many files in one response (an extension of the CRDS wire).

A file download advertises the endpoint in ``X-OpenCRDS-Bundle: <path>`` and its limits in
``X-OpenCRDS-Bundle-Limits: names=N, bytes=M``. The client POSTs ``{"names": [...]}``; the
answer (``application/x-opencrds-bundle``) is, per name in order, one JSON header line
``{"name", "size", "sha1sum"}`` followed by exactly ``size`` bytes, or one line
``{"name", "error"}`` for a file that cannot be served.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .errors import ProtocolError

BUNDLE_HEADER = "X-OpenCRDS-Bundle"
BUNDLE_LIMITS_HEADER = "X-OpenCRDS-Bundle-Limits"
BUNDLE_TYPE = "application/x-opencrds-bundle"
#: Longest header line a reader accepts.
LINE_LIMIT = 1 << 16
#: Largest block a file body is read in.
READ_BLOCK = 8 << 20


class BundleFormatError(ProtocolError):
    """A bundle response or header does not follow the bundle format."""


@dataclass(frozen=True)
class BundleLimits:
    """What one bundle may carry; ``None`` where the server did not say."""

    names: int | None = None
    bytes: int | None = None


def format_limits(names: int, size: int) -> str:
    """The ``X-OpenCRDS-Bundle-Limits`` value: ``names=N, bytes=M``."""
    return f"names={names}, bytes={size}"


def parse_limits(text: str) -> BundleLimits:
    """The limits of an ``X-OpenCRDS-Bundle-Limits`` value; unknown words, and values that
    are not positive integers, are ignored (a newer server may say more)."""
    found: dict[str, int] = {}
    for item in text.split(","):
        key, _, value = item.strip().partition("=")
        if value.strip().isdigit() and int(value) > 0 and key in ("names", "bytes"):
            found[key] = int(value)
    return BundleLimits(**found)


# ---- the frame format -----------------------------------------------------------------------

def _line(value: dict[str, object]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8") + b"\n"


def file_line(name: str, size: int, sha1sum: str) -> bytes:
    """The header line sent before the ``size`` bytes of a file."""
    return _line({"name": name, "size": size, "sha1sum": sha1sum})


def error_line(name: str, error: str) -> bytes:
    """The line sent instead of a file that cannot be served."""
    return _line({"name": name, "error": error})


@dataclass(frozen=True)
class Entry:
    """One header line: a file of ``size`` bytes follows, or (``size`` None) ``error``."""

    name: str
    size: int | None
    sha1sum: str = ""
    error: str = ""


def parse_line(line: bytes) -> Entry:
    """The entry of one header line; BundleFormatError when it is not a JSON object."""
    try:
        head = json.loads(line)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleFormatError(f"malformed bundle: header line is not JSON: {exc}") from None
    if not isinstance(head, dict):
        raise BundleFormatError("malformed bundle: header line is not a JSON object")
    size = head.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        size = None
    return Entry(str(head.get("name", "")), size, str(head.get("sha1sum") or ""),
                 str(head.get("error") or ""))


Progress = Callable[[str, int], None]


class FrameReader:
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
                raise BundleFormatError("malformed bundle: header line too long")
            if not self._more():
                if len(self._buffer) > self._pos:
                    raise BundleFormatError("bundle ended inside a header line")
                return b""
        line = bytes(self._buffer[self._pos:end])
        self._pos = end + 1
        return line

    def next_entry(self) -> Entry | None:
        """The next header line parsed; None at the end of the stream."""
        line = self.readline()
        return parse_line(line) if line else None

    def take(self, size: int, name: str, progress: Progress | None = None) -> Body:
        """The next ``size`` bytes, the body of file ``name``."""
        return Body(self, size, name, progress)

    def read_some(self, limit: int) -> bytes:
        """Up to ``limit`` bytes (at least one unless the stream ended)."""
        if self._pos >= len(self._buffer) and not self._more():
            raise BundleFormatError("bundle ended inside a file")
        block = bytes(self._buffer[self._pos:self._pos + limit])
        self._pos += len(block)
        return block


class Body:
    """The ``size`` bytes of one bundled file, as blocks; ``drain`` skips what is unread."""

    def __init__(self, frames: FrameReader, size: int, name: str,
                 progress: Progress | None) -> None:
        self._frames, self._left, self._name, self._progress = frames, size, name, progress

    def __iter__(self) -> Iterator[bytes]:
        while self._left > 0:
            block = self._frames.read_some(min(self._left, READ_BLOCK))
            self._left -= len(block)
            if self._progress:
                self._progress(self._name, len(block))
            yield block

    def drain(self) -> None:
        while self._left > 0:
            self._left -= len(self._frames.read_some(min(self._left, READ_BLOCK)))
