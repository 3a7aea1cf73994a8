"""Observatories defined by data: instruments, types, matching parameters and constraints.

A *definitions directory* in our format (ARCHITECTURE.md, "Observatories as data")::

    observatory.yaml            name, instrument key, instruments, date keywords, ...
    types/<instr>_<type>.yaml   one reference type each (``all`` stands for every instrument
                                or every type: such entries only name constraint files)
    tpns/*.tpn, tpns/**/*.tpn   certify constraint files in CRDS's .tpn text (TOOLS.md §5.3)

:func:`load_definitions` reads it, :func:`write_definitions` writes it, and
:func:`load_crds_definitions` reads CRDS's own layout (``specs/*.spec``, ``specs/*.rmap``,
``specs/combined_specs.json``, ``tpns/``, ``substitutions.dat``) into the same
:class:`ObservatoryDefinition`. Spec files are parsed as literals, never evaluated.
"""

from __future__ import annotations

import io
import json
import logging
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ..rules.errors import CrdsError
from ..rules.parser import parse_literal, parse_mapping_text

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
PSEUDO = "all"  # instrument or type name meaning "every one" in constraint levels


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


# ---- types ---------------------------------------------------------------------------------

Parkey = tuple[tuple[str, ...], ...]
_PSEUDO_FIELDS = ("instrument", "filekind", "suffix", "filetype", "text_descr", "tpn", "ld_tpn")


