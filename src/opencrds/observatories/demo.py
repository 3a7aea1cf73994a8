"""The demo: a small made-up mission shaped like JWST, served by ``opencrds serve --demo``.

It is served under the observatory name ``jwst`` so that the unmodified crds client accepts it
(that client knows only hst, jwst, roman and tobs): real JWST instruments, reference types and
rmap parameters (``META.INSTRUMENT.DETECTOR``, ``META.INSTRUMENT.FILTER``, ...; UseAfter on
``META.OBSERVATION.DATE``/``TIME``), tiny FITS references that certify against both crds's and
our JWST definitions. The files are NOT real JWST files: their names (``jwst_0001.pmap``, ...)
collide with the real mission's, so a cache synced from the demo must never be mixed into a
real JWST cache.

:func:`generate_demo_mission` writes, under a target directory laid out like a CRDS cache::

    mappings/jwst/     jwst_0001.pmap .. jwst_0005.pmap, their imaps and rmaps
    references/jwst/   jwst_<instr>_<type>_<NNNN>.fits
    config/jwst/       server_config (context history, like CRDS's), ref_cache_subdir_mode
    samples/jwst/      headers.json: the sample datasets and the references they select

and describes what the server should also show (deliveries, build contexts, datasets): see
:mod:`opencrds.server.catalog.demo`. Everything is a pure function of ``seed`` (which only
changes the reference data arrays).
"""

from __future__ import annotations

import datetime
import json
import pprint
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..rules.parser import SelectorCall
from ..rules.writer import write_with_checksum

OBSERVATORY = "jwst"
DETECTOR = "META.INSTRUMENT.DETECTOR"
FILTER = "META.INSTRUMENT.FILTER"
PUPIL = "META.INSTRUMENT.PUPIL"
EXP_TYPE = "META.EXPOSURE.TYPE"
READPATT = "META.EXPOSURE.READPATT"
SUBARRAY = "META.SUBARRAY.NAME"
DATE_KEYS = ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME")
AUTHOR = "OpenCRDS demo generator"

#: Data-model keyword -> FITS keyword, for the keywords the demo writes.
FITS_KEYWORDS = {DETECTOR: "DETECTOR", FILTER: "FILTER", PUPIL: "PUPIL", EXP_TYPE: "EXP_TYPE",
                 READPATT: "READPATT", SUBARRAY: "SUBARRAY"}
#: Data-model keyword -> the FITS keyword of a reference's or-pattern (``A|B|``).
PATTERN_KEYWORDS = {DETECTOR: "P_DETECT", FILTER: "P_FILTER", PUPIL: "P_PUPIL",
                    EXP_TYPE: "P_EXP_TY", READPATT: "P_READPA", SUBARRAY: "P_SUBARR"}


class Instrument(NamedTuple):
    """A demo instrument: its detectors (with their fast/slow axes), a small subarray the
    references are made for, and the values datasets take."""

    name: str
    detectors: dict[str, tuple[int, int]]
    subarray: tuple[str, int]  # name, size in pixels (square)
    values: dict[str, tuple[str, ...]]


INSTRUMENTS = (
    Instrument("nircam", {"NRCA1": (-1, 2), "NRCB1": (1, -2)}, ("SUB8FP1A", 8),
               {FILTER: ("F150W", "F200W"), PUPIL: ("CLEAR",), EXP_TYPE: ("NRC_IMAGE",),
                READPATT: ("RAPID", "BRIGHT2")}),
    Instrument("niriss", {"NIS": (-2, -1)}, ("SUB64", 64),
               {FILTER: ("F150W", "F200W"), PUPIL: ("CLEARP",), EXP_TYPE: ("NIS_IMAGE",),
                READPATT: ("NISRAPID", "NIS")}),
    Instrument("miri", {"MIRIMAGE": (1, 2)}, ("SUB64", 64),
               {FILTER: ("F560W", "F770W"), EXP_TYPE: ("MIR_IMAGE",), READPATT: ("FAST",)}),
    Instrument("fgs", {"GUIDER1": (-2, -1), "GUIDER2": (2, -1)}, ("SUB8CNTR", 8),
               {EXP_TYPE: ("FGS_IMAGE",), READPATT: ("FGSRAPID",)}),
)
INSTRUMENT = {instrument.name: instrument for instrument in INSTRUMENTS}


