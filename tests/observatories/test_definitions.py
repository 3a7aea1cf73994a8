"""Observatories defined by data: definitions directories (ours and CRDS's), .tpn constraint
files, conventions built from definitions, and missions used end to end without code."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

import opencrds
from opencrds.observatories.crds_format import (
    load_crds_definitions,
    read_crds_spec,
    read_crds_specs,
)
from opencrds.observatories.definitions import (
    ObservatoryDefinition,
    TypeDefinition,
    load_definitions,
    write_definitions,
)
from opencrds.observatories.generic import (
    DefinedConventions,
    imap_text,
    mission_path,
    pmap_text,
    read_definitions,
    register_definitions,
    register_from_environment,
    registered_definition,
    rmap_text,
)
from opencrds.observatories.tpn import (
    Constraint,
    DefinitionError,
    parse_constraint,
    parse_tpn,
    parse_tpn_file,
)
from opencrds.rules.conventions import conventions_for, register
from opencrds.rules.parser import SelectorCall, parse_mapping_text

OBSERVATORIES = ("hst", "jwst", "roman", "tobs")


@pytest.fixture(scope="session")
def real_defs(shared_data: Path) -> Path:
    """CRDS's own definitions of the real observatories (``observatory-definitions/<obs>``)."""
    path = shared_data / "observatory-definitions"
    if not path.is_dir():
        pytest.skip(f"real observatory definitions not found at {path}")
    return path


def _crds_or_skip():
    return pytest.importorskip("crds", reason="the real crds client (oracle) is not installed")


@pytest.fixture
def restore_registry():
    """Put back the conventions of observatories a test registers from definitions."""
    saved = {name: conventions_for(name) for name in ("tobs", "mini", "example")}
    yield
    for name, conventions in saved.items():
        if conventions.name.lower() == name:
            register(conventions)
        else:
            from opencrds.rules import conventions as module

            module._REGISTRY.pop(name, None)


# ---- .tpn parsing --------------------------------------------------------------------------


def _reader(files: dict[str, str]):
    def read(name: str) -> str:
        try:
            return files[name]
        except KeyError:
            raise DefinitionError(f"no file {name}") from None
    return read


def test_constraint_line_forms() -> None:
    assert parse_constraint("INSTRUME  H  C  R  acs") == Constraint("INSTRUME", "H", "C", "R",
                                                                    ("ACS",))
    assert parse_constraint("AUTHOR H C R") == Constraint("AUTHOR", "H", "C", "R", ())
    quoted = parse_constraint('FILETYPE\tH\tC\tR    "DARK IMAGE"')
    assert quoted.values == ("DARK IMAGE",)
    assert parse_constraint("NAME H S R Ab,cD").values == ("Ab", "cD")
    expr = parse_constraint("X1  X  X  (all_subarray(A!='B'))  (1<=A+B)")
    assert expr.is_expression and expr.is_conditional and expr.presence_code == "("
    assert expr.expression == "(1<=A+B)"
    assert parse_constraint("N H R R 0.5,1.0,-1").values == ("0.5", "1.0", "-1")
    assert parse_constraint("U H C R &JWSTDATE").values == ("&JWSTDATE",)
    with pytest.raises(DefinitionError, match="4 or 5 fields"):
        parse_constraint("A H C", "x.tpn:3")
    with pytest.raises(DefinitionError, match="x.tpn:3"):
        parse_constraint("A H C R B C D", "x.tpn:3")


