"""The file options of ``opencrds list`` (TOOLS.md §2.4): names in the closure of contexts,
cache listings, file contents (``--cat``) and file properties, as ``crds list`` prints them.

With ``--cat`` (or ``--tpns``) the files ``--mappings``/``--references`` name are shown
rather than listed, after the files named on the command line.
"""

from __future__ import annotations

import argparse
import os
import pprint
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...protocol import ServerInfo
from ...rules.errors import CrdsError
from ..common import log

RULE = "-" * 80


def add_arguments(parser: argparse.ArgumentParser) -> None:
    files = parser.add_argument_group("files")
    files.add_argument("--mappings", action="store_true",
                       help="list every mapping in the closure of the contexts")
    files.add_argument("--references", action="store_true",
                       help="list every reference named by the contexts")
    files.add_argument("--include-orphans", action="store_true",
                       help="with --references, add server references no context names")
    files.add_argument("--full-path", action="store_true", help="print cache paths, not names")
    files.add_argument("--cached-mappings", action="store_true", help="list cached mappings")
    files.add_argument("--cached-references", action="store_true",
                       help="list cached references")
    files.add_argument("--cached-pickles", action="store_true",
                       help="list cached context pickles")
    files.add_argument("--cat", nargs="*", metavar="FILE",
                       help="print mapping text or reference header of FILES and implied files")
    files.add_argument("--keywords", nargs="+", metavar="KEYWORD",
                       help="with --cat, only header keywords containing one of these strings")
    files.add_argument("--add-filenames", action="store_true",
                       help="with --cat, start each printed line with the file name")
    files.add_argument("--no-arrays", action="store_true",
                       help="with --cat, skip the array properties of FITS references")
    files.add_argument("--file-properties", nargs="*", metavar="FILE",
                       help="print '<instrument> <filekind> <name>' of FILES")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def locate(name: str, observatory: str) -> str:
    """A file named on the command line: an existing path as given, else its cache path
    (``crds://`` names always come from the cache)."""
    from ...cache.paths import file_path

    bare = name.removeprefix("crds://")
    if os.path.exists(bare) and not name.startswith("crds://"):
        return bare
    return str(file_path(os.path.basename(bare), observatory))


# ---- context closures ----------------------------------------------------------------------


def closure(contexts: list[str]) -> tuple[list[str], list[str]]:
    """(mappings, references) named by the closure of ``contexts``, each sorted."""
    from ...client.contexts import load_context

    mappings: set[str] = set()
    references: set[str] = set()
    for name in contexts:
        mapping = load_context(name)
        mappings.update(mapping.mapping_names())
        references.update(mapping.reference_names())
    return sorted(mappings), sorted(references)


def orphan_references(observatory: str, info: ServerInfo, client: Any) -> list[str]:
    """The references of the server catalog (``list_references``) that no mapping the server
    knows names; needs the server."""
    from ...client.contexts import load_context
    from ...client.selection import ServerRequired

    if not info.connected:
        raise ServerRequired("--include-orphans: Required server connection unavailable.")
    named: set[str] = set()
    for name in info.mappings or ():
        if name.endswith(".rmap"):
            try:
                named.update(load_context(name).reference_names())
            except CrdsError as exc:
                log.debug("Cannot read %r for --include-orphans : %s", name, exc)
    catalog = {str(name) for name in client.call("list_references", observatory, "*")}
    return sorted(catalog - named)


def _selected(args: argparse.Namespace, contexts: list[str], observatory: str,
              info: ServerInfo, client: Any) -> tuple[list[str], list[str]]:
    """(mappings, references) that ``--mappings``/``--references`` select. With ``--all``
    the mappings are every mapping the server knows, orphans included."""
    mappings: list[str] = []
    references: list[str] = []
    if args.references or (args.mappings and not args.all):
        mappings, references = closure(contexts)
    if args.mappings and args.all:
        mappings = sorted(set(mappings) | set(info.mappings or ()))
    if args.references and args.include_orphans:
        references = sorted(set(references) | set(orphan_references(observatory, info, client)))
    return (mappings if args.mappings else []), (references if args.references else [])