class Kind(NamedTuple):
    """A reference type of one instrument: the dataset keywords its rmap matches on, its
    data model and what its file holds (``image``: SCI of ``ndim`` dims, ERR, DQ, DQ_DEF;
    ``photom``: a PHOTOM table; ``area``: SCI plus pixel area keywords)."""

    instrument: str
    filekind: str
    match: tuple[str, ...]
    model: str
    content: str = "image"
    ndim: int = 2
    rows: tuple[tuple[str, ...], ...] = ()  # default: every combination of the values


KINDS = (
    Kind("nircam", "dark", (DETECTOR, READPATT), "DarkModel", ndim=3),
    Kind("nircam", "flat", (DETECTOR, FILTER, PUPIL), "FlatModel"),
    Kind("nircam", "gain", (DETECTOR,), "GainModel"),
    Kind("nircam", "readnoise", (DETECTOR,), "ReadnoiseModel"),
    Kind("nircam", "photom", (EXP_TYPE, DETECTOR), "NrcImgPhotomModel", "photom",
         rows=(("NRC_IMAGE|NRC_TSIMAGE", "NRCA1"), ("NRC_IMAGE|NRC_TSIMAGE", "NRCB1"))),
    Kind("nircam", "area", (DETECTOR, FILTER, PUPIL), "PixelAreaModel", "area"),
    Kind("niriss", "dark", (DETECTOR, READPATT), "DarkModel", ndim=3),
    Kind("niriss", "flat", (DETECTOR, FILTER), "FlatModel"),
    Kind("niriss", "photom", (DETECTOR,), "NisImgPhotomModel", "photom"),
    Kind("miri", "flat", (DETECTOR, FILTER), "FlatModel"),
    Kind("miri", "photom", (DETECTOR,), "MirImgPhotomModel", "photom"),
    Kind("miri", "readnoise", (DETECTOR,), "ReadnoiseModel"),
    Kind("fgs", "dark", (DETECTOR,), "DarkModel", ndim=3),
    Kind("fgs", "flat", (DETECTOR,), "FlatModel"),
    Kind("fgs", "gain", (DETECTOR,), "GainModel"),
)
KIND = {(kind.instrument, kind.filekind): kind for kind in KINDS}

#: BUNIT of the types that have one.
UNITS = {"dark": "DN", "gain": "electrons/DN", "readnoise": "DN"}

#: UseAfter dates of the first references: every row has the first, the first row of each
#: type also the second (so a file's history has something to show).
INITIAL_USEAFTERS = ("2022-01-01 00:00:00", "2022-07-12 00:00:00")


class Delivery(NamedTuple):
    """A delivery of new references for some rows of some types, and the context it made."""

    delivered: str  # when the files were submitted
    activated: str  # when the context it made became operational
    deliverer: str
    description: str
    changes: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...]  # instr, kind, rows
    use_after: str


DELIVERIES = (
    Delivery("2024-05-14 15:02:11", "2024-05-20 14:30:00", "k.osei",
             "Updated NIRCam F200W flats from the cycle 2 calibration program.",
             (("nircam", "flat", (("NRCA1", "F200W", "CLEAR"), ("NRCB1", "F200W", "CLEAR"))),),
             "2024-05-01 00:00:00"),
    Delivery("2024-09-30 09:41:37", "2024-10-08 13:00:00", "m.lindqvist",
             "MIRI imager photometric calibration, time-dependent throughput loss corrected.",
             (("miri", "photom", (("MIRIMAGE",),)),), "2024-09-01 00:00:00"),
    Delivery("2025-03-03 18:20:05", "2025-03-12 16:45:00", "a.rivera",
             "New NIRCam and NIRISS darks after the January 2025 anneal.",
             (("nircam", "dark", (("NRCA1", "RAPID"), ("NRCB1", "RAPID"))),
              ("niriss", "dark", (("NIS", "NISRAPID"),))), "2025-01-20 00:00:00"),
    Delivery("2025-09-16 11:05:48", "2025-09-24 12:15:00", "t.nakamura",
             "FGS gain measured in flight for both guiders.",
             (("fgs", "gain", (("GUIDER1",), ("GUIDER2",))),), "2025-08-01 00:00:00"),
)

