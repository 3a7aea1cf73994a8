"""The demo mission (JWST-shaped, served as ``jwst``): deterministic, loadable, checksummed,
one delivery per context, tiny FITS references that certify against our JWST definitions and
crds's, and the real crds — unmodified, nothing injected — reading the generated cache gives
the same best references as ours for every context."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import opencrds
from opencrds.observatories.demo import DemoMission, generate_demo_mission
from opencrds.rules.checksum import verify_checksum
from opencrds.rules.parser import parse_literal, parse_mapping_text


@pytest.fixture(scope="module")
def mission(tmp_path_factory: pytest.TempPathFactory) -> DemoMission:
    return generate_demo_mission(tmp_path_factory.mktemp("demo"), seed=0)


def _digests(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha1(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_generation_is_deterministic(mission: DemoMission, tmp_path: Path) -> None:
    again = generate_demo_mission(tmp_path / "again", seed=0)
    assert _digests(again.root) == _digests(mission.root)
    assert again.samples == mission.samples and again.deliveries == mission.deliveries
    other = generate_demo_mission(tmp_path / "other", seed=1)
    first, second = _digests(mission.root), _digests(other.root)
    changed = {name for name in first if first[name] != second[name]}
    assert {name for name in changed if name.startswith("references/")} == {
        f"references/jwst/{name}" for name in mission.references}


def test_shape_of_the_mission(mission: DemoMission) -> None:
    assert mission.observatory == "jwst"
    assert mission.contexts == tuple(f"jwst_{n:04d}.pmap" for n in range(1, 6))
    assert mission.operational_context == "jwst_0005.pmap"
    assert [entry[1] for entry in mission.history] == list(mission.contexts)
    dates = [entry[0] for entry in mission.history]
    assert dates == sorted(dates) and dates[0][:4] == "2024" and dates[-1][:4] == "2025"
    assert {"nircam", "niriss", "miri", "fgs"} == set(mission.instruments)
    rmaps = [name for name in mission.mappings if name.endswith(".rmap")]
    assert len({name.rsplit("_", 1)[0] for name in rmaps}) >= 12
    assert {p.name for p in mission.mappings_dir.iterdir()} == set(mission.mappings)
    assert {p.name for p in mission.references_dir.iterdir()} == set(mission.references)
    for name in mission.references:
        assert name.startswith("jwst_") and name.endswith(".fits")
        assert (mission.references_dir / name).stat().st_size < 120_000


def test_every_mapping_loads_and_verifies(mission: DemoMission) -> None:
    from opencrds.observatories.definitions import load_definitions
    from opencrds.observatories.generic import mission_path

    jwst = load_definitions(mission_path("jwst"))
    for name in mission.mappings:
        text = (mission.mappings_dir / name).read_text()
        parsed = parse_mapping_text(text, name)
        verify_checksum(text, parsed.header, name)
        mapping = opencrds.load_context(mission.mappings_dir / name)
        assert mapping.header["name"] == name and mapping.observatory == "jwst"
        if name.endswith(".rmap"):  # real JWST types, real JWST parameters
            spec = jwst.type_of(parsed.header["instrument"].lower(),
                                parsed.header["filekind"].lower())
            assert spec.filekind == parsed.header["filekind"].lower()
            match, dates = parsed.header["parkey"]
            assert dates == ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME")
            assert all(key.startswith(("META.INSTRUMENT.", "META.EXPOSURE.")) for key in match)


def test_each_context_is_one_delivery(mission: DemoMission) -> None:
    loaded = {name: opencrds.load_context(name, cache=mission.root) for name in mission.contexts}
    for older, newer in zip(mission.contexts, mission.contexts[1:], strict=False):
        assert loaded[newer].raw_header["derived_from"] == older
        added = set(loaded[newer].mapping_names()) - set(loaded[older].mapping_names())
        rmaps = [name for name in added if name.endswith(".rmap")]
        assert 1 <= len(rmaps) <= 2, added
        delivery = next(d for d in mission.deliveries if d.context == newer)
        assert added <= set(delivery.files)
        assert delivery.date < next(e[0] for e in mission.history if e[1] == newer)
    config = parse_literal((mission.config_dir / "server_config").read_text())
    assert config["operational_context"] == mission.operational_context
    assert config["context_history"] == [list(entry) for entry in reversed(mission.history)]
    assert [config["build_calver"], config["build_context"]] == list(mission.build_contexts[-1])
    assert config == mission.server_config
    delivered = [name for delivery in mission.deliveries for name in delivery.files]
    assert sorted(delivered) == sorted([*mission.mappings, *mission.references])


def test_samples_select_the_expected_references(mission: DemoMission) -> None:
    saved = json.loads(mission.samples_path.read_text())
    assert [s["name"] for s in saved["samples"]] == [s.name for s in mission.samples]
    ctx = opencrds.load_context(mission.operational_context, cache=mission.root)
    covered = set()
    for sample in mission.samples:
        assert ctx.get_best_references(sample.header) == sample.expected, sample.name
        instrument = sample.header["META.INSTRUMENT.NAME"].lower()
        covered.update((instrument, filekind) for filekind in sample.expected)
    assert covered == set(mission.types)
    early = next(s for s in mission.samples if s.header["META.OBSERVATION.DATE"] < "2022-07")
    late = next(s for s in mission.samples if s.name.endswith(early.name[-6:])
                and s.header["META.OBSERVATION.DATE"] > "2025")
    assert any(early.expected[k] < late.expected[k] for k in early.expected)


def test_our_certify_accepts_every_file(mission: DemoMission, monkeypatch) -> None:  # noqa: ANN001
    import logging

    from opencrds.certify import CertifyOptions, certify_files

    for name in [n for n in os.environ if n.startswith("CRDS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRDS_PATH", str(mission.root))
    files = [str(mission.references_dir / n) for n in mission.references] + [
        str(mission.mappings_dir / n) for n in mission.mappings]
    logging.getLogger("opencrds.certify").setLevel(logging.CRITICAL)
    try:
        result = certify_files(files, CertifyOptions(
            observatory="jwst", cache=str(mission.root),
            comparison_context=mission.operational_context))
    finally:
        logging.getLogger("opencrds.certify").setLevel(logging.NOTSET)
    failed = {f.name: f.messages for f in result.files if f.errors}
    assert failed == {}
    skipped = [m for f in result.files for _, m in f.messages if "Failed checking" in m]
    assert skipped == []  # every constraint was checked (subarray() conditions were skipped)
    assert {Path(f).name for f in files} <= {Path(f.name).name for f in result.files}


# ---- the oracle: the real crds, unmodified, reads the generated cache ----------------------


def crds_env(mission: DemoMission) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(mission.root), CRDS_READONLY_CACHE="1", CRDS_MODE="local",
               CRDS_SERVER_URL="https://localhost:1", CRDS_OBSERVATORY="jwst")
    return env


ORACLE = """
import json, sys
import crds
from crds.core import rmap
samples = json.load(open(sys.argv[1]))["samples"]
answers = {}
for context in sys.argv[2:]:
    mapping = crds.get_cached_mapping(context)
    answers[context] = {"mappings": sorted(mapping.mapping_names()), "best": {
        s["name"]: rmap.get_best_references(context, dict(s["header"])) for s in samples}}