def test_tpn_includes_replace_continuations_and_links() -> None:
    files = {
        "top.tpn": "# comment\n\nreplace XMAX 2048\ninclude includes/sub.tpn\n"
                   "CCDAMP  H C R A,B,\\\n   C,D\nLAST H C R XMAX\n",
        "includes/sub.tpn": "include other.tpn\nSUB H C R XMAX\n",
        "includes/other.tpn": "OTHER X X R (A<XMAX)\n",
        "alias.tpn": "top.tpn\n",
        "self.tpn": "self.tpn",
    }
    read = _reader(files)
    names = [c.name for c in parse_tpn(read, "top.tpn")]
    assert names == ["OTHER", "SUB", "CCDAMP", "LAST"]
    by_name = {c.name: c for c in parse_tpn(read, "top.tpn")}
    assert by_name["CCDAMP"].values == ("A", "B", "C", "D")
    assert by_name["SUB"].values == ("2048",)  # replacements reach included files
    assert by_name["OTHER"].values == ("(A<2048)",)
    assert parse_tpn(read, "alias.tpn") == parse_tpn(read, "top.tpn")
    with pytest.raises(DefinitionError, match="link to itself"):
        parse_tpn(read, "self.tpn")
    conflict = {"a.tpn": "replace X 1\nreplace X 2\nA H C R X\n"}
    with pytest.raises(DefinitionError, match="conflicts"):
        parse_tpn(_reader(conflict), "a.tpn")
    with pytest.raises(DefinitionError, match="no file"):
        parse_tpn(_reader({"a.tpn": "include missing.tpn\n"}), "a.tpn")


# ---- our format ----------------------------------------------------------------------------


def _mini_definition() -> ObservatoryDefinition:
    types = {
        ("cam", "dark"): TypeDefinition(
            "cam", "dark", "drk", "DARK", "Dark", parkey=(("DETECTOR",), ("DATE-OBS", "TIME-OBS")),
            reffile_required="YES", extra={"row_keys": ["A", "B"]}),
        ("cam", "gain"): TypeDefinition("cam", "gain", "gn", "GAIN", "Gain",
                                        parkey=(("DETECTOR", "MODE"),), classes=("Match",)),
        ("all", "all"): TypeDefinition("all", "all", "all", "all", tpn="all_all.tpn",
                                       ld_tpn="all_all_ld.tpn"),
    }
    return ObservatoryDefinition(
        name="mini", instrument_key="INSTRUME", instruments=("cam",), types=types,
        date_keywords=("DATE-OBS", "TIME-OBS"), global_extra_keys=("EXTRA1",),
        instrument_aliases={"camera": "cam"}, keyword_translations={"DET": "DETECTOR"},
        tpn_texts={"cam_drk.tpn": "DETECTOR H C R D1,D2\n",
                   "all_all.tpn": "TELESCOP H C R MINI\nDETECTOR H C R D1,D2\n"},
    )


def test_our_format_round_trip(tmp_path: Path) -> None:
    original = _mini_definition()
    write_definitions(original, tmp_path / "mini")
    loaded = load_definitions(tmp_path / "mini")
    assert loaded.name == "mini" and loaded.instruments == ("cam",)
    assert loaded.types == original.types
    assert loaded.instrument_aliases == {"camera": "cam"}
    assert loaded.global_extra_keys == ("EXTRA1",)
    assert loaded.filekinds("cam") == ["dark", "gain"] and loaded.filekinds() == ["dark", "gain"]
    assert loaded.constraint_files("cam", "dark") == ["cam_drk.tpn", "all_all.tpn"]
    # Levels are merged, duplicates dropped, sorted; missing files (cam_gn.tpn) add nothing.
    assert [c.name for c in loaded.constraints_for("cam", "dark")] == ["DETECTOR", "TELESCOP"]
    assert [c.name for c in loaded.constraints_for("cam", "gain")] == ["DETECTOR", "TELESCOP"]
    assert loaded.filetype_to_filekind("CAM", "dark") == "dark"
    assert loaded.suffix_to_filekind("cam", "gn") == "gain"
    yaml_text = (tmp_path / "mini" / "types" / "cam_dark.yaml").read_text()
    assert "reffile_required: 'YES'" in yaml_text  # quoted: YAML 1.1 would read YES as true
    header = loaded.type_of("cam", "dark").rmap_header("mini", "mini_cam_dark_0001.rmap", "x")
    assert header["row_keys"] == ("A", "B") and header["parkey"][1] == ("DATE-OBS", "TIME-OBS")
    with pytest.raises(DefinitionError, match="no type 'flat'"):
        loaded.type_of("cam", "flat")