@dataclass(frozen=True)
class TypeDefinition:
    """One reference type of one instrument (CRDS's type spec, RULES.md §2).

    ``parkey`` has one tuple of parameter names per selector level (``classes``), e.g.
    ``(('DETECTOR', 'FILTER'), ('DATE-OBS', 'TIME-OBS'))`` for ``('Match', 'UseAfter')``.
    ``extra`` keeps any other rmap header fields (hooks, substitutions, ...).
    """

    instrument: str
    filekind: str
    suffix: str
    filetype: str
    text_descr: str = ""
    file_ext: str = ".fits"
    parkey: Parkey = ()
    classes: tuple[str, ...] = ("Match", "UseAfter")
    reffile_required: str = "NONE"
    reffile_switch: str = "NONE"
    reffile_format: str = "IMAGE"
    rmap_relevance: str = "ALWAYS"
    extra_keys: tuple[str, ...] = ()
    parkey_relevance: Mapping[str, str] = field(default_factory=dict)
    unique_rowkeys: tuple[str, ...] | None = None
    tpn: str = ""
    ld_tpn: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "instrument", self.instrument.lower())
        object.__setattr__(self, "filekind", self.filekind.lower())
        if not self.tpn:
            object.__setattr__(self, "tpn", f"{self.instrument}_{self.suffix}.tpn")
        if not self.ld_tpn:
            object.__setattr__(self, "ld_tpn", f"{self.instrument}_{self.suffix}_ld.tpn")

    @property
    def is_pseudo(self) -> bool:
        """Whether this entry stands for every instrument or every type (constraints only)."""
        return PSEUDO in (self.instrument, self.filekind)

    @property
    def match_parameters(self) -> tuple[str, ...]:
        """Every parameter of every selector level, in order."""
        return tuple(name for level in self.parkey for name in level)

    def rmap_header(self, observatory: str, name: str, derived_from: str) -> dict[str, Any]:
        """The header of an rmap of this type (values as CRDS writes them)."""
        header: dict[str, Any] = {
            "classes": tuple(self.classes),
            "derived_from": derived_from,
            "file_ext": self.file_ext,
            "filekind": self.filekind.upper(),
            "filetype": self.filetype,
            "instrument": self.instrument.upper(),
            "ld_tpn": self.ld_tpn,
            "mapping": "REFERENCE",
            "name": name,
            "observatory": observatory.upper(),
            "parkey": tuple(tuple(level) for level in self.parkey),
            "reffile_format": self.reffile_format.upper(),
            "reffile_required": self.reffile_required.upper(),
            "reffile_switch": self.reffile_switch.upper(),
            "rmap_relevance": self.rmap_relevance,
            "suffix": self.suffix,
            "text_descr": self.text_descr,
            "tpn": self.tpn,
        }
        if self.extra_keys:
            header["extra_keys"] = tuple(self.extra_keys)
        if self.parkey_relevance:
            header["parkey_relevance"] = dict(self.parkey_relevance)
        if self.unique_rowkeys is not None:
            header["unique_rowkeys"] = tuple(self.unique_rowkeys)
        header.update({key: _tuples(value) for key, value in self.extra.items()})
        return header

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML/JSON-ready form (tuples become lists); ``all`` entries list only what
        constraint levels use."""
        result = {}
        for item in fields(self):
            if self.is_pseudo and item.name not in _PSEUDO_FIELDS:
                continue
            result[item.name] = _plain(getattr(self, item.name))
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "<type>") -> TypeDefinition:
        """Build from the YAML form; unknown fields are an error (use ``extra``)."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DefinitionError(f"{where}: unknown type fields {unknown} (put them in 'extra')")
        for required in ("instrument", "filekind", "suffix", "filetype"):
            if not data.get(required):
                raise DefinitionError(f"{where}: missing required field '{required}'")
        try:
            return cls(
                instrument=_text(data["instrument"]),
                filekind=_text(data["filekind"]),
                suffix=_text(data["suffix"]),
                filetype=_text(data["filetype"]),
                text_descr=_text(data.get("text_descr", "")),
                file_ext=_text(data.get("file_ext", ".fits")),
                parkey=_parkey(data.get("parkey", ())),
                classes=_strings(data.get("classes", ("Match", "UseAfter"))),
                reffile_required=_text(data.get("reffile_required", "NONE")),
                reffile_switch=_text(data.get("reffile_switch", "NONE")),
                reffile_format=_text(data.get("reffile_format", "IMAGE")),
                rmap_relevance=_text(data.get("rmap_relevance", "ALWAYS")),
                extra_keys=_strings(data.get("extra_keys") or ()),
                parkey_relevance=dict(data.get("parkey_relevance") or {}),
                unique_rowkeys=(None if data.get("unique_rowkeys") is None
                                else _strings(data["unique_rowkeys"])),
                tpn=_text(data.get("tpn") or ""),
                ld_tpn=_text(data.get("ld_tpn") or ""),
                extra=dict(data.get("extra") or {}),
            )
        except (TypeError, ValueError) as exc:
            raise DefinitionError(f"{where}: {exc}") from None


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _tuples(value: Any) -> Any:
    """Lists (YAML has no tuples) become tuples, as in mapping headers."""
    if isinstance(value, (tuple, list)):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    """A string field; YAML 1.1 reads unquoted YES/NO as booleans, so map them back."""
    if isinstance(value, bool):
        return "YES" if value else "NO"
    if not isinstance(value, (str, int, float)):
        raise TypeError(f"expected a string, got {value!r}")
    return str(value)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(_text(v) for v in value)


def _parkey(value: Any) -> Parkey:
    """Tuple of tuples; a flat list of names is one level."""
    items = list(value or ())
    if items and all(isinstance(v, str) for v in items):
        return (tuple(items),)
    return tuple(_strings(level) for level in items)


# ---- observatories -------------------------------------------------------------------------

_OBSERVATORY_FIELDS = (
    "format", "name", "description", "instrument_key", "instruments", "date_keywords",
    "global_extra_keys", "reference_extensions", "instrument_aliases", "keyword_translations",
    "provenance_keywords", "reftype_keyword", "useafter_keyword", "substitutions",
)