#: The first delivery (everything) by instrument: submitted when, by whom.
INITIAL_DELIVERIES = {
    "nircam": ("2023-10-24 10:12:40", "a.rivera"),
    "niriss": ("2023-11-14 16:33:02", "k.osei"),
    "miri": ("2023-12-05 08:57:19", "m.lindqvist"),
    "fgs": ("2024-01-09 13:25:51", "t.nakamura"),
}
FIRST_CONTEXT = ("2024-01-16 14:00:00", "Initial demo rules: NIRCam, NIRISS, MIRI and FGS.")

#: CAL version -> context (the last has the banner), as the pipeline builds were released.
BUILD_CONTEXTS = (("1.13.4", "jwst_0001.pmap"), ("1.14.0", "jwst_0002.pmap"),
                  ("1.15.1", "jwst_0004.pmap"))


class DatasetSpec(NamedTuple):
    dataset_id: str
    instrument: str
    values: dict[str, str]
    date: str
    time: str


DATASETS = (
    DatasetSpec("JW01234001001_01101_00001.NRCA1", "nircam",
                {DETECTOR: "NRCA1", FILTER: "F200W", PUPIL: "CLEAR", EXP_TYPE: "NRC_IMAGE",
                 READPATT: "RAPID"}, "2025-06-02", "10:14:07"),
    DatasetSpec("JW01234001001_01101_00001.NRCB1", "nircam",
                {DETECTOR: "NRCB1", FILTER: "F150W", PUPIL: "CLEAR", EXP_TYPE: "NRC_IMAGE",
                 READPATT: "BRIGHT2"}, "2025-06-02", "10:14:07"),
    DatasetSpec("JW01029002001_02101_00003.NRCA1", "nircam",
                {DETECTOR: "NRCA1", FILTER: "F200W", PUPIL: "CLEAR", EXP_TYPE: "NRC_IMAGE",
                 READPATT: "RAPID"}, "2022-03-15", "04:32:51"),
    DatasetSpec("JW02738005001_03103_00002.NIS", "niriss",
                {DETECTOR: "NIS", FILTER: "F150W", PUPIL: "CLEARP", EXP_TYPE: "NIS_IMAGE",
                 READPATT: "NISRAPID"}, "2025-04-11", "22:03:10"),
    DatasetSpec("JW01536001001_02101_00001.MIRIMAGE", "miri",
                {DETECTOR: "MIRIMAGE", FILTER: "F770W", EXP_TYPE: "MIR_IMAGE", READPATT: "FAST"},
                "2024-11-20", "07:45:00"),
    DatasetSpec("JW01536001001_02101_00002.MIRIMAGE", "miri",
                {DETECTOR: "MIRIMAGE", FILTER: "F560W", EXP_TYPE: "MIR_IMAGE", READPATT: "FAST"},
                "2023-02-08", "19:20:33"),
    DatasetSpec("JW01148003001_01101_00001.GUIDER1", "fgs",
                {DETECTOR: "GUIDER1", EXP_TYPE: "FGS_IMAGE", READPATT: "FGSRAPID"},
                "2025-10-01", "03:00:00"),
    DatasetSpec("JW01148003001_01101_00001.GUIDER2", "fgs",
                {DETECTOR: "GUIDER2", EXP_TYPE: "FGS_IMAGE", READPATT: "FGSRAPID"},
                "2025-10-01", "03:00:00"),
)


