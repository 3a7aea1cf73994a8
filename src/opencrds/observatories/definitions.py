"""Observatories defined by data: instruments, types, matching parameters and constraints.

A *definitions directory* in our format (ARCHITECTURE.md, "Observatories as data")::

    observatory.yaml            name, instrument key, instruments, date keywords, ...
    types/<instr>_<type>.yaml   one reference type each (``all`` stands for every instrument
                                or every type: such entries only name constraint files)
    tpns/*.tpn, tpns/**/*.tpn   certify constraint files in CRDS's .tpn text (TOOLS.md §5.3)

or, bundled (one file each, as the definitions shipped with opencrds are written)::

    types.yaml                  {"<instr>_<type>": type fields}
    tpns.yaml                   {"<path>.tpn": .tpn text}  (read when first needed)

:func:`load_definitions` reads either form and :func:`write_definitions` writes it;
:mod:`.crds_format` reads CRDS's own layout into the same :class:`ObservatoryDefinition`, and
:mod:`.tpn` parses the constraint files.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from .tpn import Constraint, DefinitionError, TpnDirectory, parse_tpn

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
PSEUDO = "all"  # instrument or type name meaning "every one" in constraint levels


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
            result[item.name] = plain_value(getattr(self, item.name))
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
                instrument=text_value(data["instrument"]),
                filekind=text_value(data["filekind"]),
                suffix=text_value(data["suffix"]),
                filetype=text_value(data["filetype"]),
                text_descr=text_value(data.get("text_descr", "")),
                file_ext=text_value(data.get("file_ext", ".fits")),
                parkey=_parkey(data.get("parkey", ())),
                classes=string_tuple(data.get("classes", ("Match", "UseAfter"))),
                reffile_required=text_value(data.get("reffile_required", "NONE")),
                reffile_switch=text_value(data.get("reffile_switch", "NONE")),
                reffile_format=text_value(data.get("reffile_format", "IMAGE")),
                rmap_relevance=text_value(data.get("rmap_relevance", "ALWAYS")),
                extra_keys=string_tuple(data.get("extra_keys") or ()),
                parkey_relevance=dict(data.get("parkey_relevance") or {}),
                unique_rowkeys=(None if data.get("unique_rowkeys") is None
                                else string_tuple(data["unique_rowkeys"])),
                tpn=text_value(data.get("tpn") or ""),
                ld_tpn=text_value(data.get("ld_tpn") or ""),
                extra=dict(data.get("extra") or {}),
            )
        except (TypeError, ValueError) as exc:
            raise DefinitionError(f"{where}: {exc}") from None


def plain_value(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [plain_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain_value(v) for k, v in value.items()}
    return value


def _tuples(value: Any) -> Any:
    """Lists (YAML has no tuples) become tuples, as in mapping headers."""
    if isinstance(value, (tuple, list)):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def text_value(value: Any) -> str:
    """A string field; YAML 1.1 reads unquoted YES/NO as booleans, so map them back."""
    if isinstance(value, bool):
        return "YES" if value else "NO"
    if not isinstance(value, (str, int, float)):
        raise TypeError(f"expected a string, got {value!r}")
    return str(value)


def string_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(text_value(v) for v in value)


def _parkey(value: Any) -> Parkey:
    """Tuple of tuples; a flat list of names is one level."""
    items = list(value or ())
    if items and all(isinstance(v, str) for v in items):
        return (tuple(items),)
    return tuple(string_tuple(level) for level in items)


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
        to themselves (CRDS's tree links there to constraints kept elsewhere; JWST's are
        stood in for by certify) and other broken files (with a warning).
        """
        found: set[Constraint] = set()
        for name in self.constraint_files(instrument, filekind, field):
            if name not in self.tpn_texts:
                continue
            try:
                found.update(self.tpn_constraints(name))
            except DefinitionError as exc:
                level = logging.DEBUG if "link to itself" in str(exc) else logging.WARNING
                log.log(level, "Skipping constraints of %s: %s", name, exc)
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
            "substitutions": plain_value(self.substitutions),
        }