@dataclass(frozen=True)
class ObservatoryDefinition:
    """Everything the system needs to know about a mission that is not in its rules.

    * ``instrument_key``: the dataset keyword naming the instrument (pmap ``parkey``);
    * ``date_keywords``: dataset keywords matched by UseAfter in new rmaps;
    * ``global_extra_keys``: parameters every rmap requires (JWST's two);
    * ``instrument_aliases``: lower-case alias -> instrument (``wfii`` -> ``wfpc2``);
    * ``keyword_translations``: dataset keyword -> rule parameter, for conditioned lookups;
    * ``reftype_keyword``/``useafter_keyword``: reference-file keywords giving type and date;
    * ``types``: ``{(instrument, filekind): TypeDefinition}``, including ``all`` entries;
    * ``tpn_texts``: relative path under ``tpns/`` -> .tpn text.
    """

    name: str
    instrument_key: str
    instruments: tuple[str, ...]
    types: Mapping[tuple[str, str], TypeDefinition]
    date_keywords: tuple[str, ...] = ()
    global_extra_keys: tuple[str, ...] = ()
    reference_extensions: tuple[str, ...] = (".fits",)
    instrument_aliases: Mapping[str, str] = field(default_factory=dict)
    keyword_translations: Mapping[str, str] = field(default_factory=dict)
    provenance_keywords: tuple[str, ...] = ()
    reftype_keyword: str = "REFTYPE"
    useafter_keyword: str = "USEAFTER"
    substitutions: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    tpn_texts: Mapping[str, str] = field(default_factory=dict, repr=False)
    source: str | None = None
    _constraint_cache: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.lower())
        object.__setattr__(self, "instruments", tuple(i.lower() for i in self.instruments))

    # -- types --

    def filekinds(self, instrument: str | None = None) -> list[str]:
        """Sorted real types of ``instrument`` (or of every instrument)."""
        wanted = None if instrument is None else instrument.lower()
        return sorted({kind for (instr, kind), spec in self.types.items()
                       if not spec.is_pseudo and wanted in (None, instr)})

    def real_types(self) -> list[TypeDefinition]:
        """Every type that is not an ``all`` constraint entry, sorted by (instrument, type)."""
        return [self.types[key] for key in sorted(self.types) if not self.types[key].is_pseudo]

    def type_of(self, instrument: str, filekind: str) -> TypeDefinition:
        """The definition of ``filekind`` for ``instrument``."""
        key = (instrument.lower(), filekind.lower())
        try:
            return self.types[key]
        except KeyError:
            raise DefinitionError(
                f"observatory '{self.name}' defines no type '{key[1]}' for '{key[0]}'") from None

    def filetype_to_filekind(self, instrument: str, filetype: str) -> str:
        """The type whose reference files carry ``filetype`` (case-insensitive)."""
        for spec in self.real_types():
            if spec.instrument == instrument.lower() and spec.filetype.lower() == filetype.lower():
                return spec.filekind
        raise DefinitionError(f"no '{instrument}' type has filetype '{filetype}'")

    def suffix_to_filekind(self, instrument: str, suffix: str) -> str:
        """The type with file-name suffix ``suffix`` (e.g. ``drk`` -> ``darkfile``)."""
        for spec in self.real_types():
            if spec.instrument == instrument.lower() and spec.suffix.lower() == suffix.lower():
                return spec.filekind
        raise DefinitionError(f"no '{instrument}' type has suffix '{suffix}'")

    # -- constraints --

    def constraint_files(self, instrument: str, filekind: str, field: str = "tpn") -> list[str]:
        """The .tpn names applying to (instrument, type), most specific first (TOOLS.md §5.3):
        ``I_T``, ``I_all``, ``all_<subkind>`` from general to specific, ``all_all``."""
        instrument, filekind = instrument.lower(), filekind.lower()
        if field not in ("tpn", "ld_tpn"):
            raise ValueError(f"field must be 'tpn' or 'ld_tpn', not {field!r}")
        prefixes = [filekind[:i] for i, char in enumerate(filekind) if char == "-"]
        levels = [(instrument, filekind), (instrument, PSEUDO)]
        levels += [(PSEUDO, kind) for kind in reversed([*prefixes, filekind])]
        levels.append((PSEUDO, PSEUDO))
        names = []
        for level in levels:
            spec = self.types.get(level)
            if spec is not None:
                names.append(getattr(spec, field))
        return names

    def tpn_constraints(self, name: str) -> tuple[Constraint, ...]:
        """The parsed constraints of one .tpn file (cached)."""
        cached = self._constraint_cache.get(name)
        if cached is None:
            cached = self._constraint_cache[name] = parse_tpn(self._read_tpn, name)
        return cached

    def constraints_for(self, instrument: str, filekind: str,
                        field: str = "tpn") -> tuple[Constraint, ...]:
        """Every constraint for references (``tpn``) or rmap values (``ld_tpn``) of a type.

        All levels apply; duplicates are removed and the result is sorted, as CRDS does.
        Missing files contribute nothing (CRDS never writes every level), and so do links
        whose target was not copied (with a warning).
        """
        found: set[Constraint] = set()
        for name in self.constraint_files(instrument, filekind, field):
            if name not in self.tpn_texts:
                continue
            try:
                found.update(self.tpn_constraints(name))
            except DefinitionError as exc:
                log.warning("Skipping constraints of %s: %s", name, exc)
        return tuple(sorted(found))

    def _read_tpn(self, name: str) -> str:
        try:
            return self.tpn_texts[name]
        except KeyError:
            raise DefinitionError(f"constraint file '{name}' not found in '{self.name}' "
                                  "definitions") from None

    # -- serialization --

    def observatory_dict(self) -> dict[str, Any]:
        """The content of ``observatory.yaml``."""
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            "description": self.description,
            "instrument_key": self.instrument_key,
            "instruments": list(self.instruments),
            "date_keywords": list(self.date_keywords),
            "global_extra_keys": list(self.global_extra_keys),
            "reference_extensions": list(self.reference_extensions),
            "instrument_aliases": dict(self.instrument_aliases),
            "keyword_translations": dict(self.keyword_translations),
            "provenance_keywords": list(self.provenance_keywords),
            "reftype_keyword": self.reftype_keyword,
            "useafter_keyword": self.useafter_keyword,
            "substitutions": _plain(self.substitutions),
        }


