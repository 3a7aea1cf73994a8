"""The files of a submission and the instrument the login locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencrds.tools.submit.files import (
    SubmissionFilesError,
    common_instrument,
    file_instrument,
    submission_files,
)


def test_at_lists_are_expanded(tmp_path: Path) -> None:
    a, b = tmp_path / "a.fits", tmp_path / "b.fits"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# the files\n{b}\n")
    assert submission_files([str(a), f"@{listing}"]) == [a, b]


def test_missing_and_duplicate_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(SubmissionFilesError, match="nope.fits"):
        submission_files([str(tmp_path / "nope.fits")])
    (tmp_path / "d").mkdir()
    for folder in (tmp_path, tmp_path / "d"):
        (folder / "x.fits").write_bytes(b"x")
    with pytest.raises(SubmissionFilesError, match="Two files"):
        submission_files([str(tmp_path / "x.fits"), str(tmp_path / "d" / "x.fits")])
    with pytest.raises(SubmissionFilesError, match="No files"):
        submission_files([])


def test_instruments_of_real_files(shared_data: Path) -> None:
    jwst = shared_data / "crds-test-data" / "jwst"
    assert file_instrument(jwst / "jwst_miri_ipc_0004.fits") == "miri"
    assert file_instrument(jwst / "jwst_nircam_specwcs_0010.asdf") == "nircam"
    assert file_instrument(jwst / "jwst_miri_ipc_0002.rmap") == "miri"
    assert file_instrument(jwst / "jwst_na_omit.pmap") is None
    assert common_instrument([jwst / "jwst_miri_ipc_0004.fits",
                              jwst / "jwst_miri_ipc_0002.rmap"]) == "miri"
    assert common_instrument([jwst / "jwst_miri_ipc_0004.fits",
                              jwst / "jwst_nircam_specwcs_0010.asdf"]) == "none"
    assert common_instrument([jwst / "jwst_na_omit.pmap"]) == "none"


def test_unreadable_reference_falls_back_to_its_name(tmp_path: Path) -> None:
    path = tmp_path / "jwst_nirspec_flat_0001.fits"
    path.write_bytes(b"not fits")
    assert file_instrument(path) == "nirspec"
    odd = tmp_path / "whatever.fits"
    odd.write_bytes(b"not fits")
    assert file_instrument(odd) is None
