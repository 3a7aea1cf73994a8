"""The wire protocol both ends must agree on, defined once (PROTOCOL.md): the JSON-RPC 1.0
envelope, ``crds_encode``/``crds_decode``, download metadata and URLs, typed server info, the
OpenCRDS bundle format and the SQLite catalog codec.

A layer beside ``io``: it imports only ``rules``, never Django or httpx, so the client
(``opencrds.client``, ``opencrds.cache``) and the server (``opencrds.server.rpc``) share it.
"""

from .catalog_codec import CatalogEncodingError, decode_catalog_db, encode_catalog_db
from .errors import ProtocolError
from .payloads import crds_decode, crds_encode
from .serverinfo import ServerInfo

__all__ = ["CatalogEncodingError", "ProtocolError", "ServerInfo", "crds_decode", "crds_encode",
           "decode_catalog_db", "encode_catalog_db"]
