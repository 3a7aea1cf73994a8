"""``crds_encode``/``crds_decode``: large JSON values sent as base64(gzip(json))
(PROTOCOL.md §5)."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from typing import Any

from .errors import ProtocolError

ENCODED_KEY = "crds_encoded"
PAYLOAD_KEY = "crds_payload"
ENCODING_VERSION = "1.0"


def crds_encode(value: Any, compresslevel: int = 9) -> dict[str, str]:
    """``{"crds_encoded": "1.0", "crds_payload": base64(gzip(json(value)))}``."""
    raw = json.dumps(value).encode("utf-8")
    payload = base64.b64encode(gzip.compress(raw, compresslevel=compresslevel))
    return {ENCODED_KEY: ENCODING_VERSION, PAYLOAD_KEY: payload.decode("ascii")}


def is_encoded(value: Any) -> bool:
    """True for an object that ``crds_decode`` expands (any dict with ``crds_encoded``)."""
    return isinstance(value, dict) and ENCODED_KEY in value


def crds_decode(value: Any) -> Any:
    """Expand a ``crds_encoded`` object; anything else unchanged. ProtocolError when the
    payload is missing or is not base64 gzip JSON."""
    if not is_encoded(value):
        return value
    payload = value.get(PAYLOAD_KEY)
    if not isinstance(payload, (str, bytes)):
        raise ProtocolError(f"crds_encoded object has no '{PAYLOAD_KEY}' string")
    try:
        return json.loads(gzip.decompress(base64.b64decode(payload)))
    except (binascii.Error, OSError, EOFError, zlib.error) as exc:
        raise ProtocolError(f"'{PAYLOAD_KEY}' is not base64 gzip data: {exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"'{PAYLOAD_KEY}' does not hold JSON: {exc}") from None
