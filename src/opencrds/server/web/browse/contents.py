"""What a reference file holds, as the browse page shows it: FITS HDUs and primary header
cards (headers only, no data read), an ASDF file's ``meta`` tree, or the start of a text file."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from ...catalog.filestore import get_file_store

log = logging.getLogger("opencrds.server.web")

#: Most characters of a text file (or of a dumped tree) shown.
TEXT_LIMIT = 20_000
#: Most header cards shown per HDU.
CARD_LIMIT = 400


@dataclass
class Contents:
    """A reference's contents: ``kind`` fits/asdf/text/none, and what was read."""

    kind: str
    hdus: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    truncated: bool = False
    problem: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "hdus": self.hdus, "text": self.text,
                "truncated": self.truncated, "problem": self.problem}


def reference_contents(observatory: str, name: str) -> Contents:
    """The contents of the stored reference ``name`` (``kind="none"`` with a reason when the
    store lacks it or it cannot be read)."""
    store = get_file_store()
    try:
        if not store.exists(observatory, name, "references"):
            return Contents("none", problem="the server does not hold this file's bytes")
        with store.open(observatory, name, "references") as stream:
            lower = name.lower()
            if lower.endswith(".fits"):
                return _fits(stream)
            if lower.endswith(".asdf"):
                return _asdf(stream)
            return _text(stream, lower)
    except Exception as exc:  # any unreadable file: say so, never a 500
        log.info("browse: cannot read %s: %s", name, exc)
        return Contents("none", problem=f"cannot read the file: {type(exc).__name__}: {exc}")


def _fits(stream: Any) -> Contents:
    from astropy.io import fits

    hdus = []
    with fits.open(stream, lazy_load_hdus=True, memmap=False) as hdul:
        for index, hdu in enumerate(hdul):
            header = hdu.header
            cards = [(card.keyword, str(card.value), card.comment)
                     for card in header.cards[:CARD_LIMIT]] if index == 0 else []
            hdus.append({"index": index, "name": hdu.name, "type": type(hdu).__name__,
                         "shape": list(getattr(hdu, "shape", None) or ()) if index else [],
                         "cards": cards, "more_cards": max(0, len(header) - CARD_LIMIT)
                         if index == 0 else 0,
                         "keywords": len(header)})
    return Contents("fits", hdus=hdus)


def _asdf(stream: Any) -> Contents:
    import asdf

    with asdf.open(stream, lazy_load=True, memmap=False) as af:
        meta = af.tree.get("meta", {})
        text = json.dumps(_plain(meta), indent=1, default=str)
    return _limited(Contents("asdf"), text)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _text(stream: Any, lower: str) -> Contents:
    raw = stream.read(TEXT_LIMIT * 4 + 1)
    text = raw.decode("utf-8", errors="replace")
    if lower.endswith(".json"):
        try:
            text = json.dumps(json.loads(text), indent=1)
        except ValueError:
            pass  # truncated or not JSON: shown as it is
    contents = _limited(Contents("text"), text)
    contents.truncated = contents.truncated or len(raw) > TEXT_LIMIT * 4
    return contents


def _limited(contents: Contents, text: str) -> Contents:
    contents.text = text[:TEXT_LIMIT]
    contents.truncated = len(text) > TEXT_LIMIT
    return contents