# ---- our format ----------------------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.safe_load(stream)
    except FileNotFoundError:
        raise DefinitionError(f"missing definitions file: {path}") from None
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path}: invalid YAML: {exc}") from None


def load_definitions(path: str | Path) -> ObservatoryDefinition:
    """Read a definitions directory in our format (see the module docstring)."""
    root = Path(path)
    data = _load_yaml(root / "observatory.yaml")
    if not isinstance(data, dict):
        raise DefinitionError(f"{root / 'observatory.yaml'}: expected a mapping")
    unknown = sorted(set(data) - set(_OBSERVATORY_FIELDS))
    if unknown:
        raise DefinitionError(f"{root / 'observatory.yaml'}: unknown fields {unknown}")
    if int(data.get("format", FORMAT_VERSION)) != FORMAT_VERSION:
        raise DefinitionError(f"{root}: unsupported definitions format {data['format']!r}")
    for required in ("name", "instrument_key", "instruments"):
        if not data.get(required):
            raise DefinitionError(f"{root / 'observatory.yaml'}: missing '{required}'")
    types: dict[tuple[str, str], TypeDefinition] = {}
    for type_path in sorted((root / "types").glob("*.yaml")):
        content = _load_yaml(type_path)
        if not isinstance(content, dict):
            raise DefinitionError(f"{type_path}: expected a mapping")
        stem_instr, _, stem_kind = type_path.stem.partition("_")
        content = {"instrument": stem_instr, "filekind": stem_kind, **content}
        spec = TypeDefinition.from_dict(content, str(type_path))
        if (spec.instrument, spec.filekind) != (stem_instr.lower(), stem_kind.lower()):
            raise DefinitionError(f"{type_path}: file name does not match instrument/filekind "
                                  f"{spec.instrument!r}/{spec.filekind!r}")
        types[(spec.instrument, spec.filekind)] = spec
    definition = ObservatoryDefinition(
        name=_text(data["name"]),
        instrument_key=_text(data["instrument_key"]),
        instruments=_strings(data["instruments"]),
        types=types,
        date_keywords=_strings(data.get("date_keywords") or ()),
        global_extra_keys=_strings(data.get("global_extra_keys") or ()),
        reference_extensions=_strings(data.get("reference_extensions") or (".fits",)),
        instrument_aliases={str(k).lower(): str(v).lower()
                            for k, v in (data.get("instrument_aliases") or {}).items()},
        keyword_translations={str(k): str(v)
                              for k, v in (data.get("keyword_translations") or {}).items()},
        provenance_keywords=_strings(data.get("provenance_keywords") or ()),
        reftype_keyword=_text(data.get("reftype_keyword", "REFTYPE")),
        useafter_keyword=_text(data.get("useafter_keyword", "USEAFTER")),
        substitutions=dict(data.get("substitutions") or {}),
        description=_text(data.get("description") or ""),
        tpn_texts=TpnDirectory(root / "tpns"),
        source=str(root),
    )
    _check(definition)
    return definition