@dataclass(frozen=True)
class SampleHeader:
    """A demo dataset: its id, header (data-model keywords, as CRDS serves JWST headers) and
    the best references it selects in ``context``."""

    name: str
    header: dict[str, str]
    expected: dict[str, str]
    context: str


@dataclass(frozen=True)
class DeliveryRecord:
    """Files submitted together (references first, then the mappings they made)."""

    date: str
    user: str
    description: str
    files: tuple[str, ...]
    context: str


@dataclass(frozen=True)
class DemoMission:
    """What :func:`generate_demo_mission` wrote. ``history`` is oldest first:
    ``(date, pmap, description)``; ``server_config`` lists it newest first, like CRDS."""

    root: Path
    seed: int
    contexts: tuple[str, ...]
    operational_context: str
    history: tuple[tuple[str, str, str], ...]
    mappings: tuple[str, ...]
    references: tuple[str, ...]
    samples: tuple[SampleHeader, ...]
    deliveries: tuple[DeliveryRecord, ...]
    build_contexts: tuple[tuple[str, str], ...] = BUILD_CONTEXTS
    observatory: str = OBSERVATORY
    server_config: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(instrument.name for instrument in INSTRUMENTS)

    @property
    def types(self) -> tuple[tuple[str, str], ...]:
        return tuple(KIND)

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
    def samples_path(self) -> Path:
        return self.root / "samples" / self.observatory / "headers.json"


# ---- rules ---------------------------------------------------------------------------------


@dataclass
class _Reference:
    name: str
    kind: Kind
    row: tuple[str, ...]
    use_after: str
    pedigree: str


class _Builder:
    """Writes files in delivery order, numbering each series (``jwst_nircam_dark``, ...)."""

    def __init__(self, root: Path) -> None:
        self.mappings_dir = root / "mappings" / OBSERVATORY
        self.serials: dict[str, int] = {}
        self.references: list[_Reference] = []
        self.rows: dict[tuple[str, str], dict[tuple[str, ...], dict[str, str]]] = {}
        self.rmaps: dict[tuple[str, str], str] = {}
        self.imaps: dict[str, str] = {}
        self.mappings: list[str] = []
        self.contexts: list[str] = []

    def name(self, stem: str, ext: str) -> str:
        serial = self.serials.get(stem + ext, 0) + 1
        self.serials[stem + ext] = serial
        return f"{stem}_{serial:04d}{ext}"

    def add_reference(self, kind: Kind, row: tuple[str, ...], use_after: str) -> str:
        name = self.name(f"jwst_{kind.instrument}_{kind.filekind}", ".fits")
        pedigree = "GROUND" if use_after < "2022-07-01" else _inflight(use_after)
        self.references.append(_Reference(name, kind, row, use_after, pedigree))
        self.rows.setdefault((kind.instrument, kind.filekind), {}).setdefault(
            row, {})[use_after] = name
        return name

    def _write(self, name: str, header: dict[str, Any], selector: Any) -> str:
        self.mappings_dir.mkdir(parents=True, exist_ok=True)
        text = write_with_checksum(header, selector)
        (self.mappings_dir / name).write_text(text, encoding="utf-8")
        self.mappings.append(name)
        return name

    def write_rmap(self, kind: Kind, derived_from: str) -> str:
        name = self.name(f"jwst_{kind.instrument}_{kind.filekind}", ".rmap")
        rows = self.rows[(kind.instrument, kind.filekind)]
        entries = {(row[0] if len(row) == 1 else row): SelectorCall("UseAfter", dict(dates))
                   for row, dates in sorted(rows.items())}
        header = {"classes": ("Match", "UseAfter"), "derived_from": derived_from,
                  "filekind": kind.filekind.upper(), "instrument": kind.instrument.upper(),
                  "mapping": "REFERENCE", "name": name, "observatory": "JWST",
                  "parkey": (kind.match, DATE_KEYS)}
        self.rmaps[(kind.instrument, kind.filekind)] = self._write(
            name, header, SelectorCall("Match", entries))
        return name

    def write_imap(self, instrument: str, derived_from: str) -> str:
        name = self.name(f"jwst_{instrument}", ".imap")
        header = {"derived_from": derived_from, "instrument": instrument.upper(),
                  "mapping": "INSTRUMENT", "name": name, "observatory": "JWST",
                  "parkey": ("REFTYPE",)}
        selector = {filekind.upper(): rmap for (instr, filekind), rmap
                    in sorted(self.rmaps.items()) if instr == instrument}
        self.imaps[instrument] = self._write(name, header, selector)
        return name

    def write_pmap(self, derived_from: str, description: str) -> str:
        name = self.name("jwst", ".pmap")
        header = {"derived_from": derived_from, "description": description,
                  "mapping": "PIPELINE", "name": name, "observatory": "JWST",
                  "parkey": ("META.INSTRUMENT.NAME",)}
        selector = {instrument.upper(): imap for instrument, imap in sorted(self.imaps.items())}
        self.contexts.append(self._write(name, header, selector))
        return name


