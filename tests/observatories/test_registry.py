"""The registry of missions is the one list of observatories: a mission defined by data is
seen by the name functions, the cache paths, certify's inference and the client defaults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opencrds.cache import paths
from opencrds.certify import context as certify_context
from opencrds.client.serverinfo import default_observatory
from opencrds.observatories import register_definitions, registered_observatories
from opencrds.observatories.example_mission import example_definition
from opencrds.rules import conventions
from opencrds.rules.naming import classify_name, newer

BUILT_IN = ("hst", "jwst", "roman", "tobs")


@pytest.fixture
def example() -> Iterator[str]:
    """The example mission registered from its definitions (not code) for one test."""
    saved = conventions.conventions_for("example")
    register_definitions(example_definition())
    try:
        yield "example"
    finally:
        if saved.name.lower() == "example":
            conventions.register(saved)
        else:
            conventions._REGISTRY.pop("example", None)


def test_built_in_missions_come_first() -> None:
    assert registered_observatories()[:4] == BUILT_IN


def test_a_defined_mission_is_registered(example: str) -> None:
    assert registered_observatories()[:4] == BUILT_IN
    assert example in registered_observatories()


def test_name_functions_know_a_defined_mission(example: str) -> None:
    assert classify_name("example_camera_dark_0001.fits") == "crds"
    # a CRDS name is newer than an old CDBS one (string order would say the opposite)
    assert newer("example_camera_dark_0001.fits", "j4d1435ij_bia.fits")
    assert not newer("j4d1435ij_bia.fits", "example_camera_dark_0001.fits")
    assert classify_name("example_camera_dark_0001.fits", observatories=BUILT_IN) == "oldcdbs"


def test_cache_paths_know_a_defined_mission(example: str, tmp_path: Path) -> None:
    environ = {"CRDS_PATH": str(tmp_path)}
    assert paths.named_observatory("example_0004.pmap") == "example"
    assert paths.named_observatory("z2d19237l_1dx.fits") is None
    # not read as an HST CDBS name (whose last letter 'o' would say STIS)
    assert paths.instrument_of_reference("example_x.fits") == "unknown"
    located = paths.reference_path("example_camera_dark_0001.fits", "hst", environ)
    assert located.is_relative_to(tmp_path / "references" / "example")


def test_certify_infers_a_defined_mission(example: str, tmp_path: Path) -> None:
    assert certify_context.observatory_of_name("example_0004.pmap") == "example"
    assert certify_context.observatory_of_file(
        str(tmp_path / "renamed.rmap"), "header = {'observatory' : 'EXAMPLE', ...}") == "example"
    assert certify_context._instruments_of("example") == frozenset(
        example_definition().instruments)


def test_client_default_observatory_from_a_defined_missions_url(
        example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS_OBSERVATORY", raising=False)
    monkeypatch.setenv("CRDS_SERVER_URL", "https://example-crds.example.org")
    assert default_observatory() == "example"