def _check(definition: ObservatoryDefinition) -> None:
    known = set(definition.instruments) | {PSEUDO}
    for (instrument, filekind), spec in definition.types.items():
        if instrument not in known:
            raise DefinitionError(
                f"type {instrument}_{filekind}: instrument '{instrument}' is not one of "
                f"{sorted(definition.instruments)} in '{definition.name}'")
        if not spec.is_pseudo and len(spec.classes) != len(spec.parkey):
            raise DefinitionError(
                f"type {instrument}_{filekind}: {len(spec.classes)} classes "
                f"but {len(spec.parkey)} parkey levels")


def write_definitions(definition: ObservatoryDefinition, path: str | Path) -> Path:
    """Write ``definition`` as a definitions directory in our format; returns its path."""
    root = Path(path)
    (root / "types").mkdir(parents=True, exist_ok=True)
    _dump_yaml(root / "observatory.yaml", definition.observatory_dict())
    for (instrument, filekind), spec in sorted(definition.types.items()):
        _dump_yaml(root / "types" / f"{instrument}_{filekind}.yaml", spec.to_dict())
    for name in definition.tpn_texts:
        target = root / "tpns" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(definition.tpn_texts[name], encoding="utf-8")
    return root


def _dump_yaml(path: Path, data: Any) -> None:
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
    path.write_text(text, encoding="utf-8")


# ---- CRDS's format -------------------------------------------------------------------------

#: Facts about the real observatories that CRDS keeps in Python code, not in spec files
#: (``crds/<obs>/__init__.py``, RULES.md §6): used by :func:`load_crds_definitions`.
CRDS_OBSERVATORY_FACTS: dict[str, dict[str, Any]] = {
    "hst": {
        "instrument_key": "INSTRUME",
        "date_keywords": ("DATE-OBS", "TIME-OBS"),
        "instrument_aliases": {"wfii": "wfpc2"},
        "provenance_keywords": ("DESCRIP", "COMMENT", "PEDIGREE", "USEAFTER", "HISTORY"),
        "reftype_keyword": "FILETYPE",
        "useafter_keyword": "USEAFTER",
    },
    "jwst": {
        "instrument_key": "META.INSTRUMENT.NAME",
        "date_keywords": ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
        "global_extra_keys": ("META.VISIT.TSOVISIT", "META.INSTRUMENT.LAMP_STATE"),
        "provenance_keywords": ("META.DESCRIPTION", "META.PEDIGREE", "META.USEAFTER",
                                "META.HISTORY", "META.AUTHOR", "META.MODEL_TYPE"),
        "reftype_keyword": "META.REFTYPE",
        "useafter_keyword": "META.USEAFTER",
    },
    "roman": {
        "instrument_key": "ROMAN.META.INSTRUMENT.NAME",
        "date_keywords": ("ROMAN.META.EXPOSURE.START_TIME",),
        "provenance_keywords": ("ROMAN.META.DESCRIPTION", "ROMAN.META.PEDIGREE",
                                "ROMAN.META.USEAFTER", "HISTORY", "ROMAN.META.AUTHOR"),
        "reftype_keyword": "ROMAN.META.REFTYPE",
        "useafter_keyword": "ROMAN.META.USEAFTER",
    },
    "tobs": {
        "instrument_key": "INSTRUME",
        "date_keywords": ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
        "provenance_keywords": ("META.DESCRIPTION", "META.PEDIGREE", "META.USEAFTER",
                                "META.HISTORY", "META.AUTHOR"),
        "reftype_keyword": "META.REFTYPE",
        "useafter_keyword": "META.USEAFTER",
    },
}

