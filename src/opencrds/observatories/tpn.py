"""CRDS's certify constraint files (``.tpn``, ``_ld.tpn``; TOOLS.md §5.3): lines, includes and
links, and the :class:`Constraint` each line states."""

from __future__ import annotations

import io
import logging
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..rules.errors import CrdsError

log = logging.getLogger(__name__)


class DefinitionError(CrdsError):
    """A definitions directory, type definition or constraint file is invalid."""


# ---- constraints (.tpn) --------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Constraint:
    """One constraint line of a .tpn file, fields as written (CRDS's ``TpnInfo``).

    Only the first character of ``keytype``, ``datatype`` and ``presence`` is significant,
    except that a presence in parentheses is an applicability expression. ``values`` are
    upper-cased unless the datatype is ``S`` or the value is an ``(expression)``.
    """

    name: str
    keytype: str
    datatype: str
    presence: str
    values: tuple[str, ...] = ()

    @property
    def keytype_code(self) -> str:
        """H header, C column, G group, A array format, D array data, X expression."""
        return self.keytype[:1]

    @property
    def datatype_code(self) -> str:
        """C, S, I, R, D, L or X (the values field is an expression)."""
        return self.datatype[:1]

    @property
    def presence_code(self) -> str:
        """R/P, O, W, E, F, S or A; ``"("`` when the presence is an expression."""
        return "(" if self.is_conditional else self.presence[:1]

    @property
    def is_expression(self) -> bool:
        """The values field is a boolean expression (datatype X)."""
        return self.datatype[:1] == "X"

    @property
    def is_conditional(self) -> bool:
        """The presence is an applicability expression ``(...)``."""
        return _is_expression(self.presence)

    @property
    def expression(self) -> str | None:
        """The value expression, if the values field is one."""
        if self.values and _is_expression(self.values[0]):
            return self.values[0]
        return None


def _is_expression(text: str) -> bool:
    return text.startswith("(") and text.endswith(")")


_SPACE_MAGIC = "@@1324$$"
_LINK_RE = re.compile(r"[\w.\-/]+\.tpn")

TpnReader = Callable[[str], str]


@dataclass(frozen=True)
class _TpnLine:
    text: str
    origin: str  # "file:line" of its first physical line


def tpn_lines(read: TpnReader, name: str,
              replacements: tuple[tuple[str, str], ...] = ()) -> list[_TpnLine]:
    """The logical lines of .tpn ``name``: comments dropped, ``\\`` continuations joined,
    ``include`` expanded (relative to the including file), ``replace`` applied to later lines.

    ``read(name)`` returns a file's text; names are POSIX paths relative to the tpns root.
    A file whose whole text is one ``*.tpn`` word is a symbolic link written out as text
    (the form links take in a plain copy of CRDS's tree) and stands for its target.
    """
    text = read(name)
    target = text.strip()
    if _LINK_RE.fullmatch(target):
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        if resolved == posixpath.normpath(name):
            raise DefinitionError(f"{name}: a link to itself (its target was not copied)")
        return tpn_lines(read, resolved, replacements)
    lines: list[_TpnLine] = []
    append = False
    for number, raw in enumerate(io.StringIO(text, newline=None), start=1):
        line = raw.strip()
        if line.startswith("#") or not line:
            continue
        if line.startswith("include"):
            words = line.split()
            if len(words) < 2:
                raise DefinitionError(f"{name}:{number}: 'include' needs a file name")
            included = posixpath.normpath(posixpath.join(posixpath.dirname(name), words[1]))
            lines += tpn_lines(read, included, replacements)
            continue
        if line.startswith("replace"):
            words = line.split()[1:]
            if len(words) != 2:
                raise DefinitionError(f"{name}:{number}: 'replace' needs a pattern and a value")
            orig, new = words
            for orig2, new2 in replacements:
                if orig == orig2 and new != new2:
                    raise DefinitionError(
                        f"{name}:{number}: replace {orig!r} {new!r} conflicts with "
                        f"replace {orig2!r} {new2!r}")
            if (orig, new) not in replacements:
                replacements = (*replacements, (orig, new))
            continue
        for orig, new in replacements:
            line = re.sub(orig, new, line)
        if append:
            lines[-1] = _TpnLine(lines[-1].text[:-1].strip() + line, lines[-1].origin)
        else:
            lines.append(_TpnLine(line, f"{name}:{number}"))
        append = line.endswith("\\")
    return lines


def _protect_quoted_spaces(line: str) -> str:
    out, quoted = [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        out.append(_SPACE_MAGIC if quoted and char in " \t" else char)
    return "".join(out)


def _unquote(value: str) -> str:
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    return value


def parse_constraint(line: str, origin: str = "<tpn>") -> Constraint:
    """One logical constraint line: ``NAME KEYTYPE DATATYPE PRESENCE [VALUES]``."""
    items = [_unquote(item.replace(_SPACE_MAGIC, " "))
             for item in _protect_quoted_spaces(line).split()]
    if len(items) == 4:
        return Constraint(*items)
    if len(items) != 5:
        raise DefinitionError(
            f"{origin}: a constraint has 4 or 5 fields "
            f"(NAME KEYTYPE DATATYPE PRESENCE [VALUES]), found {len(items)}: {line!r}")
    name, keytype, datatype, presence, text = items
    raw = text.split(",") if datatype != "X" else [text]
    values = tuple(v if _is_expression(v) or datatype == "S" else v.upper()
                   for v in map(_unquote, raw))
    return Constraint(name, keytype, datatype, presence, values)


def parse_tpn(read: TpnReader, name: str) -> tuple[Constraint, ...]:
    """The constraints of .tpn ``name`` in file order (see :func:`tpn_lines`)."""
    return tuple(parse_constraint(line.text, line.origin) for line in tpn_lines(read, name))


def parse_tpn_file(path: str | Path) -> tuple[Constraint, ...]:
    """The constraints of a .tpn file on disk; includes resolve from its directory."""
    path = Path(path)
    return parse_tpn(lambda rel: _read_text(path.parent / rel), path.name)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise DefinitionError(f"constraint file not found: {path}") from None


class TpnDirectory(Mapping[str, str]):
    """The .tpn texts under a directory, read on demand: relative POSIX path -> text."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __getitem__(self, name: str) -> str:
        path = self.root / name
        if ".." in Path(name).parts or not path.is_file():
            raise KeyError(name)
        return path.read_text(encoding="utf-8", errors="replace")

    def __iter__(self) -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        return iter(sorted(p.relative_to(self.root).as_posix()
                           for p in self.root.rglob("*.tpn") if p.is_file()))

    def __len__(self) -> int:
        return sum(1 for _ in self)


