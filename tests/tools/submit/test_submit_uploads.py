"""Upload planning: 2,000,000-byte chunks and their Content-Range headers, the upload list's
two shapes, and what --keep-existing-files keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencrds.tools.submit.session import WebError
from opencrds.tools.submit.uploads import (
    CHUNK_SIZE,
    RemoteUpload,
    content_range,
    files_to_send,
    parse_upload_list,
    plan_chunks,
)


def test_small_files_are_not_chunked() -> None:
    assert CHUNK_SIZE == 2_000_000
    assert plan_chunks(0) == []
    assert plan_chunks(1_999_999) == []


def test_a_file_of_exactly_one_chunk_is_sent_with_a_range() -> None:
    assert plan_chunks(2_000_000) == [(0, 1_999_999)]


def test_chunks_cover_the_file_with_inclusive_ranges() -> None:
    chunks = plan_chunks(5_000_001)
    assert chunks == [(0, 1_999_999), (2_000_000, 3_999_999), (4_000_000, 5_000_000)]
    assert [content_range(a, b, 5_000_001) for a, b in chunks] == [
        "bytes 0-1999999/5000001", "bytes 2000000-3999999/5000001",
        "bytes 4000000-5000000/5000001"]
    assert sum(b - a + 1 for a, b in chunks) == 5_000_001


@pytest.mark.parametrize("body", [
    {"files": [{"name": "a.fits", "size": 10, "deleteUrl": "/upload/delete/a.fits"}]},
    [{"name": "a.fits", "size": "10", "deleteUrl": "/upload/delete/a.fits"}],
])
def test_both_shapes_of_the_upload_list(body: object) -> None:
    assert parse_upload_list(body) == [RemoteUpload("a.fits", 10, "/upload/delete/a.fits")]


@pytest.mark.parametrize("body", [{"nofiles": []}, "text", [{"size": 1}]])
def test_a_bad_upload_list_is_an_error(body: object) -> None:
    with pytest.raises(WebError, match="/upload/list/"):
        parse_upload_list(body)


def _files(tmp_path: Path, **sizes: int) -> list[Path]:
    paths = []
    for name, size in sizes.items():
        path = tmp_path / f"{name}.fits"
        path.write_bytes(b"x" * size)
        paths.append(path)
    return paths


def test_without_keep_other_files_are_extraneous_and_ours_sent_again(tmp_path: Path) -> None:
    a, b = _files(tmp_path, a=3, b=4)
    existing = [RemoteUpload("a.fits", 3, "/d/a"), RemoteUpload("old.fits", 1, "/d/old")]
    send, delete, extraneous = files_to_send(existing, [a, b])
    assert send == [a, b] and delete == [] and extraneous == [existing[1]]


def test_keep_keeps_same_size_and_replaces_other_sizes(tmp_path: Path) -> None:
    a, b = _files(tmp_path, a=3, b=4)
    existing = [RemoteUpload("a.fits", 3, "/d/a"), RemoteUpload("b.fits", 99, "/d/b"),
                RemoteUpload("old.fits", 1, "/d/old")]
    send, delete, extraneous = files_to_send(existing, [a, b], keep=True)
    assert send == [b] and delete == [existing[1]] and extraneous == [existing[2]]


def test_the_progress_bars_count_what_was_sent(tmp_path: Path) -> None:
    from opencrds.tools.submit.progress import UploadProgress

    a, b = _files(tmp_path, a=3, b=4)
    for bars in (True, False):
        with UploadProgress([a, b], bars=bars) as progress:
            for path in (a, b):
                progress.start(path)
                progress(path.name, path.stat().st_size)
        assert progress.sent == {"a.fits": 3, "b.fits": 4}
