"""``opencrds certify`` agrees with ``crds certify`` (14.0.3) on every file of the shared test
data, run as users run it: from the file's directory, by bare name, with
``--comparison-context`` the newest context of the file's mission in the shared cache and only
``CRDS_OBSERVATORY`` set (no observatory switch, no ``OPENCRDS_DEFINITIONS_PATH``: the
definitions shipped with opencrds are used). Same exit status, same number of errors and of
warnings, and the same ERROR messages in the same order.

Two differences are deliberate and normalized before comparing (README, "Divergences"):

* crds repeats each warning of the file-reading libraries (astropy, asdf, stdatamodels) once
  per time it opens the file (up to four times); opencrds reports each distinct one once.
  Warnings are counted with such repeats removed, on both sides.
* The allowed values listed by an error about a JWST keyword come from the installed data
  models (crds's from the lists it generated): the list itself is not compared. Trial rmaps
  are written in a private temporary folder (crds: ``/tmp``); only the name is compared.

``data/crds_certify.json`` holds what crds said, recorded by
``scripts/record_crds_certify.py`` (see there; top-level files are certified as JWST);
``test_live_oracle`` runs crds again on a sample.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from opencrds.tools.main import main

REPO = Path(__file__).resolve().parents[2]
RECORDED: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "crds_certify.json").read_text(encoding="utf-8"))

#: Files whose counts differ from crds's on purpose, and why (kept strict: fixing one fails).
DIVERGENCES: dict[str, str] = {
    "jwst/jwst_miri_distortion_0001.asdf":
        "crds also requires META.INSTRUMENT.CHANNEL of MIRI distortion references, from the "
        "miri_all.tpn it generates from the data models; that file is not in the shared "
        "observatory definitions (a link to itself there), and opencrds's stand-in, from the "
        "data models' enumerations, does not say CHANNEL is required (7 errors against 8)",
}


CRDS = Path(sys.executable).parent / "crds"


def _recorder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "record_crds_certify", REPO / "scripts" / "record_crds_certify.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


RECORD = _recorder()


@pytest.fixture
def user_env(crds_cache: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set the environment of a user working offline on the shared cache; returns a
    function that sets the mission."""
    import os

    for name in [n for n in os.environ if n.startswith(("CRDS_", "OPENCRDS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRDS_PATH", str(crds_cache))
    monkeypatch.setenv("CRDS_MODE", "local")
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")

    def for_mission(observatory: str) -> None:
        monkeypatch.setenv("CRDS_OBSERVATORY", observatory)
    return for_mission


def ours(key: str, context: str, test_data: Path, user_env: Any,
         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``opencrds certify NAME --comparison-context CTX`` from the file's directory."""
    path = test_data / key
    user_env(RECORD.mission_of(key))
    monkeypatch.chdir(path.parent)
    capsys.readouterr()
    status = main(["certify", path.name, "--comparison-context", context])
    err = capsys.readouterr().err
    return {"context": context, "exit": status, **RECORD.parse_output(err, test_data.parent)}


def warning_count(result: dict[str, Any]) -> int:
    """Warnings, each distinct library warning counted once."""
    library = [text for level, text in result["messages"]
               if level == "WARNING" and RECORD.LIBRARY_WARNING.match(text)]
    return result["warnings"] - len(library) + len(set(library))


def _normal(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(is not (?:one of|in)) [\[(].*?[\])]( |$)", r"\1 <values>\2", text)
    return re.sub(r"'/tmp/(?:[^/']+/)*([^/']+\.rmap)'", r"'/tmp/\1'", text)


def _errors(result: dict[str, Any]) -> list[str]:
    return [_normal(text) for level, text in result["messages"] if level == "ERROR"]


def outcome(result: dict[str, Any]) -> tuple[int, int, int]:
    """(exit status, errors, warnings as counted by :func:`warning_count`)."""
    return result["exit"], result["errors"], warning_count(result)


def test_recording_covers_every_file(crds_test_data: Path, crds_cache: Path) -> None:
    assert sorted(RECORDED) == RECORD.test_files(crds_test_data)
    contexts = RECORD.latest_contexts(crds_cache)
    for key, recorded in RECORDED.items():
        assert recorded["context"] == contexts[RECORD.mission_of(key)], \
            f"{key}: recorded against another context; re-run scripts/record_crds_certify.py"


def _cases() -> list[Any]:
    cases = []
    for key in sorted(RECORDED):
        marks = [pytest.mark.xfail(strict=True, reason=DIVERGENCES[key])] \
            if key in DIVERGENCES else []
        if key == "hst/synphot_thruput.rmap":
            marks.append(pytest.mark.slow)
        cases.append(pytest.param(key, id=key, marks=marks))
    return cases


@pytest.mark.parametrize("key", _cases())
def test_same_outcome_as_crds(key: str, crds_test_data: Path, user_env: Any,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    expected = RECORDED[key]
    got = ours(key, expected["context"], crds_test_data, user_env, monkeypatch, capsys)
    assert outcome(got) == outcome(expected)
    assert _errors(got) == _errors(expected)


LIVE_SAMPLE = [
    "hst/s7g1700gl_dead.fits",
    "jwst/niriss_ref_photom_bad.fits",
    "jwst/jwst_miri_ipc.bad-value.fits",
    "roman/roman_wfi16_f158_flat_badtype.asdf",
    "roman/roman_wfi16_f158_flat_invalid_tpn.asdf",
]


@pytest.mark.skipif(not CRDS.exists(), reason="crds (the oracle) is not installed")
@pytest.mark.parametrize("key", LIVE_SAMPLE)
def test_live_oracle(key: str, crds_test_data: Path, crds_cache: Path, user_env: Any,
                     oracle_env: Any, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    context = RECORD.latest_contexts(crds_cache)[RECORD.mission_of(key)]
    theirs = RECORD.run_crds(crds_test_data, crds_cache, key, context)
    assert theirs == RECORDED[key]
    got = ours(key, context, crds_test_data, user_env, monkeypatch, capsys)
    assert outcome(got) == outcome(theirs)
    assert _errors(got) == _errors(theirs)