#: Header fields of a CRDS type spec that are not :class:`TypeDefinition` fields and say
#: nothing about the type (they describe the prototype rmap file itself).
_SPEC_FILE_FIELDS = frozenset(
    {"derived_from", "mapping", "name", "observatory", "sha1sum", "instrument", "filekind"})


def read_crds_spec(path: str | Path) -> dict[str, Any]:
    """One CRDS type spec: a ``.spec`` dict literal or a prototype ``.rmap``'s header,
    with CRDS's ``TypeSpec`` defaults filled in (tpn, ld_tpn, file_ext, ...)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".rmap":
            header = parse_mapping_text(text, path.name).header
        else:
            header = parse_literal(text, path.name)
    except CrdsError as exc:
        raise DefinitionError(f"{path}: {exc}") from None
    if not isinstance(header, dict):
        raise DefinitionError(f"{path}: a type spec must be a dictionary")
    header = dict(header)
    instrument = str(header.get("instrument", path.stem.split("_", 1)[0]))
    for required in ("suffix", "filetype"):
        if required not in header:
            raise DefinitionError(f"{path}: missing '{required}' field in type spec")
    header.setdefault("tpn", f"{instrument.lower()}_{header['suffix']}.tpn")
    header.setdefault("ld_tpn", f"{instrument.lower()}_{header['suffix']}_ld.tpn")
    header.setdefault("file_ext", ".fits")
    header.setdefault("unique_rowkeys", None)
    header.setdefault("extra_keys", None)
    return header


def read_crds_specs(specs_dir: str | Path,
                    use_combined: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    """``{instrument: {filekind: spec}}`` from a specs directory, as CRDS loads it: the
    ``combined_specs.json`` when present (and ``use_combined``), otherwise every ``*.spec``
    then every ``*.rmap`` (a prototype rmap wins over a spec of the same type)."""
    specs_dir = Path(specs_dir)
    combined = specs_dir / "combined_specs.json"
    if use_combined and combined.is_file():
        with combined.open(encoding="utf-8") as stream:
            return json.load(stream)
    specs: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(specs_dir.glob("*.spec")) + sorted(specs_dir.glob("*.rmap")):
        instrument, _, filekind = path.stem.partition("_")
        specs.setdefault(instrument, {})[filekind] = read_crds_spec(path)
    return specs


def type_from_crds_spec(instrument: str, filekind: str, spec: Mapping[str, Any],
                        date_keywords: tuple[str, ...] = ()) -> TypeDefinition:
    """A :class:`TypeDefinition` from a CRDS spec. A flat spec ``parkey`` (HST's form) lists
    the Match parameters; with two classes the date keywords become the UseAfter level."""
    classes = _strings(spec.get("classes") or ("Match", "UseAfter"))
    raw = list(spec.get("parkey") or ())
    if raw and all(isinstance(v, str) for v in raw):
        parkey: Parkey = (tuple(raw),)
        if len(classes) == 2 and classes[1] == "UseAfter" and date_keywords:
            parkey = (tuple(raw), tuple(date_keywords))
    else:
        parkey = tuple(_strings(level) for level in raw)
    own = {item.name for item in fields(TypeDefinition)}
    extra = {k: v for k, v in spec.items() if k not in own and k not in _SPEC_FILE_FIELDS}
    return TypeDefinition(
        instrument=instrument,
        filekind=filekind,
        suffix=_text(spec.get("suffix", "")),
        filetype=_text(spec.get("filetype", "")),
        text_descr=_text(spec.get("text_descr") or ""),
        file_ext=_text(spec.get("file_ext") or ".fits"),
        parkey=parkey,
        classes=classes,
        reffile_required=_text(spec.get("reffile_required") or "NONE"),
        reffile_switch=_text(spec.get("reffile_switch") or "NONE"),
        reffile_format=_text(spec.get("reffile_format") or "IMAGE"),
        rmap_relevance=_text(spec.get("rmap_relevance") or "ALWAYS"),
        extra_keys=_strings(spec.get("extra_keys") or ()),
        parkey_relevance=dict(spec.get("parkey_relevance") or {}),
        unique_rowkeys=(None if spec.get("unique_rowkeys") is None
                        else _strings(spec["unique_rowkeys"])),
        tpn=_text(spec.get("tpn") or ""),
        ld_tpn=_text(spec.get("ld_tpn") or ""),
        extra=_plain(extra),
    )


def load_crds_definitions(path: str | Path, name: str | None = None,
                          **overrides: Any) -> ObservatoryDefinition:
    """Read a definitions directory in CRDS's own layout (``specs/``, ``tpns/``,
    ``substitutions.dat``). ``name`` defaults to the directory name; facts CRDS keeps in
    code come from :data:`CRDS_OBSERVATORY_FACTS` and may be overridden by keyword."""
    root = Path(path)
    obs = (name or root.name).lower()
    if not (root / "specs").is_dir():
        raise DefinitionError(f"{root}: no 'specs' directory (not a CRDS definitions tree)")
    facts: dict[str, Any] = {"instrument_key": "INSTRUME", **CRDS_OBSERVATORY_FACTS.get(obs, {})}
    facts.update(overrides)
    date_keywords = tuple(facts.get("date_keywords", ()))
    types: dict[tuple[str, str], TypeDefinition] = {}
    for instrument, kinds in read_crds_specs(root / "specs").items():
        for filekind, spec in kinds.items():
            definition = type_from_crds_spec(instrument, filekind, spec, date_keywords)
            types[(definition.instrument, definition.filekind)] = definition
    instruments = tuple(sorted({i for i, _ in types} - {PSEUDO}))
    extensions = tuple(sorted({t.file_ext for t in types.values() if not t.is_pseudo}))
    substitutions: Mapping[str, Any] = {}
    if (root / "substitutions.dat").is_file():
        text = (root / "substitutions.dat").read_text(encoding="utf-8")
        try:
            substitutions = parse_literal(text, "substitutions.dat")
        except CrdsError as exc:
            raise DefinitionError(f"{root / 'substitutions.dat'}: {exc}") from None
    if obs == "jwst" and "keyword_translations" not in facts:
        from .keywords import jwst_fits_to_datamodel

        facts["keyword_translations"] = dict(jwst_fits_to_datamodel())
    definition = ObservatoryDefinition(
        name=obs,
        instruments=instruments,
        types=types,
        reference_extensions=extensions or (".fits",),
        substitutions=substitutions,
        tpn_texts=TpnDirectory(root / "tpns"),
        source=str(root),
        **{k: v for k, v in facts.items() if k not in ("name", "instruments", "types")},
    )
    _check_crds(definition)
    return definition


def _check_crds(definition: ObservatoryDefinition) -> None:
    for key, spec in definition.types.items():
        if not spec.suffix:
            raise DefinitionError(f"{definition.source}: type {key} has no suffix")