def test_our_format_errors(tmp_path: Path) -> None:
    root = write_definitions(_mini_definition(), tmp_path / "mini")
    (root / "types" / "cam_dark.yaml").write_text(
        "instrument: cam\nfilekind: dark\nsuffix: drk\nfiletype: DARK\nreffile_required: YES\n"
        "parkey: [[DETECTOR], [DATE-OBS, TIME-OBS]]\n")
    assert load_definitions(root).type_of("cam", "dark").reffile_required == "YES"
    (root / "types" / "cam_dark.yaml").write_text("suffix: drk\nfiletype: DARK\nbogus: 1\n")
    with pytest.raises(DefinitionError, match="unknown type fields"):
        load_definitions(root)
    (root / "types" / "cam_dark.yaml").write_text("filekind: flat\nsuffix: drk\nfiletype: D\n")
    with pytest.raises(DefinitionError, match="does not match"):
        load_definitions(root)
    (root / "types" / "cam_dark.yaml").unlink()
    (root / "types" / "nosuch_dark.yaml").write_text("suffix: drk\nfiletype: D\n")
    with pytest.raises(DefinitionError, match="not one of"):
        load_definitions(root)
    (root / "types" / "nosuch_dark.yaml").write_text(
        "instrument: cam\nsuffix: drk\nfiletype: D\nclasses: [Match]\n"
        "parkey: [[A], [B]]\n")
    (root / "types" / "nosuch_dark.yaml").rename(root / "types" / "cam_dark.yaml")
    with pytest.raises(DefinitionError, match="1 classes but 2 parkey levels"):
        load_definitions(root)
    with pytest.raises(DefinitionError, match="missing definitions file"):
        load_definitions(tmp_path / "nowhere")
    with pytest.raises(DefinitionError, match="neither"):
        read_definitions(tmp_path)


# ---- a mission defined only by data, end to end -------------------------------------------


def _write_mini_rules(definition: ObservatoryDefinition, where: Path) -> None:
    where.mkdir(parents=True)
    dark = SelectorCall("Match", {
        ("D1",): SelectorCall("UseAfter", {"2020-01-01 00:00:00": "mini_cam_dark_0001.fits",
                                           "2021-01-01 00:00:00": "mini_cam_dark_0002.fits"}),
        ("D2",): SelectorCall("UseAfter", {"2020-01-01 00:00:00": "mini_cam_dark_0003.fits"}),
    })
    gain = SelectorCall("Match", {("D1", "FAST"): "mini_cam_gain_0001.fits",
                                  ("D1|D2", "SLOW"): "mini_cam_gain_0002.fits"})
    texts = {
        "mini_cam_dark_0001.rmap": rmap_text(definition, "cam", "dark", "mini_cam_dark_0001.rmap",
                                             dark, "generated by hand"),
        "mini_cam_gain_0001.rmap": rmap_text(definition, "cam", "gain", "mini_cam_gain_0001.rmap",
                                             gain, "generated by hand"),
        "mini_cam_0001.imap": imap_text(definition, "cam", "mini_cam_0001.imap",
                                        {"dark": "mini_cam_dark_0001.rmap",
                                         "gain": "mini_cam_gain_0001.rmap"}, "generated"),
        "mini_0001.pmap": pmap_text(definition, "mini_0001.pmap", {"cam": "mini_cam_0001.imap"},
                                    "generated", "a mission defined only by data"),
    }
    for name, text in texts.items():
        (where / name).write_text(text)


