"""``opencrds submit``'s options and their defaults, as SubmitOptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencrds.tools.main import build_parser
from opencrds.tools.submit.command import submit_options
from opencrds.tools.submit.flow import SubmitOptions


def _options(*argv: str) -> SubmitOptions:
    return submit_options(build_parser("submit").parse_args(["submit", *argv]))


@pytest.fixture
def a_file(tmp_path: Path) -> str:
    path = tmp_path / "a.fits"
    path.write_bytes(b"x")
    return str(path)


def test_defaults(a_file: str) -> None:
    assert _options("--files", a_file) == SubmitOptions(files=(Path(a_file),))
    defaults = SubmitOptions(files=())
    assert (defaults.kind, defaults.change_level, defaults.auto_rename,
            defaults.compare_old_reference, defaults.monitor, defaults.poll_seconds) == (
        "batch", "SEVERE", True, True, False, 2.0)
    assert defaults.derive_from_context is None  # <obs>-edit, once the observatory is known


def test_every_option(a_file: str, tmp_path: Path) -> None:
    options = _options(
        "-J", "--files", a_file, "--derive-from-context", "jwst-latest", "--change-level",
        "TRIVIAL", "--creator", "C", "--description", "D", "--dont-auto-rename",
        "--dont-compare-old-reference", "--username", "u", "--monitor-processing",
        "--wait-for-completion", "--submission-kind", "certify", "--keep-existing-files",
        "--certify-files", "--autoconfirm", "--logout", "--poll-seconds", "1")
    assert options == SubmitOptions(
        files=(Path(a_file),), observatory="jwst", derive_from_context="jwst-latest",
        change_level="TRIVIAL", creator="C", description="D", auto_rename=False,
        compare_old_reference=False, username="u", monitor=True, wait=True, kind="certify",
        keep=True, certify=True, autoconfirm=True, logout=True, poll_seconds=1.0)


def test_redcat_parameters_imply_the_redcat_kind(a_file: str) -> None:
    assert _options("--files", a_file, "--redcat-parameters", "p.yaml").kind == "redcat"
    assert _options("--files", a_file, "--redcat-parameters", "p.yaml",
                    "--submission-kind", "batch").kind == "batch"


def test_autoconfirm_monitors_and_files_lists_expand(a_file: str, tmp_path: Path) -> None:
    listing = tmp_path / "files.txt"
    listing.write_text(a_file + "\n")
    options = _options("--files", f"@{listing}", "--autoconfirm", "--wipe-existing-files")
    assert options.files == (Path(a_file),) and options.monitor and options.wipe


def test_logout_alone_needs_no_files() -> None:
    assert _options("--logout").files == ()