def _inflight(use_after: str) -> str:
    day = use_after[:10]
    return f"INFLIGHT {day} {day}"


def _rows(kind: Kind) -> tuple[tuple[str, ...], ...]:
    if kind.rows:
        return kind.rows
    instrument = INSTRUMENT[kind.instrument]
    rows: list[tuple[str, ...]] = [()]
    for keyword in kind.match:
        values = (tuple(instrument.detectors) if keyword == DETECTOR
                  else instrument.values[keyword])
        rows = [(*row, value) for row in rows for value in values]
    return tuple(rows)


def _build(builder: _Builder) -> tuple[list[tuple[str, str, str]], list[DeliveryRecord]]:
    generated = "Generated by the OpenCRDS demo"
    deliveries: list[DeliveryRecord] = []
    for instrument in INSTRUMENTS:
        files: list[str] = []
        for kind in (k for k in KINDS if k.instrument == instrument.name):
            for index, row in enumerate(_rows(kind)):
                for use_after in INITIAL_USEAFTERS[: 2 if index == 0 else 1]:
                    files.append(builder.add_reference(kind, row, use_after))
            files.append(builder.write_rmap(kind, generated))
        files.append(builder.write_imap(instrument.name, generated))
        date, user = INITIAL_DELIVERIES[instrument.name]
        deliveries.append(DeliveryRecord(date, user, f"First {instrument.name.upper()} "
                                         "reference files of the demo.", tuple(files), ""))
    first = builder.write_pmap(generated, FIRST_CONTEXT[1])
    last = deliveries[-1]
    deliveries[-1] = DeliveryRecord(last.date, last.user, last.description,
                                    (*last.files, first), first)
    history = [(FIRST_CONTEXT[0], first, FIRST_CONTEXT[1])]
    for delivery in DELIVERIES:
        files = []
        for instrument, filekind, rows in delivery.changes:
            kind = KIND[(instrument, filekind)]
            files.extend(builder.add_reference(kind, row, delivery.use_after) for row in rows)
            files.append(builder.write_rmap(kind, builder.rmaps[(instrument, filekind)]))
        for instrument in dict.fromkeys(change[0] for change in delivery.changes):
            files.append(builder.write_imap(instrument, builder.imaps[instrument]))
        context = builder.write_pmap(builder.contexts[-1], delivery.description)
        files.append(context)
        deliveries.append(DeliveryRecord(delivery.delivered, delivery.deliverer,
                                         delivery.description, tuple(files), context))
        history.append((delivery.activated, context, delivery.description))
    return history, deliveries


# ---- references ----------------------------------------------------------------------------