def test_mission_defined_only_by_data_end_to_end(tmp_path: Path, restore_registry) -> None:
    root = write_definitions(_mini_definition(), tmp_path / "definitions" / "mini")
    conventions = register_definitions(root)
    assert isinstance(conventions, DefinedConventions) and conventions.name == "mini"
    assert registered_definition("MINI") is conventions.definition
    _write_mini_rules(conventions.definition, tmp_path / "mappings" / "mini")
    ctx = opencrds.load_context("mini_0001.pmap", cache=tmp_path)
    assert ctx.conventions is conventions
    rmap = ctx.get_imap("cam").get_rmap("dark")
    assert rmap.raw_header["tpn"] == "cam_drk.tpn"
    header = {"INSTRUME": "CAM", "DETECTOR": "D1", "MODE": "SLOW", "DATE-OBS": "2021-06-01",
              "TIME-OBS": "00:00:00"}
    assert ctx.get_best_references(header) == {"dark": "mini_cam_dark_0002.fits",
                                               "gain": "mini_cam_gain_0002.fits"}
    # Aliases, key translation and global extra keys come from the definition.
    aliased = {**header, "INSTRUME": "camera"}
    assert ctx.get_best_references(aliased)["dark"] == "mini_cam_dark_0002.fits"
    translated = {"instrume": "cam", "det": "d2", "mode": "fast", "date-obs": "2020-06-01",
                  "time-obs": "00:00:00"}
    assert opencrds.get_best_references(ctx, translated) == {
        "dark": "mini_cam_dark_0003.fits",
        "gain": "NOT FOUND No match found."}
    assert "EXTRA1" in ctx.get_required_parkeys()["cam"]
    given = conventions.translate_keys({"DET": "X", "DETECTOR": "Y"})
    assert given == {"DET": "X", "DETECTOR": "Y"}  # an explicit parameter wins


def test_register_from_environment(tmp_path: Path, restore_registry, caplog) -> None:
    write_definitions(_mini_definition(), tmp_path / "defs" / "mini")
    (tmp_path / "defs" / "broken").mkdir()
    (tmp_path / "defs" / "broken" / "observatory.yaml").write_text("name: [unclosed\n")
    env = {"OPENCRDS_DEFINITIONS_PATH": str(tmp_path / "defs")}
    with caplog.at_level(logging.WARNING):
        assert register_from_environment(env) == ["mini"]
    assert "broken" in caplog.text
    assert isinstance(conventions_for("mini"), DefinedConventions)
    assert register_from_environment({}) == []


def test_shipped_missions() -> None:
    assert (mission_path("tobs") / "observatory.yaml").is_file()
    with pytest.raises(DefinitionError, match="no mission"):
        mission_path("nosuch")


# ---- CRDS's format: the real definitions ---------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.parametrize("observatory", OBSERVATORIES)
def test_every_real_spec_parses(observatory: str, real_defs: Path) -> None:
    specs_dir = real_defs / observatory / "specs"
    paths = sorted(specs_dir.glob("*.spec")) + sorted(specs_dir.glob("*.rmap"))
    assert paths
    for path in paths:
        spec = read_crds_spec(path)  # literals parsed, never evaluated
        assert spec["suffix"] and spec["tpn"].endswith(".tpn"), path
    # Without the combined file, the individual specs give exactly what it holds.
    combined = json.loads((specs_dir / "combined_specs.json").read_text())
    raw = read_crds_specs(specs_dir, use_combined=False)
    assert json.loads(json.dumps(raw)) == combined
    assert read_crds_specs(specs_dir) == combined


@pytest.mark.shared_data
@pytest.mark.parametrize("observatory", OBSERVATORIES)
def test_every_real_tpn_parses(observatory: str, real_defs: Path) -> None:
    tpns = real_defs / observatory / "tpns"
    paths = sorted(tpns.rglob("*.tpn"))
    assert paths
    parsed = 0
    for path in paths:
        if _dangling_link(path):
            # A symbolic link written out as text whose target was not copied (JWST
            # all_all.tpn and the like), or a link to one: recognized, never misread.
            with pytest.raises(DefinitionError, match="link to itself"):
                parse_tpn_file(path)
            continue
        constraints = parse_tpn_file(path)
        parsed += 1
        assert all(c.keytype and c.datatype and c.presence for c in constraints), path
    assert parsed >= len(paths) // 2


