"""The dataset options of ``list`` (opencrds.tools.list.datasets) against a live server,
compared line for line with ``crds list`` 14.0.3 against the same server."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from server_helpers import Server, run_crds, shared_data_dir

from opencrds.tools.common import restore_logging, setup_logging
from opencrds.tools.context_switches import add_context_arguments
from opencrds.tools.list.datasets import add_dataset_arguments, run_dataset_listing

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

HST_DATA = shared_data_dir() / "crds-test-data" / "hst"


@pytest.fixture(scope="module")
def datasets_server(live_hst: Server) -> Server:
    files = ("j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "cos_N8XTZCAWQ.fits")
    live_hst.manage("import_datasets", *(str(HST_DATA / name) for name in files))
    return live_hst


@pytest.fixture(scope="module")
def crds_cache(datasets_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crds cache holding hst_0729.pmap's rules (crds list reads the context locally)."""
    path = tmp_path_factory.mktemp("crds-list") / "cache"
    done = run_crds("sync", "--contexts", "hst_0729.pmap", env=datasets_server.crds_env(path))
    assert done.returncode == 0, done.stderr[-3000:]
    return path


@pytest.fixture
def online(datasets_server: Server, crds_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRDS_SERVER_URL", datasets_server.url)
    monkeypatch.setenv("CRDS_OBSERVATORY", "hst")
    return crds_env


def listing(*argv: str) -> int | None:
    parser = argparse.ArgumentParser()
    add_context_arguments(parser)
    add_dataset_arguments(parser)
    setup_logging(0)
    try:
        return run_dataset_listing(parser.parse_args(list(argv)))
    finally:
        restore_logging()


def test_no_dataset_option_means_none(online: Path) -> None:
    assert listing("--contexts", "hst_0729.pmap") is None


CASES = [
    ["--dataset-ids-for-instruments", "acs", "nicmos"],
    ["--dataset-headers", "J8BT06O6Q", "N8XTZCAWQ", "BOGUS", "--contexts", "hst_0729.pmap"],
    ["--dataset-headers", "J8BT06O6Q", "N8XTZCAWQ", "--json", "--contexts", "hst_0729.pmap"],
    ["--dataset-headers", "J8BT06O6Q", "N8XTZCAWQ", "--minimize-headers",
     "--contexts", "hst_0729.pmap"],
    ["--dataset-headers", "J8BT05020", "N8XTZCAWQ", "--id-expansions-only",
     "--contexts", "hst_0729.pmap"],
]


@pytest.mark.oracle
@pytest.mark.parametrize("argv", CASES, ids=lambda a: a[0].strip("-") + "-" + a[-1])
def test_same_output_as_crds_list(argv: list[str], online: Path, datasets_server: Server,
                                  crds_cache: Path, capsys) -> None:
    code = listing(*argv)
    captured = capsys.readouterr()
    theirs = run_crds("list", *argv, env=datasets_server.crds_env(crds_cache))
    assert theirs.stdout or theirs.returncode == 0, theirs.stderr[-3000:]
    assert captured.out == theirs.stdout
    ours_errors = [ln for ln in captured.err.splitlines() if "ERROR" in ln]
    their_errors = [ln for ln in theirs.stderr.splitlines() if "ERROR" in ln]
    assert ours_errors == their_errors
    assert code == len(ours_errors)


def test_ids_from_a_file_and_first_expansion(online: Path, tmp_path: Path, capsys) -> None:
    ids = tmp_path / "ids"
    ids.write_text("# ACS\nJ8BT05NJQ\nJ8BT06O6Q\n")
    assert listing("--dataset-headers", f"@{ids}", "--id-expansions-only",
                   "--first-id-expansion-only", "--contexts", "hst_0729.pmap") == 0
    assert capsys.readouterr().out.split() == ["J8BT05020:J8BT05NJQ", "J8BT06040:J8BT06O6Q"]


def test_offline_is_fatal(crds_env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("CRDS_SERVER_URL", "https://hst-serverless-mode.stsci.edu")
    (crds_env / "config/hst").mkdir(parents=True)
    (crds_env / "config/hst/server_config").write_text(
        "{'observatory': 'hst', 'operational_context': 'hst_0729.pmap', 'mappings': []}")
    assert listing("--hst", "--dataset-ids-for-instruments", "acs") == 255
    assert "Required server connection unavailable" in capsys.readouterr().err


def test_list_command_takes_the_dataset_options() -> None:
    """``opencrds list`` is wired to these options (run_dataset_listing runs first)."""
    from opencrds.tools.main import build_parser

    args = build_parser("list").parse_args(
        ["list", "--dataset-headers", "@ids", "J8BT06O6Q", "--json", "--minimize-headers",
         "--id-expansions-only", "--first-id-expansion-only", "--dataset-ids", "acs"])
    assert args.dataset_headers == ["@ids", "J8BT06O6Q"]
    assert args.dataset_ids_for_instruments == ["acs"]
    assert args.json and args.minimize_headers and args.id_expansions_only
    assert args.first_id_expansion_only
    assert args._module.__name__ == "opencrds.tools.list"