def _write_fits(path: Path, reference: _Reference, seed: int) -> None:
    import numpy as np
    from astropy.io import fits

    kind = reference.kind
    instrument = INSTRUMENT[kind.instrument]
    values = dict(zip(kind.match, reference.row, strict=True))
    detector = values.get(DETECTOR, next(iter(instrument.detectors)))
    subarray, size = instrument.subarray
    rng = np.random.default_rng([seed, zlib.crc32(reference.name.encode())])
    header = fits.Header()
    header["DATE"] = ("2020-01-01T00:00:00.000", "date this file was created (UTC)")
    header["TELESCOP"] = "JWST"
    header["INSTRUME"] = kind.instrument.upper()
    header["DETECTOR"] = detector
    for keyword, value in values.items():
        if keyword != DETECTOR:  # an or-pattern goes in the P_ keyword, its first value in
            header[FITS_KEYWORDS[keyword]] = value.split("|")[0]
            if "|" in value:
                header[PATTERN_KEYWORDS[keyword]] = value + "|"
    header["SUBARRAY"] = subarray
    header["SUBSTRT1"], header["SUBSTRT2"] = 1, 1
    header["SUBSIZE1"], header["SUBSIZE2"] = size, size
    header["FASTAXIS"], header["SLOWAXIS"] = instrument.detectors[detector]
    header["REFTYPE"] = kind.filekind.upper()
    header["DATAMODL"] = kind.model
    header["USEAFTER"] = (reference.use_after.replace(" ", "T"), "use after this date")
    header["PEDIGREE"] = reference.pedigree
    described = ", ".join(f"{FITS_KEYWORDS[k]}={v}" for k, v in values.items())
    header["DESCRIP"] = f"Demo {kind.instrument.upper()} {kind.filekind} for {described}"[:68]
    header["AUTHOR"] = AUTHOR
    if kind.ndim == 3:
        header["NGROUPS"], header["NFRAMES"], header["GROUPGAP"] = 2, 1, 0
    if kind.filekind in UNITS:
        header["BUNIT"] = UNITS[kind.filekind]
    if kind.content in ("area", "photom"):
        header["PIXAR_SR"] = (2.29e-14, "pixel area in steradians")
        header["PIXAR_A2"] = (0.000973, "pixel area in square arcseconds")
    header["HISTORY"] = f"Made up by the OpenCRDS demo generator (seed {seed}): not JWST data."
    hdus = fits.HDUList([fits.PrimaryHDU(header=header)])
    if kind.content == "photom":
        filters = instrument.values.get(FILTER, ("N/A",))
        rows = len(filters)
        second = ("subarray", subarray) if kind.instrument == "miri" else (
            "pupil", instrument.values.get(PUPIL, ("N/A",))[0])
        hdus.append(fits.BinTableHDU.from_columns([
            fits.Column(name="filter", format="12A", array=np.array(filters)),
            fits.Column(name=second[0], format="12A", array=np.array([second[1]] * rows)),
            fits.Column(name="photmjsr", format="E",
                        array=rng.normal(0.5, 0.01, rows).astype("float32")),
            fits.Column(name="uncertainty", format="E",
                        array=np.full(rows, 0.005, dtype="float32")),
        ], name="PHOTOM"))
    else:
        shape = (2, size, size) if kind.ndim == 3 else (size, size)
        hdus.append(fits.ImageHDU(rng.normal(1.0, 0.01, shape).astype("float32"), name="SCI"))
        if kind.content == "image":
            hdus.append(fits.ImageHDU(np.full(shape, 0.01, dtype="float32"), name="ERR"))
            hdus.append(fits.ImageHDU(np.zeros((size, size), dtype="uint32"), name="DQ"))
            hdus.append(fits.BinTableHDU.from_columns([
                fits.Column(name="BIT", format="J", array=np.array([0])),
                fits.Column(name="VALUE", format="J", array=np.array([1])),
                fits.Column(name="NAME", format="16A", array=np.array(["DO_NOT_USE"])),
                fits.Column(name="DESCRIPTION", format="24A",
                            array=np.array(["Bad pixel, do not use"])),
            ], name="DQ_DEF"))
    hdus.writeto(path, overwrite=True, output_verify="exception")