def implied_files(args: argparse.Namespace, contexts: list[str], observatory: str,
                  info: ServerInfo, client: Any) -> list[str]:
    """The files ``--mappings``/``--references`` select, for ``--cat``/``--tpns``:
    mappings first."""
    if not (args.mappings or args.references):
        return []
    mappings, references = _selected(args, contexts, observatory, info, client)
    return mappings + references


def print_closure(args: argparse.Namespace, contexts: list[str], observatory: str,
                  info: ServerInfo, client: Any) -> None:
    """``--references`` (printed first) and ``--mappings``, names or cache paths."""
    from ...cache.paths import file_path

    mappings, references = _selected(args, contexts, observatory, info, client)
    for name in references + mappings:
        _out(str(file_path(name, observatory)) if args.full_path else name)


# ---- cache listings ------------------------------------------------------------------------


def print_cached(args: argparse.Namespace, observatory: str) -> None:
    """Plain cache globs: references, then mappings, then pickles."""
    from ...cache.organize import cached_references
    from ...cache.paths import branch_dir

    paths: list[Path] = []
    if args.cached_references:
        paths += cached_references(observatory)
    if args.cached_mappings:
        folder = branch_dir("mappings", observatory)
        paths += sorted(folder.glob("*.[pir]map")) if folder.is_dir() else []
    if args.cached_pickles:
        folder = branch_dir("pickles", observatory)
        paths += sorted(folder.glob("*.pkl")) if folder.is_dir() else []
    for path in paths:
        _out(str(path) if args.full_path else path.name)


# ---- --cat ---------------------------------------------------------------------------------


class _Printer:
    """Writes the lines of one catted file, prefixed with ``<basename>: `` on request."""

    def __init__(self, path: str, add_filenames: bool) -> None:
        self.prefix = os.path.basename(path) + ": " if add_filenames else ""

    def text(self, text: str) -> None:
        for line in text.splitlines():
            _out(self.prefix + line)


def cat_files(files: list[str], args: argparse.Namespace, observatory: str,
              info: ServerInfo, client: Any) -> int:
    """Print each file: mapping text, or reference header (``--keywords`` filters it), FITS
    structure and array properties; then its catalog entry when the server is up. Returns
    the number of files that could not be read."""
    from ...rules.naming import is_mapping

    failures = 0
    for name in files:
        path = locate(name, observatory)
        printer = _Printer(path, args.add_filenames)
        _out("#" * 80)
        _out(f"File: {os.path.abspath(path)}")
        _out(RULE)
        try:
            if is_mapping(path):
                with open(path, encoding="utf-8") as stream:
                    printer.text(stream.read())
            else:
                _cat_reference(path, args, printer)
        except (CrdsError, OSError, ValueError) as exc:
            log.error("Failed dumping: %r : %s", name, exc)
            failures += 1
            continue
        if info.connected and client is not None:
            _catalog_info(os.path.basename(path), observatory, client, printer)
    return failures


def _cat_reference(path: str, args: argparse.Namespace, printer: _Printer) -> None:
    from ...io import read_header

    header = dict(read_header(path))
    is_fits = header.get("FILE_FORMAT") == "FITS"
    if args.keywords:
        wanted = [word.upper() for word in args.keywords]
        header = {key: value for key, value in header.items()
                  if any(word in key.upper() for word in wanted)}
    printer.text(pprint.pformat(header))
    if is_fits:
        _fits_info(path, printer)
        if not args.no_arrays:
            _array_info(path, printer)


