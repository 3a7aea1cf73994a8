"""A small synthetic mission, ``example``, defined only by data (no code of its own).

It shows (and the tests check) that a mission of any name works from its definitions: the
server imports it, certifies against its definitions and serves its rules. (``serve --demo``
serves :mod:`.demo` instead, a JWST-shaped mission the real crds client accepts.)

:func:`generate_example_mission` writes, under a target directory laid out like a CRDS cache::

    mappings/example/    example_0001.pmap .. example_0004.pmap, their imaps and rmaps
    references/example/  example_<instr>_<type>_<NNNN>.fits (tiny, valid FITS made with astropy)
    config/example/      server_config (Python literal, like CRDS's), ref_cache_subdir_mode
    definitions/example/ the mission's definitions in our format (observatory.yaml, types, tpns)
    samples/example/     headers.json: dataset headers and the references they select

Three instruments, twelve types (Match + UseAfter, and two Match-only), four contexts: each
context after the first changes one rmap, as a real delivery does. Everything is a pure
function of ``seed`` (which only changes the reference data arrays).
"""

from __future__ import annotations

import itertools
import json
import pprint
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..rules.parser import SelectorCall
from .definitions import ObservatoryDefinition, TypeDefinition, load_definitions, write_definitions
from .generic import imap_text, pmap_text, rmap_text

OBSERVATORY = "example"
DATE_KEYWORDS = ("DATE-OBS", "TIME-OBS")
AUTHOR = "opencrds example generator"

#: Parameter values per instrument (every dataset keyword an example rmap matches on).
PARAMETERS: dict[str, dict[str, tuple[str, ...]]] = {
    "camera": {"DETECTOR": ("CAM1", "CAM2"), "FILTER": ("F100W", "F200W", "F300W"),
               "READPATT": ("FAST", "SLOW"), "EXPTYPE": ("CAM_IMAGE", "CAM_DARK")},
    "spectro": {"DETECTOR": ("SPEC1",), "GRATING": ("G140", "G235", "G395"),
                "SLIT": ("S200", "S400")},
    "guider": {"DETECTOR": ("GUIDER1", "GUIDER2")},
}


class _Kind(NamedTuple):
    instrument: str
    filekind: str
    suffix: str
    text_descr: str
    match: tuple[str, ...]
    use_after: bool = True
    reffile_format: str = "IMAGE"
    rows: tuple[tuple[str, ...], ...] = ()  # default: every combination of the values
    rmap_relevance: str = "ALWAYS"
    extra_keys: tuple[str, ...] = ()


KINDS = (
    _Kind("camera", "bias", "bia", "Bias frame", ("DETECTOR",)),
    _Kind("camera", "dark", "drk", "Dark current", ("DETECTOR", "READPATT"),
          rows=(("CAM1", "FAST"), ("CAM1", "SLOW"), ("CAM2", "FAST|SLOW"))),
    _Kind("camera", "flat", "flt", "Pixel-to-pixel flat field", ("DETECTOR", "FILTER")),
    _Kind("camera", "gain", "gain", "Detector gain", ("DETECTOR",), use_after=False),
    _Kind("camera", "photom", "pht", "Photometric calibration", ("FILTER",),
          reffile_format="TABLE", rmap_relevance='(EXPTYPE != "CAM_DARK")',
          extra_keys=("EXPTYPE",)),
    _Kind("spectro", "dark", "drk", "Dark current", ("DETECTOR",)),
    _Kind("spectro", "flat", "flt", "Spectroscopic flat field", ("DETECTOR", "GRATING")),
    _Kind("spectro", "fluxcal", "flx", "Flux calibration", ("GRATING", "SLIT"),
          reffile_format="TABLE"),
    _Kind("spectro", "trace", "trc", "Spectral trace", ("GRATING",), reffile_format="TABLE",
          rows=(("G140|G235",), ("G395",))),
    _Kind("spectro", "wavecal", "wav", "Wavelength calibration", ("GRATING", "SLIT"),
          reffile_format="TABLE"),
    _Kind("guider", "dark", "drk", "Dark current", ("DETECTOR",)),
    _Kind("guider", "mask", "msk", "Bad pixel mask", ("DETECTOR",), use_after=False),
)

