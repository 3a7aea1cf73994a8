"""The match values a reference may be inserted with, and crds's message when one is not.

As ``crds refactor``: each Match parameter of the new reference must have a value its type's
``_ld.tpn`` allows (``N/A``, ``*``, ``ANY``, ``NOT ...`` and ``BETWEEN ...`` always pass; each
part of an or-glob ``A|B`` is checked), unless ``CRDS_ALLOW_BAD_PARKEY_VALUES`` is set. The
allowed values come from certify's definitions lookup, so they are the ones certify checks.
"""

from __future__ import annotations

import pprint
import re
from collections.abc import Mapping
from typing import Any

from ..cache.paths import env_flag
from ..certify.context import CertifyOptions
from ..certify.mappings import parameter_display, valid_values
from ..certify.rmap_update import InsertError, check_match_values
from ..rules.edit import useafter_key
from ..rules.errors import CrdsError
from ..rules.mappings import ReferenceMapping
from ..rules.values import condition_value

_EXEMPT = re.compile(r"^(NOT\b.*|BETWEEN\b.*|#.*)$", re.IGNORECASE)


class ValueRefused(CrdsError, ValueError):
    """A reference's match value is not allowed; the message is crds's, several lines long."""


def bad_values_allowed() -> bool:
    """``CRDS_ALLOW_BAD_PARKEY_VALUES``: insert whatever the reference says."""
    return env_flag("CRDS_ALLOW_BAD_PARKEY_VALUES")


def insertion_header(rmap: ReferenceMapping, header: Mapping[str, Any]) -> dict[str, str]:
    """The reference header as crds shows it in a failed insertion: conditioned, missing
    parameters ``UNDEFINED``, the USEAFTER date as the dataset date keywords and a missing
    step switch ``N/A``."""
    shown = {str(k).upper(): condition_value(v) for k, v in header.items()}
    for level in rmap.parkey:
        shown.update({str(p).upper(): "UNDEFINED" for p in level if str(p).upper() not in shown})
    try:
        date, _, time = useafter_key(header).partition(" ")
    except ValueError:
        date = time = ""
    if date:
        names = (("DATE-OBS", "DATE_OBS"), ("TIME-OBS", "TIME_OBS"))
        if rmap.observatory != "hst":
            names = (("DATE-OBS",), ("TIME-OBS",))
        for keys, value in zip(names, (date, time), strict=True):
            shown.update(dict.fromkeys(keys, value))
    switch = str(rmap.header.get("reffile_switch", "NONE")).upper()
    if switch not in ("", "NONE"):
        shown.setdefault(switch, "N/A")
    return shown


def check_values(rmap: ReferenceMapping, reference: str, header: Mapping[str, Any],
                 options: CertifyOptions | None = None) -> None:
    """Raise :class:`ValueRefused` with crds's message when a Match value of ``header`` (as the rmap
    matches it) is not one the type's ``_ld.tpn`` allows."""
    if bad_values_allowed():
        return
    names = {str(p).upper() for level in rmap.parkey for p in level}
    valid = {name: (code, tuple(condition_value(v) for v in values))  # '1' is '1.0'
             for name, (code, values) in valid_values(rmap, options or CertifyOptions()).items()
             if name in names}
    if not valid:
        return
    matched = {str(k).upper(): v for k, v in header.items()}
    checked = {k: ("N/A" if _EXEMPT.match(condition_value(v)) else v)
               for k, v in matched.items()}
    try:
        check_match_values(rmap, checked, valid)
    except InsertError as exc:
        raise ValueRefused(failure_message(rmap, reference, header, valid, str(exc))) from None


def failure_message(rmap: ReferenceMapping, reference: str, header: Mapping[str, Any],
                    valid: Mapping[str, tuple[str, tuple[str, ...]]], problem: str) -> str:
    """crds's text: the header, the rmap's parkey, classes and valid values, then why."""
    show = parameter_display(rmap)
    parkey = tuple(tuple(show(str(p)) for p in level) for level in rmap.parkey)
    classes = tuple(rmap.header.get("classes", ("Match", "UseAfter")))
    values = {show(name): tuple("*" if v == "ANY" else v for v in allowed)
              for name, (_, allowed) in valid.items()}
    return (f"Failed inserting {reference!r} into rmap: {rmap.basename!r} with header:\n "
            f"{pprint.pformat(insertion_header(rmap, header))} \n\n"
            f"parkey: {str(parkey)!r} \nclasses: {classes!r} \n"
            f"valid_values:\n {pprint.pformat(values)} \n :  {problem}")