def _fits_info(path: str, printer: _Printer) -> None:
    import io

    from astropy.io import fits

    _out(RULE)
    _out("Fits Info:")
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits.info(path, output=buffer)
    printer.text("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()))


def _array_info(path: str, printer: _Printer) -> None:
    from astropy.io import fits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fits.open(path) as hdus:
            for index, hdu in enumerate(hdus):
                if index == 0:
                    continue
                name = hdu.name or str(index)
                _out(RULE)
                _out(f"CRDS Array Info [{name!r}]:")
                try:
                    properties = array_properties(hdu, index, name)
                except Exception as exc:  # noqa: BLE001 - reported like crds, then go on
                    log.warning("Can't load array properties for HDU[%d] : %s", index, exc)
                    continue
                printer.text(pprint.pformat(properties))


def array_properties(hdu: Any, index: int, name: str) -> dict[str, Any]:
    """What ``crds list --cat`` shows of an extension: shape, kind, data type(s), columns."""
    from astropy.io import fits

    if isinstance(hdu, (fits.BinTableHDU, fits.TableHDU)):
        data = hdu.data
        if data is None:
            raise AttributeError("'NoneType' object has no attribute 'dtype'")
        names = list(data.dtype.names or ())
        return {"COLUMN_NAMES": [col.upper() for col in names],
                "DATA_TYPE": {col.upper(): str(data.dtype[col]) for col in names},
                "EXTENSION": index, "KIND": "TABLE", "NAME": name,
                "SHAPE": tuple(data.shape)}
    data = hdu.data
    if data is None:
        raise AttributeError("'NoneType' object has no attribute 'dtype'")
    return {"DATA_TYPE": data.dtype.name, "EXTENSION": index, "KIND": "IMAGE", "NAME": name,
            "SHAPE": tuple(data.shape)}


def _catalog_info(name: str, observatory: str, client: Any, printer: _Printer) -> None:
    try:
        answer = client.call("get_file_info_map", observatory, [name], None)
    except CrdsError as exc:
        log.warning("No catalog info for %r : %s", name, exc)
        return
    entry = answer.get(name) if isinstance(answer, dict) else None
    if not isinstance(entry, dict):
        return  # not in the catalog: crds prints nothing either
    entry = {k: v for k, v in entry.items() if k != "deliverer_user"}
    _out(RULE)
    _out("Catalog Info:")
    _out("." * 80)
    printer.text(pprint.pformat(entry))


# ---- --file-properties ---------------------------------------------------------------------


def print_properties(files: list[str], observatory: str,
                     default_context: Callable[[], str] | None = None) -> None:
    """``<instrument> <filekind> <basename>``, as crds answers: mappings and CRDS-style
    reference names from the name, other names from the rmap of the default context that
    lists them, else (and paths on disk) from the file's header (as certify identifies it)."""
    from ...observatories import registered_observatories
    from ...rules.naming import is_mapping, properties_from_reference_name, split_mapping_name

    found: dict[str, tuple[str, str]] | None = None
    for name in files:
        base = os.path.basename(name.removeprefix("crds://"))
        on_disk = os.path.exists(name) and not name.startswith("crds://")
        try:
            if is_mapping(base):
                parts = split_mapping_name(base)
                instrument, filekind = parts.instrument or "", parts.filekind or ""
            else:
                try:
                    ref = properties_from_reference_name(base)
                    if ref.observatory not in registered_observatories():
                        raise ValueError(base)
                    instrument, filekind = ref.instrument, ref.filekind
                except ValueError:
                    if found is None and not on_disk and default_context is not None:
                        found = _context_properties(default_context())
                    known = None if on_disk or found is None else found.get(base)
                    instrument, filekind = known or _reference_properties(
                        locate(name, observatory), observatory)
        except (CrdsError, OSError, ValueError) as exc:
            log.error("Failed dumping file properties for %r : %s", name, exc)
            continue
        _out(f"{instrument} {filekind} {base}")


def _context_properties(context_name: str) -> dict[str, tuple[str, str]]:
    """``{reference: (instrument, filekind)}`` of every rmap of a context that loads."""
    from ...client.contexts import load_context

    table: dict[str, tuple[str, str]] = {}
    try:
        context = load_context(context_name)
    except CrdsError:
        return table
    for key in context.selector:
        try:
            imap = context.child(key)
            rmaps = [imap.child(kind) for kind in imap.types()
                     if not imap.is_special(imap.child_name(kind) or "")]
        except (CrdsError, KeyError):
            continue
        for rmap in rmaps:
            for reference in rmap.reference_name_set():
                table.setdefault(reference, (rmap.instrument.lower(), rmap.filekind.lower()))
    return table


def _reference_properties(path: str, observatory: str) -> tuple[str, str]:
    from ...certify.context import CertifyOptions, definition_for
    from ...certify.references import identify
    from ...io import read_header

    definition = definition_for(observatory, CertifyOptions())
    if not os.path.exists(path):
        raise CrdsError(f"Failed to determine {observatory!r} instrument or reftype for "
                        f"{path!r} : '[Errno 2] No such file or directory: {path!r}'")
    ident = identify(read_header(path), definition, os.path.basename(path))
    return ident.instrument, ident.filekind
