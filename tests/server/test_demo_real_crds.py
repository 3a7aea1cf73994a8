"""Issue #14 acceptance 4: the real crds 14.0.3 client, unmodified and with nothing injected
into it, uses ``opencrds serve --demo``: ``sync --last 2 --fetch-references``, ``list
--status`` and remote best references of the demo's datasets.

The crds commands run as subprocesses with a fresh ``CRDS_PATH`` (the demo's files share their
names with the real JWST's: a demo cache must never be a real one) and without our
``PYTHONPATH``, so they import nothing of ours.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import Server, clean_env, free_port, run_crds

from opencrds.observatories.demo import DemoMission, generate_demo_mission

pytestmark = [pytest.mark.server, pytest.mark.oracle, pytest.mark.slow]


@pytest.fixture(scope="module")
def mission(tmp_path_factory: pytest.TempPathFactory) -> DemoMission:
    return generate_demo_mission(tmp_path_factory.mktemp("demo-expected"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``opencrds serve --demo --port <free>`` on a fresh data folder."""
    pytest.importorskip("crds", reason="the real crds client is not installed")
    home = tmp_path_factory.mktemp("demo-home")
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
    server = Server("jwst", "sqlite", home, free_port(), env, home / "server.log")
    server.start_command = ["--demo"]
    server.start()
    yield server
    server.stop()


def crds_env(server: Server, cache: Path, **extra: str) -> dict[str, str]:
    env = clean_env(CRDS_PATH=str(cache), CRDS_SERVER_URL=f"http://127.0.0.1:{server.port}",
                    CRDS_OBSERVATORY="jwst", **extra)
    env.pop("PYTHONPATH", None)  # the crds client alone: nothing of ours on its path
    return env


def errors_of(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (done.stdout + done.stderr).splitlines() if "ERROR" in line]


def test_sync_last_two_contexts_with_references(demo: Server, mission: DemoMission,
                                                tmp_path: Path) -> None:
    cache = tmp_path / "crds-cache"
    done = run_crds("sync", "--last", "2", "--fetch-references", "--check-sha1sum",
                    env=crds_env(demo, cache), timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert errors_of(done) == []
    latest = mission.contexts[-2:]
    wanted = _closure(mission, latest)
    mappings = {p.name: p for p in (cache / "mappings" / "jwst").iterdir()}
    references = {p.name: p for p in (cache / "references" / "jwst").rglob("*.fits")}
    assert set(latest) <= set(mappings)
    assert wanted["mappings"] <= set(mappings) and wanted["references"] <= set(references)
    for name in wanted["mappings"]:
        assert mappings[name].read_bytes() == (mission.mappings_dir / name).read_bytes(), name
    for name in wanted["references"]:
        assert _sha1(references[name]) == _sha1(mission.references_dir / name), name


def test_list_status_shows_the_demo(demo: Server, mission: DemoMission, tmp_path: Path) -> None:
    done = run_crds("list", "--status", env=crds_env(demo, tmp_path / "crds-cache"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert errors_of(done) == []
    assert f"Effective Context = '{mission.operational_context}'" in done.stdout
    assert f"CRDS_SERVER_URL = 'http://127.0.0.1:{demo.port}'" in done.stdout
    for args, expected in ((("--resolve-contexts", "--all"), sorted(mission.contexts)),
                           (("--operational-context",), [mission.operational_context])):
        listed = run_crds("list", *args, env=crds_env(demo, tmp_path / "crds-cache"))
        assert listed.returncode == 0, listed.stderr[-3000:]
        assert listed.stdout.split() == expected, args


BESTREFS = """
import json, sys
from crds.client import api
import crds
samples = json.load(open(sys.argv[1]))
answers = {}
for sample in samples:
    remote = api.get_best_references(sample["context"], sample["header"])
    fetched = crds.getreferences(sample["header"], observatory="jwst")
    answers[sample["name"]] = {"remote": remote,
                               "fetched": {k: v.rsplit("/", 1)[-1] for k, v in fetched.items()}}
print(json.dumps(answers))
"""


def test_remote_best_references_are_the_demo_samples(demo: Server, mission: DemoMission,
                                                     tmp_path: Path) -> None:
    """``crds.client.api.get_best_references`` (computed by the server) and
    ``crds.getreferences`` with ``CRDS_MODE=remote`` (which then downloads the files) both
    give the references the demo's sample table says."""
    samples = tmp_path / "samples.json"
    samples.write_text(json.dumps([{"name": s.name, "header": s.header, "context": s.context}
                                   for s in mission.samples]))
    done = subprocess.run([sys.executable, "-c", BESTREFS, str(samples)],
                          env=crds_env(demo, tmp_path / "crds-cache", CRDS_MODE="remote"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    answers = json.loads(done.stdout.splitlines()[-1])
    for sample in mission.samples:
        assert answers[sample.name]["remote"] == sample.expected, sample.name
        assert answers[sample.name]["fetched"] == sample.expected, sample.name


def _closure(mission: DemoMission, contexts: tuple[str, ...]) -> dict[str, set[str]]:
    import opencrds

    mappings: set[str] = set()
    references: set[str] = set()
    for name in contexts:
        context = opencrds.load_context(name, cache=mission.root)
        mappings.update(context.mapping_names())
        references.update(context.reference_names())
    return {"mappings": mappings, "references": references}


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()