INITIAL_DATES = ("2023-01-01 00:00:00", "2023-07-01 00:00:00")


class _Delivery(NamedTuple):
    date: str  # when the context became operational
    instrument: str
    filekind: str
    rows: tuple[tuple[str, ...], ...]  # rows receiving a new reference
    use_after: str | None  # its UseAfter date (None: replaces a Match-only terminal)
    description: str


DELIVERIES = (
    _Delivery("2024-02-15 10:00:00", "camera", "dark", (("CAM1", "FAST"),), "2024-02-01 00:00:00",
              "New CAM1 FAST dark, in use after 2024-02-01."),
    _Delivery("2024-03-15 10:00:00", "spectro", "wavecal", (("G395", "S200"), ("G395", "S400")),
              "2024-03-01 00:00:00", "New G395 wavelength calibrations, in use after 2024-03-01."),
    _Delivery("2024-04-15 10:00:00", "guider", "mask", (("GUIDER2",),), None,
              "Replaced the GUIDER2 bad pixel mask."),
)
FIRST_CONTEXT_DATE = "2024-01-15 10:00:00"


@dataclass(frozen=True)
class SampleHeader:
    """A dataset header and the best references it selects in ``context``."""

    name: str
    header: dict[str, str]
    expected: dict[str, str]
    context: str


@dataclass(frozen=True)
class ExampleMission:
    """What :func:`generate_example_mission` wrote. ``history`` is oldest first:
    ``(date, pmap, description)``; ``server_config`` lists it newest first, like CRDS."""

    root: Path
    seed: int
    definition: ObservatoryDefinition
    contexts: tuple[str, ...]
    operational_context: str
    history: tuple[tuple[str, str, str], ...]
    mappings: tuple[str, ...]
    references: tuple[str, ...]
    samples: tuple[SampleHeader, ...]
    observatory: str = OBSERVATORY
    server_config: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def mappings_dir(self) -> Path:
        return self.root / "mappings" / self.observatory

    @property
    def references_dir(self) -> Path:
        return self.root / "references" / self.observatory

    @property
    def config_dir(self) -> Path:
        return self.root / "config" / self.observatory

    @property
    def definitions_dir(self) -> Path:
        return self.root / "definitions" / self.observatory

    @property
    def samples_path(self) -> Path:
        return self.root / "samples" / self.observatory / "headers.json"


# ---- definitions ---------------------------------------------------------------------------


def example_definition() -> ObservatoryDefinition:
    """The example observatory's definitions (types, parameters and constraints)."""
    types: dict[tuple[str, str], TypeDefinition] = {}
    texts: dict[str, str] = {}
    for kind in KINDS:
        spec = TypeDefinition(
            instrument=kind.instrument, filekind=kind.filekind, suffix=kind.suffix,
            filetype=kind.filekind.upper(), text_descr=kind.text_descr, file_ext=".fits",
            parkey=(kind.match, DATE_KEYWORDS) if kind.use_after else (kind.match,),
            classes=("Match", "UseAfter") if kind.use_after else ("Match",),
            reffile_required="YES", reffile_format=kind.reffile_format,
            rmap_relevance=kind.rmap_relevance, extra_keys=kind.extra_keys,
        )
        types[(spec.instrument, spec.filekind)] = spec
        params = [(name, PARAMETERS[kind.instrument][name])
                  for name in kind.match + kind.extra_keys]
        head = [("INSTRUME", (kind.instrument.upper(),)), ("REFTYPE", (spec.filetype,))]
        texts[spec.tpn] = _tpn(f"{kind.instrument} {kind.filekind} reference files",
                               head + params)
        texts[spec.ld_tpn] = _tpn(f"{kind.instrument} {kind.filekind} rmap match values",
                                  params[: len(kind.match)])
    types[("all", "all")] = TypeDefinition(
        instrument="all", filekind="all", suffix="all", filetype="all",
        text_descr="Every example instrument and type.", tpn="all_all.tpn",
        ld_tpn="all_all_ld.tpn")
    texts["all_all.tpn"] = _tpn("every example reference file", [
        ("TELESCOP", ("EXAMPLE",)), ("USEAFTER", ("&JWSTDATE",)), ("PEDIGREE", ("&JWSTPEDIGREE",)),
        ("DESCRIP", ()), ("AUTHOR", ())])
    texts["all_all_ld.tpn"] = _tpn("every example rmap (no common constraints)", [])
    return ObservatoryDefinition(
        name=OBSERVATORY, instrument_key="INSTRUME", instruments=tuple(PARAMETERS),
        types=types, date_keywords=DATE_KEYWORDS, reference_extensions=(".fits",),
        provenance_keywords=("DESCRIP", "PEDIGREE", "USEAFTER", "AUTHOR", "HISTORY"),
        reftype_keyword="REFTYPE", useafter_keyword="USEAFTER",
        description="A synthetic mission generated by opencrds (three instruments, twelve "
                    "types) so that a fresh install serves something real.",
        tpn_texts=texts,
    )


