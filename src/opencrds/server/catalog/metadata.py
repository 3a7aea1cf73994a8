"""Cheap metadata extraction: mapping headers, and FITS/ASDF/JSON/YAML reference headers."""

from __future__ import annotations

import datetime
import json
import logging
import re
import warnings
from pathlib import Path
from typing import Any

from opencrds.rules.parser import parse_literal, parse_mapping_text
from opencrds.rules.timestamps import parse_date

log = logging.getLogger(__name__)

_STATEMENT_RE = re.compile(rb"^(?:selector|comment)[ \t]*=", re.MULTILINE)
_HEADER_RE = re.compile(rb"^header[ \t]*=", re.MULTILINE)
#: Quoted reference file names inside rmap text.
REFERENCE_NAME_RE = re.compile(
    r"'([A-Za-z0-9][A-Za-z0-9_.\-]*\.(?:fits|asdf|json|yaml|text|r\d[hd]))'", re.IGNORECASE)
_ASDF_END = b"\n...\n"
_ASDF_MAX_TREE = 8 * 1024 * 1024


def mapping_header(data: bytes, name: str) -> dict[str, Any]:
    """The header dict of mapping text, parsing only the header statement when possible."""
    start = _HEADER_RE.search(data)
    end = _STATEMENT_RE.search(data)
    if start is not None and end is not None and start.end() < end.start():
        try:
            header = parse_literal(data[start.end():end.start()].decode("utf-8"), name)
            if isinstance(header, dict):
                return header
        except Exception:  # odd layout: fall back to the full parser
            pass
    return parse_mapping_text(data.decode("utf-8"), name).header


def referenced_names(data: bytes) -> frozenset[str]:
    """Reference file names quoted in rmap text (a C-speed scan, no parsing)."""
    return frozenset(REFERENCE_NAME_RE.findall(data.decode("utf-8", "replace")))


def to_datetime(value: Any) -> datetime.datetime | None:
    """A CRDS date (USEAFTER and friends) as an aware UTC datetime, or None."""
    if value in (None, ""):
        return None
    try:
        moment = parse_date(str(value).strip())
    except Exception:
        return None
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment


def _text(value: Any, limit: int = 4000) -> str:
    if value is None:
        return ""
    return str(value).strip()[:limit]


def _fits_metadata(path: Path) -> dict[str, Any]:
    from astropy.io import fits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        header = fits.getheader(path, 0)
    comment = "\n".join(str(card) for card in header.get("COMMENT", []) or [])
    return {
        "instrument": header.get("INSTRUME"),
        "reftype": header.get("REFTYPE") or header.get("FILETYPE"),
        "pedigree": header.get("PEDIGREE"),
        "useafter": header.get("USEAFTER"),
        "descrip": header.get("DESCRIP"),
        "aperture": header.get("APERTURE"),
        "comment": comment,
    }


class _TolerantLoader:
    """A YAML loader class that reads any tag as a plain mapping, sequence or scalar."""

    _cls: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls._cls is None:
            import yaml

            class Loader(yaml.SafeLoader):
                pass

            def construct_any(loader: Any, _suffix: str, node: Any) -> Any:
                if isinstance(node, yaml.MappingNode):
                    return loader.construct_mapping(node, deep=True)
                if isinstance(node, yaml.SequenceNode):
                    return loader.construct_sequence(node, deep=True)
                return loader.construct_scalar(node)

            Loader.add_multi_constructor("", construct_any)
            cls._cls = Loader
        return cls._cls


def _meta_metadata(tree: Any) -> dict[str, Any]:
    if isinstance(tree, dict) and "meta" not in tree and isinstance(tree.get("roman"), dict):
        tree = tree["roman"]  # Roman data models keep everything under 'roman'
    meta = tree.get("meta", {}) if isinstance(tree, dict) else {}
    if not isinstance(meta, dict):
        return {}
    instrument = meta.get("instrument", {})
    name = instrument.get("name") if isinstance(instrument, dict) else None
    return {
        "instrument": name,
        "reftype": meta.get("reftype"),
        "pedigree": meta.get("pedigree"),
        "useafter": meta.get("useafter"),
        "descrip": meta.get("description"),
    }


def _asdf_metadata(path: Path) -> dict[str, Any]:
    import yaml

    with open(path, "rb") as stream:
        head = stream.read(_ASDF_MAX_TREE)
    start = head.find(b"\n---")
    end = head.find(_ASDF_END, start)
    if start < 0 or end < 0:
        return {}
    tree = yaml.load(head[start:end + len(_ASDF_END)], Loader=_TolerantLoader.get())
    return _meta_metadata(tree)


def _json_yaml_metadata(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        tree = json.loads(text)
    else:
        import yaml

        tree = yaml.load(text, Loader=_TolerantLoader.get())
    return _meta_metadata(tree)


def reference_metadata(path: Path) -> dict[str, Any]:
    """Catalog fields read from a reference file's header; {} when it cannot be read cheaply."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".fits":
            raw = _fits_metadata(path)
        elif suffix == ".asdf":
            raw = _asdf_metadata(path)
        elif suffix in (".json", ".yaml"):
            raw = _json_yaml_metadata(path)
        else:
            return {}
    except Exception as exc:
        log.debug("no metadata from %s: %s", path.name, exc)
        return {}
    return {
        "instrument": _text(raw.get("instrument")).lower(),
        "reference_file_type": _text(raw.get("reftype")).upper(),
        "pedigree": _text(raw.get("pedigree"), 128),
        "useafter_date": to_datetime(raw.get("useafter")),
        "description": _text(raw.get("descrip")),
        "aperture": _text(raw.get("aperture"), 128),
        "comment": _text(raw.get("comment")),
    }
