"""The example mission defined only by data: deterministic, loadable, checksummed, with real
FITS references that the rules select, usable without code through its definitions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import opencrds
from opencrds.observatories.definitions import load_definitions
from opencrds.observatories.example_mission import ExampleMission, generate_example_mission
from opencrds.observatories.generic import DefinedConventions, register_definitions
from opencrds.rules.checksum import verify_checksum
from opencrds.rules.conventions import conventions_for, register
from opencrds.rules.parser import parse_literal, parse_mapping_text


@pytest.fixture(scope="module")
def mission(tmp_path_factory) -> ExampleMission:
    return generate_example_mission(tmp_path_factory.mktemp("example"), seed=0)


def _digests(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha1(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_generation_is_deterministic(mission: ExampleMission, tmp_path: Path) -> None:
    again = generate_example_mission(tmp_path / "again", seed=0)
    assert _digests(again.root) == _digests(mission.root)
    assert again.samples == mission.samples and again.history == mission.history
    other = generate_example_mission(tmp_path / "other", seed=1)
    first, second = _digests(mission.root), _digests(other.root)
    assert first.keys() == second.keys()
    changed = {name for name in first if first[name] != second[name]}
    assert {name for name in changed if name.startswith("references/")} == {
        f"references/example/{name}" for name in mission.references}


def test_shape_of_the_mission(mission: ExampleMission) -> None:
    assert mission.observatory == "example"
    assert mission.contexts == ("example_0001.pmap", "example_0002.pmap", "example_0003.pmap",
                                "example_0004.pmap")
    assert mission.operational_context == "example_0004.pmap"
    assert [entry[1] for entry in mission.history] == list(mission.contexts)
    definition = mission.definition
    assert 2 <= len(definition.instruments) <= 3
    assert 10 <= len(definition.real_types()) <= 14
    assert {p.name for p in mission.mappings_dir.iterdir()} == set(mission.mappings)
    assert {p.name for p in mission.references_dir.iterdir()} == set(mission.references)
    for name in mission.references:
        assert name.startswith("example_") and name.endswith(".fits")


def test_every_mapping_loads_and_verifies(mission: ExampleMission) -> None:
    for name in mission.mappings:
        text = (mission.mappings_dir / name).read_text()
        parsed = parse_mapping_text(text, name)
        verify_checksum(text, parsed.header, name)
        mapping = opencrds.load_context(mission.mappings_dir / name)
        assert mapping.header["name"] == name
        assert mapping.observatory == "example"
    for context in mission.contexts:
        ctx = opencrds.load_context(context, cache=mission.root)
        assert set(ctx.mapping_names()) <= set(mission.mappings)


def test_history_changes_one_rmap_per_context(mission: ExampleMission) -> None:
    loaded = {name: opencrds.load_context(name, cache=mission.root) for name in mission.contexts}
    first = loaded[mission.contexts[0]]
    assert "generated" in first.header["derived_from"]
    for older, newer in zip(mission.contexts, mission.contexts[1:], strict=False):
        new = loaded[newer]
        assert new.raw_header["derived_from"] == older
        added = set(new.mapping_names()) - set(loaded[older].mapping_names())
        kinds = sorted(name.rsplit(".", 1)[1] for name in added)
        assert kinds == ["imap", "pmap", "rmap"], added
        for name in added:
            child = opencrds.load_context(name, cache=mission.root)
            predecessor = child.raw_header["derived_from"]
            assert predecessor in loaded[older].mapping_names(), (name, predecessor)
    config = parse_literal((mission.config_dir / "server_config").read_text())
    assert config["operational_context"] == mission.operational_context
    assert config["context_history"] == [list(entry) for entry in reversed(mission.history)]
    assert config["mappings"] == list(mission.mappings)
    assert config == mission.server_config


def test_every_reference_exists_and_opens(mission: ExampleMission) -> None:
    from astropy.io import fits

    named: set[str] = set()
    for context in mission.contexts:
        named.update(opencrds.load_context(context, cache=mission.root).reference_names())
    assert named == set(mission.references)
    ctx = opencrds.load_context(mission.operational_context, cache=mission.root)
    checked: set[str] = set()
    for instrument in mission.definition.instruments:
        imap = ctx.get_imap(instrument)
        for filekind in imap.types():
            rmap = imap.get_rmap(filekind)
            checked.add(filekind)
            for name in rmap.reference_names():
                with fits.open(mission.references_dir / name, checksum=True) as hdus:
                    hdus.verify("exception")
                    header = hdus[0].header
                    assert header["INSTRUME"] == instrument.upper()
                    assert header["REFTYPE"] == filekind.upper()
                    for key in ("USEAFTER", "PEDIGREE", "DESCRIP", "AUTHOR", "TELESCOP"):
                        assert header[key]
                    for parameter in rmap.parkey[0]:
                        assert parameter in header
                    assert hdus[-1].data is not None and len(hdus[-1].data) > 0
    assert checked == set(mission.definition.filekinds())


def test_references_satisfy_their_constraints(mission: ExampleMission) -> None:
    """A tiny certify: required header keywords present, enumerated values respected."""
    from astropy.io import fits

    definition = mission.definition
    for name in mission.references:
        _, instrument, filekind, _ = name[: -len(".fits")].split("_")
        constraints = definition.constraints_for(instrument, filekind)
        assert {"INSTRUME", "REFTYPE", "USEAFTER", "PEDIGREE"} <= {c.name for c in constraints}
        header = fits.getheader(mission.references_dir / name)
        for constraint in constraints:
            assert constraint.presence_code == "R" and constraint.name in header, constraint
            enumerated = [v for v in constraint.values if not v.startswith("&")]
            if enumerated:
                for part in str(header[constraint.name]).split("|"):
                    assert part.upper() in enumerated, (name, constraint)


def test_sample_headers_select_real_files_for_every_type(mission: ExampleMission) -> None:
    ctx = opencrds.load_context(mission.operational_context, cache=mission.root)
    saved = json.loads(mission.samples_path.read_text())
    assert saved["context"] == mission.operational_context
    assert [s["name"] for s in saved["samples"]] == [s.name for s in mission.samples]
    covered: set[tuple[str, str]] = set()
    for sample in mission.samples:
        instrument = sample.header["INSTRUME"].lower()
        assert sample.expected.keys() == set(mission.definition.filekinds(instrument))
        assert ctx.get_best_references(sample.header) == sample.expected, sample.name
        assert opencrds.get_best_references(ctx, sample.header) == sample.expected, sample.name
        for filekind, result in sample.expected.items():
            assert result in mission.references
            covered.add((instrument, filekind))
    assert covered == {(t.instrument, t.filekind) for t in mission.definition.real_types()}
    # History is real: the same exposure made earlier selects older references.
    for early in (s for s in mission.samples if s.header["DATE-OBS"] < "2023-07-01"):
        later = next(s for s in mission.samples if s.header["DATE-OBS"] > "2024-01-01" and {
            k: v for k, v in s.header.items() if k not in ("DATE-OBS", "TIME-OBS")} == {
            k: v for k, v in early.header.items() if k not in ("DATE-OBS", "TIME-OBS")})
        older = [k for k in early.expected if early.expected[k] < later.expected[k]]
        assert older, early.name


def test_definitions_make_example_usable_without_code(mission: ExampleMission) -> None:
    saved = conventions_for("example")
    try:
        definition = load_definitions(mission.definitions_dir)
        assert definition.types == mission.definition.types
        conventions = register_definitions(mission.definitions_dir)
        assert isinstance(conventions_for("EXAMPLE"), DefinedConventions)
        ctx = opencrds.load_context(mission.mappings_dir / mission.operational_context)
        sample = mission.samples[0]
        assert opencrds.get_best_references(ctx, sample.header) == sample.expected
        assert conventions.definition.instrument_key == ctx.parkey[0]
        for spec in definition.real_types():
            rmap = ctx.get_imap(spec.instrument).get_rmap(spec.filekind)
            assert rmap.parkey == spec.parkey
    finally:
        if saved.name.lower() == "example":
            register(saved)
        else:
            from opencrds.rules import conventions as module

            module._REGISTRY.pop("example", None)