def _tpn(what: str, constraints: Iterable[tuple[str, tuple[str, ...]]]) -> str:
    lines = [f"# Certify constraints for {what} (generated by opencrds).",
             "# NAME      KEYTYPE DATATYPE PRESENCE VALUES"]
    for name, values in constraints:
        lines.append(f"{name:<11} H       C        R        {','.join(values)}".rstrip())
    return "\n".join(lines) + "\n"


# ---- rules and references ------------------------------------------------------------------


class _Series:
    """Serial numbers per file series (``example_camera_dark`` .fits / .rmap, imaps, pmap)."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], int] = {}

    def next(self, stem: str, ext: str) -> str:
        serial = self.last.get((stem, ext), 0) + 1
        self.last[(stem, ext)] = serial
        return f"{stem}_{serial:04d}{ext}"


@dataclass
class _Reference:
    name: str
    kind: _Kind
    row: tuple[str, ...]
    use_after: str  # 'YYYY-MM-DD HH:MM:SS'
    pedigree: str


class _Builder:
    def __init__(self, root: Path, seed: int, definition: ObservatoryDefinition) -> None:
        self.root, self.seed, self.definition = root, seed, definition
        self.series = _Series()
        self.references: list[_Reference] = []
        # (instrument, filekind) -> row -> {use_after date: file} or file (Match only)
        self.rows: dict[tuple[str, str], dict[tuple[str, ...], Any]] = {}
        self.rmaps: dict[tuple[str, str], str] = {}
        self.imaps: dict[str, str] = {}
        self.mappings: list[str] = []
        self.contexts: list[str] = []

    @property
    def mappings_dir(self) -> Path:
        return self.root / "mappings" / OBSERVATORY

    def add_reference(self, kind: _Kind, row: tuple[str, ...], use_after: str | None,
                      pedigree: str) -> str:
        name = self.series.next(f"{OBSERVATORY}_{kind.instrument}_{kind.filekind}", ".fits")
        date = use_after or INITIAL_DATES[0]
        self.references.append(_Reference(name, kind, row, date, pedigree))
        table = self.rows.setdefault((kind.instrument, kind.filekind), {})
        if use_after is None:
            table[row] = name
        else:
            table.setdefault(row, {})[use_after] = name
        return name

    def write(self, name: str, text: str) -> None:
        self.mappings_dir.mkdir(parents=True, exist_ok=True)
        (self.mappings_dir / name).write_text(text, encoding="utf-8")
        self.mappings.append(name)

    def write_rmap(self, kind: _Kind, derived_from: str) -> None:
        key = (kind.instrument, kind.filekind)
        name = self.series.next(f"{OBSERVATORY}_{kind.instrument}_{kind.filekind}", ".rmap")
        entries = {row: (SelectorCall("UseAfter", dict(value)) if isinstance(value, dict)
                         else value) for row, value in self.rows[key].items()}
        self.write(name, rmap_text(self.definition, kind.instrument, kind.filekind, name,
                                   SelectorCall("Match", entries), derived_from))
        self.rmaps[key] = name

    def write_imap(self, instrument: str, derived_from: str) -> None:
        name = self.series.next(f"{OBSERVATORY}_{instrument}", ".imap")
        rmaps = {kind: rmap for (instr, kind), rmap in self.rmaps.items() if instr == instrument}
        self.write(name, imap_text(self.definition, instrument, name, rmaps, derived_from))
        self.imaps[instrument] = name

    def write_pmap(self, derived_from: str, description: str) -> str:
        name = self.series.next(OBSERVATORY, ".pmap")
        self.write(name, pmap_text(self.definition, name, self.imaps, derived_from, description))
        self.contexts.append(name)
        return name


def _rows(kind: _Kind) -> tuple[tuple[str, ...], ...]:
    if kind.rows:
        return kind.rows
    values = [PARAMETERS[kind.instrument][name] for name in kind.match]
    return tuple(itertools.product(*values))


def _build_rules(builder: _Builder) -> list[tuple[str, str, str]]:
    generated = f"generated by opencrds example mission (seed {builder.seed})"
    for kind in KINDS:
        for index, row in enumerate(_rows(kind)):
            if not kind.use_after:
                builder.add_reference(kind, row, None, "GROUND")
                continue
            # The first row of each type has a history of two references.
            for date in INITIAL_DATES[: 2 if index == 0 else 1]:
                builder.add_reference(kind, row, date, _pedigree(date))
        builder.write_rmap(kind, generated)
    for instrument in PARAMETERS:
        builder.write_imap(instrument, generated)
    first = builder.write_pmap(generated, "Initial example rules.")
    history = [(FIRST_CONTEXT_DATE, first, "Initial example rules.")]
    kinds = {(k.instrument, k.filekind): k for k in KINDS}
    for delivery in DELIVERIES:
        kind = kinds[(delivery.instrument, delivery.filekind)]
        for row in delivery.rows:
            pedigree = _pedigree(delivery.use_after) if delivery.use_after else "GROUND"
            builder.add_reference(kind, row, delivery.use_after, pedigree)
        builder.write_rmap(kind, builder.rmaps[(kind.instrument, kind.filekind)])
        builder.write_imap(kind.instrument, builder.imaps[kind.instrument])
        context = builder.write_pmap(builder.contexts[-1], delivery.description)
        history.append((delivery.date, context, delivery.description))
    return history


def _pedigree(use_after: str) -> str:
    day = use_after[:10]
    return f"INFLIGHT {day} {day}"


def _write_fits(path: Path, reference: _Reference, seed: int) -> None:
    import numpy as np
    from astropy.io import fits

    kind = reference.kind
    rng = np.random.default_rng([seed, zlib.crc32(reference.name.encode())])
    header = fits.Header()
    header["TELESCOP"] = ("EXAMPLE", "synthetic opencrds example mission")
    header["INSTRUME"] = kind.instrument.upper()
    header["REFTYPE"] = (kind.filekind.upper(), "reference type")
    header["FILETYPE"] = kind.filekind.upper()
    header["USEAFTER"] = (reference.use_after.replace(" ", "T"), "use after this date")
    header["PEDIGREE"] = reference.pedigree
    values = ", ".join(f"{k}={v}" for k, v in zip(kind.match, reference.row, strict=True))
    header["DESCRIP"] = f"Example {kind.instrument} {kind.filekind} for {values}"
    header["AUTHOR"] = AUTHOR
    for keyword, value in zip(kind.match, reference.row, strict=True):
        header[keyword] = value
    for keyword in kind.extra_keys:
        header[keyword] = PARAMETERS[kind.instrument][keyword][0]
    header["HISTORY"] = f"Generated by opencrds (seed {seed})."
    if kind.reffile_format == "TABLE":
        primary = fits.PrimaryHDU(header=header)
        columns = [
            fits.Column(name="WAVELENGTH", format="E", unit="um",
                        array=np.linspace(0.6, 5.0, 8, dtype="float32")),
            fits.Column(name="VALUE", format="E",
                        array=rng.normal(1.0, 0.01, 8).astype("float32")),
        ]
        hdus = fits.HDUList([primary, fits.BinTableHDU.from_columns(columns, name="DATA")])
    else:
        data = rng.normal(1.0, 0.01, (8, 8)).astype("float32")
        hdus = fits.HDUList([fits.PrimaryHDU(data=data, header=header)])
    hdus.writeto(path, overwrite=True, output_verify="exception")


# ---- samples -------------------------------------------------------------------------------

_SAMPLE_VALUES: dict[str, tuple[dict[str, str], ...]] = {
    "camera": ({"DETECTOR": "CAM1", "FILTER": "F100W", "READPATT": "FAST"},
               {"DETECTOR": "CAM2", "FILTER": "F300W", "READPATT": "SLOW"}),
    "spectro": ({"DETECTOR": "SPEC1", "GRATING": "G395", "SLIT": "S200"},
                {"DETECTOR": "SPEC1", "GRATING": "G140", "SLIT": "S400"}),
    "guider": ({"DETECTOR": "GUIDER1"}, {"DETECTOR": "GUIDER2"}),
}
_SAMPLE_DATES = (("2024-06-01", "12:00:00"), ("2023-03-01", "08:30:00"))


def _expected(builder: _Builder, instrument: str, header: Mapping[str, str]) -> dict[str, str]:
    """The reference each type selects, worked out from the rows (not from the engine)."""
    when = f"{header['DATE-OBS']} {header['TIME-OBS']}"
    result = {}
    for kind in KINDS:
        if kind.instrument != instrument:
            continue
        for row, value in builder.rows[(instrument, kind.filekind)].items():
            if all(header[p] in field.split("|") for p, field in zip(kind.match, row,
                                                                     strict=True)):
                if isinstance(value, dict):
                    result[kind.filekind] = value[max(d for d in value if d <= when)]
                else:
                    result[kind.filekind] = value
    return result


def _samples(builder: _Builder, context: str) -> tuple[SampleHeader, ...]:
    samples = []
    for instrument, variants in _SAMPLE_VALUES.items():
        for index, values in enumerate(variants):
            for date, time in _SAMPLE_DATES[: 2 if index == 0 else 1]:
                header = {"INSTRUME": instrument.upper(), **values,
                          "DATE-OBS": date, "TIME-OBS": time}
                if instrument == "camera":
                    header["EXPTYPE"] = "CAM_IMAGE"
                name = f"{instrument}-{index + 1}-{date}"
                samples.append(SampleHeader(name, header, _expected(builder, instrument, header),
                                            context))
    return tuple(samples)


# ---- entry point ---------------------------------------------------------------------------


def generate_example_mission(target_dir: str | Path, *, seed: int = 0) -> ExampleMission:
    """Write the example mission under ``target_dir`` (created; files of the same names are
    overwritten) and describe it. The same ``seed`` always gives byte-identical files."""
    root = Path(target_dir)
    definitions_dir = root / "definitions" / OBSERVATORY
    write_definitions(example_definition(), definitions_dir)
    definition = load_definitions(definitions_dir)
    builder = _Builder(root, seed, definition)
    history = _build_rules(builder)
    references_dir = root / "references" / OBSERVATORY
    references_dir.mkdir(parents=True, exist_ok=True)
    for reference in builder.references:
        _write_fits(references_dir / reference.name, reference, seed)
    operational = builder.contexts[-1]
    samples = _samples(builder, operational)
    samples_path = root / "samples" / OBSERVATORY / "headers.json"
    samples_path.parent.mkdir(parents=True, exist_ok=True)
    samples_path.write_text(json.dumps(
        {"observatory": OBSERVATORY, "context": operational,
         "samples": [{"name": s.name, "header": s.header, "expected": s.expected}
                     for s in samples]}, indent=2) + "\n", encoding="utf-8")
    config = _server_config(builder, history)
    config_dir = root / "config" / OBSERVATORY
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "server_config").write_text(pprint.pformat(config, width=100) + "\n",
                                              encoding="utf-8")
    (config_dir / "ref_cache_subdir_mode").write_text("flat\n", encoding="utf-8")
    return ExampleMission(
        root=root, seed=seed, definition=definition, contexts=tuple(builder.contexts),
        operational_context=operational, history=tuple(history),
        mappings=tuple(sorted(builder.mappings)),
        references=tuple(sorted(r.name for r in builder.references)),
        samples=samples, server_config=config,
    )


def _server_config(builder: _Builder, history: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A description of the mission in the shape of CRDS's cached ``server_config``."""
    operational = builder.contexts[-1]
    return {
        "observatory": OBSERVATORY,
        "operational_context": operational,
        "edit_context": operational,
        "context_history": [list(entry) for entry in reversed(history)],
        "mappings": sorted(builder.mappings),
        "bad_files_list": [],
        "bad_files": "",
        "status": "example",
        "connected": False,
        "seed": builder.seed,
    }
