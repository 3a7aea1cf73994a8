"""The ``get_sqlite_db`` answer: an SQLite file as base64(zlib(bytes)) (PROTOCOL.md §6)."""

from __future__ import annotations

import base64
import binascii
import zlib

from .errors import ProtocolError

SQLITE_MAGIC = b"SQLite format 3\x00"


class CatalogEncodingError(ProtocolError):
    """The server's answer is not a base64, zlib-compressed SQLite file."""


def encode_catalog_db(data: bytes, level: int = 6) -> str:
    """base64 of the zlib-compressed database bytes (the server's side)."""
    return base64.b64encode(zlib.compress(data, level)).decode("ascii")


def decode_catalog_db(encoded: str) -> bytes:
    """The SQLite bytes of a ``get_sqlite_db`` answer (the client's side)."""
    try:
        data = zlib.decompress(base64.b64decode(encoded, validate=False))
    except (binascii.Error, zlib.error, TypeError, ValueError) as exc:
        raise CatalogEncodingError(f"get_sqlite_db answer is not base64 zlib data: {exc}") from None
    if not data.startswith(SQLITE_MAGIC):
        raise CatalogEncodingError("get_sqlite_db answer is not an SQLite database")
    return data
