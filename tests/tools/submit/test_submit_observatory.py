"""Which observatory a submission is for: named by the options or environment, else the
server's."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencrds.tools.submit.flow import SubmitOptions, named_observatory


@pytest.fixture(autouse=True)
def _no_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS_OBSERVATORY", raising=False)
    monkeypatch.setenv("CRDS_SERVER_URL", "http://127.0.0.1:8000")


def _options(*names: str, **kw: object) -> SubmitOptions:
    return SubmitOptions(files=tuple(Path(name) for name in names), **kw)  # type: ignore[arg-type]


def test_nothing_named_leaves_it_to_the_server() -> None:
    assert named_observatory(_options("s7g1700hl_dead.fits", "a.fits")) is None


def test_the_order_of_the_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    assert named_observatory(_options("jwst_miri_dark_0001.fits")) == "jwst"
    monkeypatch.setenv("CRDS_SERVER_URL", "https://hst-crds-test.stsci.edu")
    assert named_observatory(_options("jwst_miri_dark_0001.fits")) == "hst"
    monkeypatch.setenv("CRDS_OBSERVATORY", "JWST")
    assert named_observatory(_options("a.fits")) == "jwst"
    assert named_observatory(_options("a.fits", derive_from_context="hst-edit")) == "hst"
    assert named_observatory(_options("a.fits", observatory="roman",
                                      derive_from_context="hst-edit")) == "roman"
