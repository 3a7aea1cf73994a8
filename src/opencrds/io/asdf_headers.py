"""ASDF headers: the whole tree flattened (see :mod:`.flatten`), plus a ``HISTORY`` summary.

Keys are the tree's own paths, so a Roman file (tree under ``roman``) gives
``ROMAN.META.INSTRUMENT.NAME`` and a JWST file ``META.INSTRUMENT.NAME``; arrays are not read.

``HISTORY`` is always set: the history entries (``tree["history"]`` if it is a list, else its
``entries``), one ``YYYY-MM-DD HH:MM:SS :: description`` line each; ``UNDEFINED`` when there are
none, or when any entry lacks a ``datetime`` time or a description.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Mapping
from typing import Any

from .errors import HeaderError
from .flatten import flatten_tree

KIND = "ASDF"
UNDEFINED = "UNDEFINED"


def history_text(tree: Mapping[str, Any]) -> str:
    """The one-line-per-entry summary of an ASDF tree's history, or ``UNDEFINED``."""
    history = tree.get("history")
    entries = history.get("entries") if isinstance(history, Mapping) else history
    try:
        lines = [
            f"{datetime.datetime.strftime(entry['time'], '%Y-%m-%d %H:%M:%S')} :: "
            f"{entry['description']}"
            for entry in entries  # type: ignore[union-attr]
        ]
    # no entries, an entry without time/description, a non-datetime time
    except (LookupError, TypeError, ValueError, AttributeError):
        return UNDEFINED
    return "\n".join(lines) or UNDEFINED


def read_asdf_header(path: str, needed: object = None) -> dict[str, str]:
    """The flattened header of an ASDF file; :class:`HeaderError` when it cannot be read."""
    import asdf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown tags, old library versions ...
        try:
            with asdf.open(path, lazy_load=True, memmap=False) as handle:
                tree = handle.tree
                header = flatten_tree(tree)
                header["HISTORY"] = history_text(tree)
        except FileNotFoundError:
            raise HeaderError(path, "no such file", KIND) from None
        except Exception as exc:  # asdf, yaml and jsonschema errors of every kind
            problem = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise HeaderError(path, problem, KIND) from None
    return header
