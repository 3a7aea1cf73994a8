"""What server info says about downloads (PROTOCOL.md §3.2, §4.1): per-kind base URLs and
``download_metadata``, ``{name: {"sha1sum": str, "size": str}}`` sent ``crds_encoded``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..rules.naming import is_mapping
from .errors import ProtocolError
from .payloads import crds_decode, crds_encode

#: The server-info keys holding per-observatory download base URLs.
URL_KEYS = ("reference_url", "mapping_url", "config_url", "pickle_url")
#: The metadata fields of each downloadable file (both values are strings on the wire).
SHA1_FIELD, SIZE_FIELD = "sha1sum", "size"
METADATA_FIELDS = [SHA1_FIELD, SIZE_FIELD]


def url_kind(name: str) -> tuple[str, str]:
    """(``CRDS_<KIND>_URI`` kind, server-info URL key) that file ``name`` downloads from."""
    if is_mapping(name):
        return "MAPPING", "mapping_url"
    if name.endswith(".pkl"):
        return "PICKLE", "pickle_url"
    if name == "server_config":
        return "CONFIG", "config_url"
    return "REFERENCE", "reference_url"


def branch_urls(base: str, branch: str, observatory: str) -> dict[str, dict[str, str]]:
    """``{"checked": {obs: url}, "unchecked": {obs: url}}`` of ``<base>/unchecked_get/<branch>/
    <obs>/``, the shape the server sends."""
    url = f"{base}/unchecked_get/{branch}/{observatory}/"
    return {"checked": {observatory: url}, "unchecked": {observatory: url}}


def unpack_urls(value: Any) -> Any:
    """The ``unchecked`` part of a URL value that has one (what the client keeps); anything
    else unchanged."""
    if isinstance(value, dict) and "unchecked" in value:
        return value["unchecked"]
    return value


def file_entry(sha1sum: str | None, size: int | str) -> dict[str, str]:
    """One file's metadata as the wire has it: strings, ``"none"`` for an unknown sha1."""
    return {SHA1_FIELD: sha1sum or "none", SIZE_FIELD: str(size)}


def encode_metadata(files: Iterable[tuple[str, str | None, int | str]],
                    compresslevel: int = 9) -> dict[str, str]:
    """``download_metadata`` of (name, sha1sum, size) triples, ``crds_encoded``."""
    return crds_encode({name: file_entry(sha1, size) for name, sha1, size in files},
                       compresslevel)


def decode_metadata(value: Any) -> dict[str, dict[str, Any]]:
    """``{name: {"size", "sha1sum"}}`` of a ``download_metadata`` value, encoded or plain
    (``{}`` when absent); ProtocolError when it is neither."""
    decoded = crds_decode(value or {})
    if not isinstance(decoded, Mapping):
        raise ProtocolError(f"download_metadata must be an object of files, got "
                            f"{type(decoded).__name__}")
    return dict(decoded)