# ---- our format ----------------------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    import yaml  # here, not at the top: every command imports this module, few read YAML

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=loader)  # noqa: S506 - a safe loader
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
    entries = [(path.stem, _load_yaml(path), str(path))
               for path in sorted((root / "types").glob("*.yaml"))]
    if (root / "types.yaml").is_file():
        bundle = _load_yaml(root / "types.yaml")
        if not isinstance(bundle, dict):
            raise DefinitionError(f"{root / 'types.yaml'}: expected a mapping")
        entries += [(str(key), value, f"{root / 'types.yaml'}: {key}")
                    for key, value in bundle.items()]
    for stem, content, where in entries:
        if not isinstance(content, dict):
            raise DefinitionError(f"{where}: expected a mapping")
        stem_instr, _, stem_kind = stem.partition("_")
        content = {"instrument": stem_instr, "filekind": stem_kind, **content}
        spec = TypeDefinition.from_dict(content, where)
        if (spec.instrument, spec.filekind) != (stem_instr.lower(), stem_kind.lower()):
            raise DefinitionError(f"{where}: name does not match instrument/filekind "
                                  f"{spec.instrument!r}/{spec.filekind!r}")
        types[(spec.instrument, spec.filekind)] = spec
    definition = ObservatoryDefinition(
        name=text_value(data["name"]),
        instrument_key=text_value(data["instrument_key"]),
        instruments=string_tuple(data["instruments"]),
        types=types,
        date_keywords=string_tuple(data.get("date_keywords") or ()),
        global_extra_keys=string_tuple(data.get("global_extra_keys") or ()),
        reference_extensions=string_tuple(data.get("reference_extensions") or (".fits",)),
        instrument_aliases={str(k).lower(): str(v).lower()
                            for k, v in (data.get("instrument_aliases") or {}).items()},
        keyword_translations={str(k): str(v)
                              for k, v in (data.get("keyword_translations") or {}).items()},
        provenance_keywords=string_tuple(data.get("provenance_keywords") or ()),
        reftype_keyword=text_value(data.get("reftype_keyword", "REFTYPE")),
        useafter_keyword=text_value(data.get("useafter_keyword", "USEAFTER")),
        substitutions=dict(data.get("substitutions") or {}),
        description=text_value(data.get("description") or ""),
        tpn_texts=_tpn_texts(root),
        source=str(root),
    )
    _check(definition)
    return definition


class TpnBundle(Mapping[str, str]):
    """The .tpn texts of a bundled ``tpns.yaml``, read when first needed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._texts: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._texts is None:
            data = _load_yaml(self.path)
            if not isinstance(data, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
                raise DefinitionError(f"{self.path}: expected a mapping of name to .tpn text")
            self._texts = data
        return self._texts

    def __getitem__(self, name: str) -> str:
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._load()))

    def __len__(self) -> int:
        return len(self._load())


class _TpnTexts(Mapping[str, str]):
    """The ``tpns/`` directory, then the ``tpns.yaml`` bundle."""

    def __init__(self, *parts: Mapping[str, str]) -> None:
        self.parts = parts

    def __getitem__(self, name: str) -> str:
        for part in self.parts:
            if name in part:
                return part[name]
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({name for part in self.parts for name in part}))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _tpn_texts(root: Path) -> Mapping[str, str]:
    directory = TpnDirectory(root / "tpns")
    if not (root / "tpns.yaml").is_file():
        return directory
    bundle = TpnBundle(root / "tpns.yaml")
    return _TpnTexts(directory, bundle) if directory.root.is_dir() else bundle


def _check(definition: ObservatoryDefinition) -> None:
    known = set(definition.instruments) | {PSEUDO}
    for (instrument, filekind), spec in definition.types.items():
        if instrument not in known:
            raise DefinitionError(
                f"type {instrument}_{filekind}: instrument '{instrument}' is not one of "
                f"{sorted(definition.instruments)} in '{definition.name}'")
        # CRDS's specs may leave out parameters (none, or the UseAfter level's): fewer
        # levels than classes is allowed, more is not.
        if not spec.is_pseudo and len(spec.classes) < len(spec.parkey):
            raise DefinitionError(
                f"type {instrument}_{filekind}: {len(spec.classes)} classes "
                f"but {len(spec.parkey)} parkey levels")


def write_definitions(definition: ObservatoryDefinition, path: str | Path, *,
                      bundled: bool = False, preamble: str = "") -> Path:
    """Write ``definition`` as a definitions directory in our format; returns its path.

    ``bundled`` writes ``types.yaml`` and ``tpns.yaml`` instead of one file per type and per
    constraint file; ``preamble`` (comment lines) heads each YAML file.
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    _dump_yaml(root / "observatory.yaml", definition.observatory_dict(), preamble)
    types = {f"{instrument}_{filekind}": spec.to_dict()
             for (instrument, filekind), spec in sorted(definition.types.items())}
    if bundled:
        _dump_yaml(root / "types.yaml", types, preamble)
        texts = {name: definition.tpn_texts[name] for name in sorted(definition.tpn_texts)}
        _dump_yaml(root / "tpns.yaml", texts, preamble)
        return root
    (root / "types").mkdir(exist_ok=True)
    for stem, content in types.items():
        _dump_yaml(root / "types" / f"{stem}.yaml", content)
    for name in definition.tpn_texts:
        target = root / "tpns" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(definition.tpn_texts[name], encoding="utf-8")
    return root


def _str_presenter(dumper: Any, value: str) -> Any:
    """Multi-line strings (.tpn texts) as literal blocks."""
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _dump_yaml(path: Path, data: Any, preamble: str = "") -> None:
    """Write YAML atomically."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(str, _str_presenter)
    text = yaml.dump(data, Dumper=Dumper, sort_keys=False, default_flow_style=None, width=100)
    write_text_atomic(path, preamble + text)


