"""Mapping checksums (RULES.md §7).

The ``sha1sum`` header value of a mapping is the SHA-1 of the file's text with every line that
contains the substring ``sha1sum`` removed. The raw text is hashed, not a re-serialization, so
hand-written files verify as long as their text is unchanged.

Real HST rules total ~80 MB and are checked on every load, so lines are never iterated in
Python: the few ``sha1sum`` occurrences are located with ``str.find`` and cut out, and the
pieces in between are hashed as they are.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import ChecksumError

SHA1SUM_KEY = "sha1sum"

# ``'sha1sum' : '<value>'`` (either quote style) in mapping text; group 1 ends before the value.
_SHA1SUM_ENTRY_RE = re.compile(r"""((['"])sha1sum\2[ \t]*:[ \t]*)(['"])[^'"\r\n]*\3""")


def normalize_newlines(text: str) -> str:
    """Apply universal-newline translation: ``\\r\\n`` and lone ``\\r`` become ``\\n``."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _kept_spans(text: str) -> Iterator[tuple[int, int] | str]:
    """Yield the parts of ``text`` to hash: (start, end) spans, or rebuilt strings.

    Every line (as split by ``str.splitlines(keepends=True)``) that contains ``sha1sum`` is
    left out together with its terminator. ``text`` must already have universal newlines.
    """
    find = text.find
    pos = 0
    hit = find(SHA1SUM_KEY)
    while hit >= 0:
        # Bound the physical line by '\n'; within it, splitlines() finds any other separators
        # (\v, \f, \x1c-\x1e, \x85, \u2028, \u2029), so the exact splitlines() semantics hold.
        start = text.rfind("\n", pos, hit) + 1 or pos
        newline = find("\n", hit)
        end = len(text) if newline < 0 else newline + 1
        yield pos, start
        segment = text[start:end]
        kept = "".join(line for line in segment.splitlines(True) if SHA1SUM_KEY not in line)
        if kept:
            yield kept
        pos = end
        hit = find(SHA1SUM_KEY, pos)
    yield pos, len(text)


def mapping_checksum(text: str) -> str:
    """SHA-1 hex digest (lower case) of mapping ``text`` without its ``sha1sum`` lines."""
    text = normalize_newlines(text)
    digest = hashlib.sha1()
    # ASCII text (every real mapping) is encoded once; character offsets are byte offsets.
    data = memoryview(text.encode("ascii")) if text.isascii() else None
    for part in _kept_spans(text):
        if isinstance(part, str):
            digest.update(part.encode("utf-8"))
        elif data is not None:
            digest.update(data[part[0] : part[1]])
        elif part[1] > part[0]:
            digest.update(text[part[0] : part[1]].encode("utf-8"))
    return digest.hexdigest()


def verify_checksum(text: str, header: Mapping[str, Any], filename: str) -> None:
    """Raise :class:`ChecksumError` unless ``header['sha1sum']`` matches ``text``.

    The stored value is compared case-insensitively: CRDS reads header strings back in lower
    case, so an upper-case digest verifies there too.
    """
    basename = os.path.basename(filename)
    if SHA1SUM_KEY not in header:
        raise ChecksumError(f"sha1sum is missing in '{basename}'", filename)
    stored = header[SHA1SUM_KEY]
    if not isinstance(stored, str) or stored.lower() != mapping_checksum(text):
        raise ChecksumError(f"sha1sum mismatch in '{basename}'", filename)


def update_checksum(text: str) -> str:
    """Return ``text`` with its header ``'sha1sum' : '...'`` value set to the correct digest.

    The sha1sum line is not part of the hash, so the digest is computed first and then written
    in place. Raises :class:`ValueError` if the text has no sha1sum entry to rewrite.
    """
    text = normalize_newlines(text)
    match = _SHA1SUM_ENTRY_RE.search(text)
    if match is None:
        raise ValueError("mapping text has no 'sha1sum' header entry to update")
    quote = match.group(3)
    new_entry = match.group(1) + quote + mapping_checksum(text) + quote
    return text[: match.start()] + new_entry + text[match.end() :]
