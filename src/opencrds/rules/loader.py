"""Loading mappings by name through a text source, parsing each distinct file once.

The loader knows nothing about where text comes from: it is given a ``read_text(name)``
function (the cache layer supplies one that reads a CRDS cache directory).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .checksum import verify_checksum
from .conventions import Conventions, conventions_for
from .errors import MappingError
from .mappings import BaseMapping, build_mapping
from .parser import parse_mapping_text

TextSource = Callable[[str], str]


class MappingLoader:
    """Loads and shares immutable mapping objects by file name."""

    def __init__(
        self,
        read_text: TextSource,
        *,
        ignore_checksum: bool = False,
        conventions: Callable[[str], Conventions] = conventions_for,
    ) -> None:
        self._read_text = read_text
        self.ignore_checksum = ignore_checksum
        self._conventions = conventions
        self._mappings: dict[str, BaseMapping] = {}
        self._parse_memo: dict[Any, Any] = {}
        self._selector_memo: dict[Any, Any] = {}
        self._lock = threading.RLock()

    def load(self, name: str) -> BaseMapping:
        """The mapping called ``name`` (a basename such as ``jwst_0541.pmap``)."""
        mapping = self._mappings.get(name)
        if mapping is None:
            with self._lock:
                mapping = self._mappings.get(name)
                if mapping is None:
                    mapping = self.from_text(self._read_text(name), name)
                    self._mappings[name] = mapping
        return mapping

    def from_text(self, text: str, name: str) -> BaseMapping:
        """Parse, verify and build the mapping ``name`` from ``text`` (not cached)."""
        basename = name.rsplit("/", 1)[-1]
        try:
            parsed = parse_mapping_text(text, basename, self._parse_memo)
        except RecursionError:
            raise MappingError("mapping is nested too deeply", basename) from None
        if not self.ignore_checksum:
            verify_checksum(text, parsed.header, basename)
        observatory = parsed.header.get("observatory")
        if not isinstance(observatory, str):
            raise MappingError("Required header key 'observatory' is missing.", basename)
        try:
            return build_mapping(
                basename, parsed, self._conventions(observatory), self.load, self._selector_memo
            )
        # also the rules' own ValueErrors (DateFormatError, ExpressionSyntaxError, ...)
        except (ValueError, TypeError, KeyError) as exc:
            raise MappingError(f"invalid mapping: {exc}", basename) from None

    def loaded_names(self) -> list[str]:
        """Names of the mappings loaded so far."""
        return sorted(self._mappings)
