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
from opencrds.observatories.demo import demo_definition
from opencrds.rules import conventions
from opencrds.rules.naming import classify_name, newer

BUILT_IN = ("hst", "jwst", "roman", "tobs")


@pytest.fixture
def demo() -> Iterator[str]:
    """The demo mission registered from its definitions (not code) for one test."""
    saved = conventions.conventions_for("demo")
    register_definitions(demo_definition())
    try:
        yield "demo"
    finally:
        if saved.name.lower() == "demo":
            conventions.register(saved)
        else:
            conventions._REGISTRY.pop("demo", None)


def test_built_in_missions_come_first() -> None:
    assert registered_observatories()[:4] == BUILT_IN


def test_a_defined_mission_is_registered(demo: str) -> None:
    assert registered_observatories()[:4] == BUILT_IN
    assert demo in registered_observatories()


def test_name_functions_know_a_defined_mission(demo: str) -> None:
    assert classify_name("demo_camera_dark_0001.fits") == "crds"
    # a CRDS name is newer than an old CDBS one (string order would say the opposite)
    assert newer("demo_camera_dark_0001.fits", "j4d1435ij_bia.fits")
    assert not newer("j4d1435ij_bia.fits", "demo_camera_dark_0001.fits")
    assert classify_name("demo_camera_dark_0001.fits", observatories=BUILT_IN) == "oldcdbs"


def test_cache_paths_know_a_defined_mission(demo: str, tmp_path: Path) -> None:
    environ = {"CRDS_PATH": str(tmp_path)}
    assert paths.named_observatory("demo_0004.pmap") == "demo"
    assert paths.named_observatory("z2d19237l_1dx.fits") is None
    # not read as an HST CDBS name (whose last letter 'o' would say STIS)
    assert paths.instrument_of_reference("demo_x.fits") == "unknown"
    located = paths.reference_path("demo_camera_dark_0001.fits", "hst", environ)
    assert located.is_relative_to(tmp_path / "references" / "demo")


def test_certify_infers_a_defined_mission(demo: str, tmp_path: Path) -> None:
    assert certify_context.observatory_of_name("demo_0004.pmap") == "demo"
    assert certify_context.observatory_of_file(
        str(tmp_path / "renamed.rmap"), "header = {'observatory' : 'DEMO', ...}") == "demo"
    assert certify_context._instruments_of("demo") == frozenset(
        demo_definition().instruments)


def test_client_default_observatory_from_a_defined_missions_url(
        demo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS_OBSERVATORY", raising=False)
    monkeypatch.setenv("CRDS_SERVER_URL", "https://demo-crds.example.org")
    assert default_observatory() == "demo"
