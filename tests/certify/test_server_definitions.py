"""The server certifies its mission's files against the mission's definitions: those its
store holds (a mission defined by data brings them), else the ones shipped with opencrds;
none is an error."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from opencrds.certify import certify_files
from opencrds.observatories.definitions import DefinitionError
from opencrds.observatories.example_mission import generate_example_mission
from opencrds.server.certify_definitions import certify_options, mission_definition


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store holding the example mission's definitions (as ``import_cache`` copies them)."""
    mission = generate_example_mission(tmp_path / "source")
    root = tmp_path / "store"
    shutil.copytree(mission.definitions_dir, root / "definitions" / "example")
    shutil.copytree(mission.mappings_dir, root / "mappings" / "example")
    shutil.copytree(mission.references_dir, root / "references" / "example")
    return root


def test_example_definitions_come_with_the_mission(store: Path) -> None:
    definition = mission_definition("example", store)
    assert definition.name == "example"
    assert definition.source == str(store / "definitions" / "example")


def test_real_missions_use_the_shipped_definitions(tmp_path: Path) -> None:
    assert mission_definition("hst", tmp_path).name == "hst"
    with pytest.raises(DefinitionError, match="No observatory definitions for 'nosuch'"):
        mission_definition("nosuch", tmp_path)


def test_example_reference_certified_against_its_definitions(store: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setenv("CRDS_PATH", str(store))
    reference = sorted((store / "references" / "example").glob("*.fits"))[0]
    logging.getLogger("opencrds.certify").setLevel(logging.CRITICAL)
    try:
        result = certify_files([str(reference)], certify_options("example", store))
    finally:
        logging.getLogger("opencrds.certify").setLevel(logging.NOTSET)
    assert result.files[0].errors == 0, result.files[0].messages
    from opencrds.observatories.generic import registered_definition

    if registered_definition("example") is not None:
        return  # another test of this process registered example's conventions from data
    shutil.rmtree(store / "definitions")
    result = certify_files([str(reference)], certify_options("example", store))
    assert any("No observatory definitions for 'example'" in m
               for _, m in result.files[0].messages), result.files[0].messages