def _dangling_link(path: Path) -> bool:
    """Whether ``path`` is a link-as-text chain ending in a file that names itself."""
    seen = set()
    while path not in seen:
        seen.add(path)
        text = path.read_text(errors="replace").strip()
        if " " in text or "\n" in text or not text.endswith(".tpn"):
            return False
        if text == path.name:
            return True
        path = path.parent / text
    return False


@pytest.mark.shared_data
@pytest.mark.parametrize("observatory", OBSERVATORIES)
def test_real_definitions_load(observatory: str, real_defs: Path) -> None:
    definition = load_crds_definitions(real_defs / observatory)
    expected = {"hst": ("acs", "cos", "nicmos", "stis", "synphot", "wfc3", "wfpc2"),
                "jwst": ("fgs", "miri", "nircam", "niriss", "nirspec", "system"),
                "roman": ("wfi",), "tobs": ("tinstr",)}[observatory]
    assert definition.instruments == expected
    assert definition.name == observatory
    for spec in definition.real_types():
        assert spec.instrument in expected and spec.suffix and spec.filetype
        assert len(spec.parkey) <= len(spec.classes) or not spec.parkey
    assert read_definitions(real_defs / observatory).types == definition.types
    # HST spec parkeys are flat Match parameters; the dates become the UseAfter level.
    if observatory == "hst":
        darkfile = definition.type_of("acs", "darkfile")
        assert darkfile.parkey[-1] == ("DATE-OBS", "TIME-OBS")
        assert definition.instrument_aliases == {"wfii": "wfpc2"}
        assert definition.constraint_files("acs", "biasfile", "ld_tpn") == ["acs_bia_ld.tpn"]
    if observatory == "jwst":
        assert definition.global_extra_keys == ("META.VISIT.TSOVISIT",
                                                "META.INSTRUMENT.LAMP_STATE")
        assert definition.constraint_files("nircam", "pars-tweakregstep") == [
            "nircam_pars-tweakregstep.tpn", "nircam_all.tpn", "all_all.tpn"]
        assert definition.keyword_translations["DETECTOR"] == "META.INSTRUMENT.DETECTOR"


def test_crds_specs_without_combined_file(tmp_path: Path) -> None:
    specs = tmp_path / "obs" / "specs"
    specs.mkdir(parents=True)
    (specs / "ins_flat.spec").write_text(
        "{\n    'filetype': 'flat',  # a comment\n    'parkey': ('DETECTOR',),\n"
        "    'suffix': 'flt',\n    'text_descr': 'Flat',\n}\n")
    (specs / "ins_bad.spec").write_text("{'suffix': __import__('os').getcwd()}")
    with pytest.raises(DefinitionError):
        read_crds_specs(specs)
    (specs / "ins_bad.spec").unlink()
    definition = load_crds_definitions(tmp_path / "obs", date_keywords=("DATE-OBS",))
    flat = definition.type_of("ins", "flat")
    assert flat.parkey == (("DETECTOR",), ("DATE-OBS",)) and flat.tpn == "ins_flt.tpn"


# ---- the oracle: CRDS's own constraint loading ---------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("observatory", OBSERVATORIES)
def test_tpn_parsing_matches_crds(observatory: str) -> None:
    crds = _crds_or_skip()
    from crds.core import generic_tpn

    tpns = Path(crds.__file__).parent / observatory / "tpns"
    paths = sorted(tpns.glob("*.tpn")) + sorted(tpns.glob("includes/*.tpn"))
    assert paths
    for path in paths:
        theirs = [tuple(info) for info in generic_tpn.load_tpn(str(path))]
        ours = [(c.name, c.keytype, c.datatype, c.presence, c.values)
                for c in parse_tpn_file(path)]
        assert ours == theirs, path