print(json.dumps(answers))
"""


@pytest.mark.oracle
def test_crds_gives_the_same_answers_for_every_context(mission: DemoMission) -> None:
    pytest.importorskip("crds", reason="the real crds client (oracle) is not installed")
    done = subprocess.run([sys.executable, "-c", ORACLE, str(mission.samples_path),
                           *mission.contexts], env=crds_env(mission), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.splitlines()[-1])
    for context in mission.contexts:
        ours = opencrds.load_context(context, cache=mission.root)
        assert answers[context]["mappings"] == ours.mapping_names()
        for sample in mission.samples:
            assert answers[context]["best"][sample.name] == opencrds.get_best_references(
                ours, dict(sample.header)), (context, sample.name)
    for sample in mission.samples:
        assert answers[mission.operational_context]["best"][sample.name] == sample.expected


#: One reference of each shape (crds validates each with the JWST data models: ~3 s a file).
SHAPES = ("jwst_nircam_dark_0001.fits", "jwst_miri_flat_0001.fits", "jwst_nircam_photom_0001.fits",
          "jwst_nircam_area_0001.fits", "jwst_fgs_gain_0001.fits")


@pytest.mark.oracle
def test_crds_certify_accepts_the_files(mission: DemoMission) -> None:
    """Every rmap and a reference of each shape (all of them pass too, in ~2 minutes)."""
    pytest.importorskip("crds", reason="the real crds client (oracle) is not installed")
    files = [f"references/jwst/{n}" for n in SHAPES] + [
        f"mappings/jwst/{n}" for n in mission.mappings if n.endswith(".rmap")]
    done = subprocess.run([sys.executable, "-m", "crds.certify", *files, "--comparison-context",
                           mission.operational_context], cwd=mission.root,
                          env=crds_env(mission), capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "CRDS - INFO -  0 errors" in output, output[-3000:]
    assert "ERROR" not in output, [line for line in output.splitlines() if "ERROR" in line]