# ---- samples -------------------------------------------------------------------------------


def dataset_header(spec: DatasetSpec) -> dict[str, str]:
    """The header of a demo dataset, keyed by data-model keyword."""
    subarray, _size = INSTRUMENT[spec.instrument].subarray
    return {"META.INSTRUMENT.NAME": spec.instrument.upper(), **spec.values,
            SUBARRAY: subarray, DATE_KEYS[0]: spec.date, DATE_KEYS[1]: spec.time,
            "META.TELESCOPE": "JWST"}


def _expected(builder: _Builder, spec: DatasetSpec) -> dict[str, str]:
    """The reference each type selects, worked out from the rows (not by the rules engine)."""
    header = dataset_header(spec)
    when = f"{spec.date} {spec.time}"
    result = {}
    for kind in (k for k in KINDS if k.instrument == spec.instrument):
        for row, dates in builder.rows[(kind.instrument, kind.filekind)].items():
            if all(header[key] in value.split("|")
                   for key, value in zip(kind.match, row, strict=True)):
                result[kind.filekind] = dates[max(d for d in dates if d <= when)]
    return result


# ---- entry point ---------------------------------------------------------------------------


def generate_demo_mission(target_dir: str | Path, *, seed: int = 0) -> DemoMission:
    """Write the demo mission under ``target_dir`` (created; files of the same names are
    overwritten) and describe it. The same ``seed`` always gives byte-identical files."""
    root = Path(target_dir)
    builder = _Builder(root)
    history, deliveries = _build(builder)
    references_dir = root / "references" / OBSERVATORY
    references_dir.mkdir(parents=True, exist_ok=True)
    for reference in builder.references:
        _write_fits(references_dir / reference.name, reference, seed)
    operational = builder.contexts[-1]
    samples = tuple(SampleHeader(spec.dataset_id, dataset_header(spec),
                                 _expected(builder, spec), operational) for spec in DATASETS)
    samples_path = root / "samples" / OBSERVATORY / "headers.json"
    samples_path.parent.mkdir(parents=True, exist_ok=True)
    samples_path.write_text(json.dumps(
        {"observatory": OBSERVATORY, "context": operational,
         "samples": [{"name": s.name, "header": s.header, "expected": s.expected}
                     for s in samples]}, indent=2) + "\n", encoding="utf-8")
    config = _server_config(builder, history, seed)
    config_dir = root / "config" / OBSERVATORY
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "server_config").write_text(pprint.pformat(config, width=100) + "\n",
                                              encoding="utf-8")
    (config_dir / "ref_cache_subdir_mode").write_text("flat\n", encoding="utf-8")
    return DemoMission(
        root=root, seed=seed, contexts=tuple(builder.contexts),
        operational_context=operational, history=tuple(history),
        mappings=tuple(sorted(builder.mappings)),
        references=tuple(sorted(r.name for r in builder.references)),
        samples=samples, deliveries=tuple(deliveries), server_config=config,
    )


def _server_config(builder: _Builder, history: list[tuple[str, str, str]],
                   seed: int) -> dict[str, Any]:
    """The mission in the shape of CRDS's cached ``server_config`` (what the importer reads)."""
    operational = builder.contexts[-1]
    calver, build = BUILD_CONTEXTS[-1]
    return {
        "observatory": OBSERVATORY,
        "operational_context": operational,
        "edit_context": operational,
        "build_context": build,
        "build_calver": calver,
        "context_history": [list(entry) for entry in reversed(history)],
        "mappings": sorted(builder.mappings),
        "bad_files_list": [],
        "bad_files": "",
        "status": "demo",
        "connected": False,
        "last_synced": history[-1][0],  # crds reads it from a cache it cannot refresh
        "seed": seed,
    }


def history_date(text: str) -> datetime.datetime:
    """A date of the demo (``YYYY-MM-DD HH:MM:SS``) as aware UTC."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)