@pytest.mark.oracle
@pytest.mark.parametrize("observatory", OBSERVATORIES)
def test_constraint_levels_match_crds(observatory: str) -> None:
    """CRDS's package directory is itself a definitions tree in CRDS's format."""
    crds = _crds_or_skip()
    import importlib

    types = importlib.import_module(f"crds.{observatory}").TYPES
    definition = load_crds_definitions(Path(crds.__file__).parent / observatory)
    assert definition.instruments == tuple(i for i in types.instruments if i != "all")
    for instrument, filekind in definition.types:
        for field in ("tpn", "ld_tpn"):
            assert definition.constraint_files(instrument, filekind, field) == \
                types.reference_props_to_validator_keys(instrument, filekind, field)
            theirs = [tuple(info) for info in types.get_all_tpninfos(instrument, filekind, field)]
            ours = [(c.name, c.keytype, c.datatype, c.presence, c.values)
                    for c in definition.constraints_for(instrument, filekind, field)]
            assert ours == theirs, (instrument, filekind, field)


# ---- tobs, shipped in our format -----------------------------------------------------------


@pytest.mark.shared_data
def test_tobs_mission_agrees_with_real_rules_and_specs(real_defs: Path, crds_cache: Path) -> None:
    ours = load_definitions(mission_path("tobs"))
    crds_format = load_crds_definitions(real_defs / "tobs")
    mappings = crds_cache / "mappings" / "tobs"
    pmap = parse_mapping_text((mappings / "tobs.pmap").read_text(), "tobs.pmap")
    imap = parse_mapping_text((mappings / "tobs_tinstr.imap").read_text(), "tobs_tinstr.imap")
    rmap = parse_mapping_text((mappings / "tobs_tinstr_tfilekind.rmap").read_text(), "tobs.rmap")
    assert (ours.instrument_key,) == pmap.header["parkey"]
    assert ours.instruments == tuple(k.lower() for k in pmap.selector)
    assert ours.filekinds("tinstr") == [k.lower() for k in imap.selector]
    spec = ours.type_of("tinstr", "tfilekind")
    assert spec.parkey == rmap.header["parkey"]
    assert spec.classes == rmap.header["classes"]
    for key in ("reffile_required", "reffile_switch", "reffile_format"):
        assert getattr(spec, key) == rmap.header[key]
    theirs = crds_format.type_of("tinstr", "tfilekind")
    for key in ("suffix", "filetype", "text_descr", "file_ext", "tpn", "ld_tpn"):
        assert getattr(spec, key) == getattr(theirs, key), key
    for field in ("tpn", "ld_tpn"):
        assert ours.constraints_for("tinstr", "tfilekind", field) == \
            crds_format.constraints_for("tinstr", "tfilekind", field)
    header = spec.rmap_header("tobs", "tobs_tinstr_tfilekind.rmap", "x")
    for key in ("parkey", "classes", "row_keys", "filekind", "instrument", "observatory"):
        assert header[key] == rmap.header[key], key


TOBS_HEADERS = [
    *[{"INSTRUME": "TINSTR", "TEST_CASE": case, "PARAMETER": value}
      for case, values in [
          ("SELECT_VERSION", ["4.5", "5", "2.0", "default"]),            # T01
          ("CLOSEST_TIME", ["2016-05-05", "2018-02-02", "2019-03-01"]),  # T02
          ("BRACKET", ["1.25", "1.2", "6.0", "1.0"]),                    # T03
          ("GEOMETRICALLY_NEAREST", ["1.0", "1.4", "3.25", "3.26", "foo"]),  # T04
          ("USE_AFTER", ["2004-04-25 21:31:01", "2004-04-25 21:31:02"]),  # T05
          ("bracket", ["1.0"]),                                          # T06
      ] for value in values],
    *[{"INSTRUME": "TINSTR", "TEST_CASE": "USE_AFTER", "DATE-OBS": "2004-04-25", "TIME-OBS": t}
      for t in ("21:31:01", "21:31:02")],
]


def _outcome(function, *args):
    try:
        return function(*args)
    except Exception as exc:  # the message is what must agree
        return ("raised", str(exc))


