"""``opencrds list --tpns`` and ``--required-parkeys`` (TOOLS.md §2.4, §5.3): the certify
constraint files that apply to mappings and references, and the matching parameters each
mapping needs, printed as ``crds list`` prints them.

Constraint files come from the observatory definitions ``certify`` uses: those named by
``$OPENCRDS_DEFINITIONS_PATH``, a mission registered from data, else the ones shipped in the
package.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ...rules.errors import CrdsError
from ..common import ToolError, log

#: Width of the divider lines (``--required-parkeys`` of a .pmap, ``--tpns`` INFO lines).
DIVIDER_WIDTH = 75


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("constraints and parameters")
    group.add_argument("--tpns", nargs="*", metavar="FILE",
                       help="print the certify constraints (.tpn) of FILES and implied files")
    group.add_argument("--required-parkeys", action="store_true",
                       help="print the matching parameters each context mapping requires")


def divider(text: str) -> str:
    """``text`` between runs of dashes, centred in :data:`DIVIDER_WIDTH` columns."""
    side = "-" * ((DIVIDER_WIDTH - len(text) - 2) // 2)
    return f"{side} {text} {side}"


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


# ---- --tpns --------------------------------------------------------------------------------


def print_tpns(files: list[str], observatory: str) -> None:
    """For each file: an INFO line naming it, then every constraint level that applies,
    most general first, each under ``From TPN: <name>`` with its logical lines."""
    from .files import locate

    definition = _definition(observatory)
    for name in files:
        path = locate(name, observatory)
        log.info("%s", divider(f"Certify constraints for {path!r}"))
        try:
            names = constraint_names(path, definition)
        except (CrdsError, ValueError, OSError) as exc:
            log.error("Failed listing constraints for %r : %s", path, exc)
            continue
        for tpn in names:
            _print_tpn(tpn, definition)
        if not names:
            _out("")
        _out("")


def _definition(observatory: str) -> Any:
    from ...certify.context import CertifyOptions, definition_for

    definition = definition_for(observatory, CertifyOptions())
    if definition is None:
        raise ToolError(f"No observatory definitions found for {observatory!r}: none are "
                        "shipped for it; set OPENCRDS_DEFINITIONS_PATH to its definitions")
    return definition


def constraint_names(path: str, definition: Any) -> list[str]:
    """The .tpn names applying to a file, most general level first: ``_ld.tpn`` files for
    mappings (a .pmap is (all, all), an .imap (instrument, all)), ``.tpn`` for references."""
    from ...rules.naming import is_mapping

    if is_mapping(path):
        instrument, filekind = _mapping_identity(path)
        field = "ld_tpn"
    else:
        instrument, filekind = _reference_identity(path, definition)
        field = "tpn"
    names = definition.constraint_files(instrument, filekind, field)
    return list(reversed(list(dict.fromkeys(names))))


def _mapping_identity(path: str) -> tuple[str, str]:
    from ...rules.parser import parse_mapping_text

    if path.endswith(".pmap"):
        return "all", "all"
    with open(path, encoding="utf-8") as stream:
        header = parse_mapping_text(stream.read(), path).header
    instrument = str(header.get("instrument", "all")).lower()
    if path.endswith(".imap"):
        return instrument, "all"
    return instrument, str(header.get("filekind", "all")).lower()


def _reference_identity(path: str, definition: Any) -> tuple[str, str]:
    """From the header (as certify identifies it); for a file that cannot be read, from a
    CRDS-style name (``jwst_nircam_dark_0001.fits``) when it has one."""
    from ...certify.references import identify
    from ...io import HeaderError, read_header
    from ...rules.naming import properties_from_reference_name

    try:
        header = read_header(path)
    except HeaderError:
        parts = properties_from_reference_name(path)  # ValueError when it has no such name
        return parts.instrument, parts.filekind
    ident = identify(header, definition, os.path.basename(path))
    return ident.instrument, ident.filekind


def _print_tpn(name: str, definition: Any) -> None:
    from ...observatories.tpn import DefinitionError, tpn_lines

    heading = f"From TPN: {name}"
    _out(heading)
    _out("-" * len(heading))
    if name not in definition.tpn_texts:
        return  # crds prints the heading alone for a level without a file
    def read(text_name: str) -> str:
        try:
            return definition.tpn_texts[text_name]
        except KeyError:
            raise DefinitionError(f"constraint file {text_name!r} not found") from None

    try:
        lines = tpn_lines(read, name)
    except DefinitionError as exc:
        log.warning("Cannot read constraint file %r : %s", name, exc)
        return
    for line in lines:
        _out(line.text)
    _out("")


# ---- --required-parkeys --------------------------------------------------------------------


def print_required_parkeys(contexts: list[str]) -> None:
    """A .pmap: a divider, then ``instrument = [parkeys]``; an .imap: ``filekind: [parkeys]``
    or ``'N/A'``; an .rmap: ``name: [parkeys]``."""
    from ...client.contexts import load_context

    for name in contexts:
        try:
            mapping = load_context(name)
        except CrdsError as exc:
            log.error("Failed loading %r : %s", name, exc)
            continue
        if name.endswith(".pmap"):
            _out(divider(f"Parkeys required for {mapping.basename!r}"))
            for instrument, parkeys in sorted(mapping.get_required_parkeys().items()):
                _out(f"{instrument} = {parkeys!r}")
        elif name.endswith(".imap"):
            for filekind, value in _imap_parkeys(mapping):
                _out(f"{filekind}: {value!r}")
        else:
            _out(f"{mapping.basename}: {mapping.get_required_parkeys()!r}")


def _imap_parkeys(imap: Any) -> list[tuple[str, Any]]:
    rows = []
    for filekind, rmap_name in sorted(imap.selector.items()):
        if imap.is_special(rmap_name):
            rows.append((filekind.lower(), "N/A"))
        else:
            rmap = imap._load_child(rmap_name)
            rows.append((filekind.lower(), list(rmap.get_required_parkeys())))
    return rows
