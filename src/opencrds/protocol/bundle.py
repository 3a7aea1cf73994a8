"""The OpenCRDS bundle protocol: many files in one response (an extension of the CRDS wire).

A file download advertises the endpoint in ``X-OpenCRDS-Bundle: <path>`` and its limits in
``X-OpenCRDS-Bundle-Limits: names=N, bytes=M``. The client POSTs ``{"names": [...]}``; the
answer (``application/x-opencrds-bundle``) is, per name in order, one JSON header line
``{"name", "size", "sha1sum"}`` followed by exactly ``size`` bytes, or one line
``{"name", "error"}`` for a file that cannot be served.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .errors import ProtocolError

BUNDLE_HEADER = "X-OpenCRDS-Bundle"
BUNDLE_LIMITS_HEADER = "X-OpenCRDS-Bundle-Limits"
BUNDLE_TYPE = "application/x-opencrds-bundle"
#: Longest header line a reader need accept.
LINE_LIMIT = 1 << 16


class BundleFormatError(ProtocolError):
    """A bundle header line does not follow the bundle format."""


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