@pytest.fixture
def tobs_pair(tmp_path: Path, oracle_env, crds_cache: Path, restore_registry):
    """(ours, theirs): tobs.pmap loaded now with tobs registered from definitions, and by crds."""
    crds = oracle_env
    conventions = register_definitions(mission_path("tobs"))
    # A fresh copy of the cache, so the mappings are built now, with these conventions.
    shutil.copytree(crds_cache / "mappings" / "tobs", tmp_path / "mappings" / "tobs")
    ours = opencrds.load_context("tobs.pmap", cache=tmp_path)
    assert ours.conventions is conventions
    assert ours.get_imap("tinstr").get_rmap("tfilekind").conventions is conventions
    logging.getLogger("opencrds").setLevel(logging.ERROR)
    yield ours, crds.get_cached_mapping("tobs.pmap")
    logging.getLogger("opencrds").setLevel(logging.NOTSET)


def _compare_tobs(ours, theirs, header) -> None:
    from crds.core import rmap as crds_rmap

    assert _outcome(ours.get_best_references, dict(header)) == \
        _outcome(theirs.get_best_references, dict(header)), ("layer M", header)
    assert _outcome(opencrds.get_best_references, ours, dict(header)) == \
        _outcome(crds_rmap.get_best_references, "tobs.pmap", dict(header)), ("layer C", header)


@pytest.mark.shared_data
@pytest.mark.oracle
@pytest.mark.parametrize("header", TOBS_HEADERS, ids=lambda h: "-".join(map(str, h.values())))
def test_tobs_registered_from_definitions_reproduces_crds(tobs_pair, header) -> None:
    ours, theirs = tobs_pair
    _compare_tobs(ours, theirs, header)
    if header.get("PARAMETER") == "4.5":
        assert ours.get_best_references(header) == {"tfilekind": "cref_flatfield_73.fits"}


@pytest.mark.shared_data
@pytest.mark.oracle
def test_tobs_select_version_default_in_conditioned_lookup(tobs_pair) -> None:
    ours, theirs = tobs_pair
    _compare_tobs(ours, theirs, {"INSTRUME": "TINSTR", "TEST_CASE": "SELECT_VERSION",
                                 "PARAMETER": "default"})


# ---- definitions shipped with opencrds (issue #11: certify must not need a setting) ---------


@pytest.mark.parametrize("observatory", ("hst", "jwst", "roman"))
def test_shipped_real_observatories_load(observatory: str) -> None:
    definition = load_definitions(mission_path(observatory))
    assert definition.name == observatory and definition.real_types()
    size = sum(p.stat().st_size for p in mission_path(observatory).iterdir())
    assert size < 500_000  # compact: constraint lines only, duplicates as links


@pytest.mark.shared_data
@pytest.mark.parametrize("observatory", ("hst", "jwst", "roman"))
def test_shipped_definitions_hold_crds_facts(observatory: str, real_defs: Path) -> None:
    """Every type and every constraint of CRDS's definitions, as shipped."""
    ours = load_definitions(mission_path(observatory))
    theirs = load_crds_definitions(real_defs / observatory)
    assert {k: t.to_dict() for k, t in ours.types.items()} == \
        {k: t.to_dict() for k, t in theirs.types.items()}
    for instrument, filekind in theirs.types:
        for field in ("tpn", "ld_tpn"):
            assert ours.constraints_for(instrument, filekind, field) == \
                theirs.constraints_for(instrument, filekind, field), (instrument, filekind)


@pytest.mark.shared_data
def test_shipped_definitions_are_generated(real_defs: Path) -> None:
    """The generator, run on the shared definitions, reproduces the shipped files."""
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / \
        "generate_observatory_definitions.py"
    done = subprocess.run([sys.executable, str(script), "--check", "--source", str(real_defs)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_bundled_definitions_round_trip(tmp_path: Path) -> None:
    definition = _mini_definition()
    root = write_definitions(definition, tmp_path / "mini", bundled=True, preamble="# x\n")
    assert sorted(p.name for p in root.iterdir()) == \
        ["observatory.yaml", "tpns.yaml", "types.yaml"]
    again = load_definitions(root)
    assert again.types == definition.types
    assert dict(again.tpn_texts) == dict(definition.tpn_texts)
