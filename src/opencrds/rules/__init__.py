"""The rules engine: parse, select, write and checksum CRDS mappings (pure: no I/O, no HTTP).

Typical use goes through :func:`opencrds.load_context`; this package holds the pieces:

* :func:`parse_mapping_text` — safe parser for .pmap/.imap/.rmap text;
* :class:`MappingLoader` — loads mappings by name from any text source, sharing them;
* :class:`PipelineContext`, :class:`InstrumentContext`, :class:`ReferenceMapping` — selection;
* :func:`get_best_references` — the conditioned lookup a pipeline uses;
* :func:`format_mapping`, :func:`write_with_checksum`, :func:`mapping_checksum` — writing;
* :mod:`.naming` — mapping and reference names, serial numbers.
"""

from .checksum import mapping_checksum, verify_checksum
from .conditioning import conditioned_header, get_best_references
from .errors import (
    ChecksumError,
    CrdsError,
    MappingError,
    MissingInstrumentError,
    UnknownInstrumentError,
    UnknownReftypeError,
)
from .loader import MappingLoader
from .mappings import BaseMapping, InstrumentContext, PipelineContext, ReferenceMapping
from .parser import ParsedMapping, SelectorCall, parse_literal, parse_mapping_text
from .values import condition_value
from .writer import format_mapping, write_with_checksum

__all__ = [
    "BaseMapping",
    "ChecksumError",
    "CrdsError",
    "InstrumentContext",
    "MappingError",
    "MappingLoader",
    "MissingInstrumentError",
    "ParsedMapping",
    "PipelineContext",
    "ReferenceMapping",
    "SelectorCall",
    "UnknownInstrumentError",
    "UnknownReftypeError",
    "conditioned_header",
    "condition_value",
    "format_mapping",
    "get_best_references",
    "mapping_checksum",
    "parse_literal",
    "parse_mapping_text",
    "verify_checksum",
    "write_with_checksum",
]
