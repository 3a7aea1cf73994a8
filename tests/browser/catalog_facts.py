"""What the pages must show, read straight from the shared CRDS cache (not through OpenCRDS):
the server_config's contexts and history, names from the mapping texts, sha1 sums."""

from __future__ import annotations

import ast
import base64
import functools
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server_helpers import CRDS_CACHE

#: Per observatory: the instrument and reference type whose files the pages are checked with.
SAMPLE = {"jwst": ("niriss", "photom"), "hst": ("cos", "deadtab")}
_NAMED = r"'([A-Za-z0-9_]+)'\s*:\s*'([A-Za-z0-9_.]+\.{ext})'"
_REFERENCE = re.compile(r"'([A-Za-z0-9_]+\.(?:fits|asdf|json|yaml|r\d[hd]))'")


def _literal(value: Any) -> Any:
    return ast.literal_eval(value) if isinstance(value, str) else value


@functools.cache
def server_config(observatory: str) -> dict[str, Any]:
    return ast.literal_eval((CRDS_CACHE / "config" / observatory / "server_config").read_text())


def mapping_path(observatory: str, name: str) -> Path:
    return CRDS_CACHE / "mappings" / observatory / name


def mapping_text(observatory: str, name: str) -> str:
    return mapping_path(observatory, name).read_text()


def children(observatory: str, mapping: str, ext: str) -> dict[str, str]:
    """``{KEY: child name}`` of a pmap (``ext="imap"``) or an imap (``ext="rmap"``)."""
    text = mapping_text(observatory, mapping)
    return {key.lower(): name for key, name in re.findall(_NAMED.format(ext=ext), text)}


@functools.cache
def _file_metadata(observatory: str) -> dict[str, dict[str, str]]:
    packed = _literal(server_config(observatory)["download_metadata"])
    return json.loads(gzip.decompress(base64.b64decode(packed["crds_payload"])))


@dataclass(frozen=True)
class Facts:
    """The real values of one observatory's cache that its pages are checked against."""

    observatory: str
    operational: str
    edit: str
    history: list[tuple[str, str, str]]     # (start date, context, description), newest first
    previous: str                             # the pmap before the operational one
    newest_pmap: str
    instrument: str
    instruments: list[str]
    imap: str
    reftype: str
    rmap: str
    rmap_sha1: str
    reference: str
    reference_sha1: str
    changed_imaps: list[str]                  # imaps new in operational against previous

    @property
    def history_description(self) -> str:
        """The first words of the newest history entry's description."""
        return " ".join(self.history[0][2].split()[:6])


@functools.cache
def facts(observatory: str) -> Facts:
    config = server_config(observatory)
    operational = config["operational_context"]
    history = [tuple(entry) for entry in _literal(config["context_history"])]
    pmaps = sorted(p.name for p in (CRDS_CACHE / "mappings" / observatory).glob(
        f"{observatory}_[0-9][0-9][0-9][0-9].pmap"))
    previous = pmaps[pmaps.index(operational) - 1]
    instrument, reftype = SAMPLE[observatory]
    imaps = children(observatory, operational, "imap")
    imap = imaps[instrument]
    rmap = children(observatory, imap, "rmap")[reftype]
    references = _REFERENCE.findall(mapping_text(observatory, rmap))
    reference = references[-1]
    old_imaps = set(children(observatory, previous, "imap").values())
    return Facts(
        observatory=observatory, operational=operational, edit=config["edit_context"],
        history=history, previous=previous, newest_pmap=pmaps[-1], instrument=instrument,
        instruments=sorted(imaps), imap=imap, reftype=reftype, rmap=rmap,
        rmap_sha1=hashlib.sha1(mapping_path(observatory, rmap).read_bytes()).hexdigest(),
        reference=reference, reference_sha1=_file_metadata(observatory)[reference]["sha1sum"],
        changed_imaps=sorted(set(imaps.values()) - old_imaps))
