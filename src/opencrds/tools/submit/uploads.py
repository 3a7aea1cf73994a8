"""The user's upload area on the server (PROTOCOL.md §7.3 steps 5 and 7): list, clear and
upload files, big ones in 2,000,000-byte chunks with ``Content-Range`` headers."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ...rules.errors import CrdsError
from .session import CSRF_FIELD, WebError, WebSession

log = logging.getLogger("opencrds")

#: Files of this size or more are sent in pieces of this size.
CHUNK_SIZE = 2_000_000
LIST_PATH = "/upload/list/"
UPLOAD_PATH = "/upload/chunked/"

#: ``progress(name, nbytes)``: ``nbytes`` more bytes of ``name`` were sent.
ProgressCallback = Callable[[str, int], None]


class ExtraneousFilesError(CrdsError):
    """The upload area holds files that are not part of this submission."""


@dataclass(frozen=True)
class RemoteUpload:
    """A file in the server's upload area."""

    name: str
    size: int
    delete_url: str


def plan_chunks(total: int, chunk_size: int = CHUNK_SIZE) -> list[tuple[int, int]]:
    """The ``(first, last)`` byte ranges (inclusive) of a chunked upload of ``total`` bytes;
    ``[]`` for a file small enough to go in one plain POST."""
    if total < chunk_size:
        return []
    return [(start, min(start + chunk_size, total) - 1) for start in range(0, total, chunk_size)]


def content_range(first: int, last: int, total: int) -> str:
    """The ``Content-Range`` header of one chunk: ``bytes first-last/total``."""
    return f"bytes {first}-{last}/{total}"


def parse_upload_list(body: Any, where: str = LIST_PATH) -> list[RemoteUpload]:
    """The files of a ``/upload/list/`` answer: ``{"files": [...]}`` or a bare array of
    ``{"name", "size", "deleteUrl"}``."""
    entries = body.get("files") if isinstance(body, dict) else body
    if not isinstance(entries, list):
        raise WebError(f"{where} answered no file list: {str(body)[:200]!r}")
    uploads = []
    for entry in entries:
        try:
            uploads.append(RemoteUpload(str(entry["name"]), int(entry.get("size") or 0),
                                        str(entry.get("deleteUrl") or "")))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise WebError(f"{where}: bad upload entry {entry!r}") from None
    return uploads


def list_uploads(session: WebSession) -> list[RemoteUpload]:
    """``GET /upload/list/``."""
    return parse_upload_list(session.json(LIST_PATH), session.url(LIST_PATH))


def delete_upload(session: WebSession, upload: RemoteUpload) -> None:
    """``GET <deleteUrl>`` (a path relative to the server root)."""
    if not upload.delete_url:
        raise WebError(f"{session.url(LIST_PATH)} gave no deleteUrl for '{upload.name}'")
    session.get(upload.delete_url)
    log.info("Deleted '%s' from the upload area.", upload.name)


def files_to_send(existing: Iterable[RemoteUpload], paths: Sequence[Path], *,
                  keep: bool = False) -> tuple[list[Path], list[RemoteUpload],
                                               list[RemoteUpload]]:
    """What to do with the upload area before uploading ``paths``:
    ``(paths to upload, uploads to delete, extraneous uploads)``.

    Listed files not part of the submission are extraneous (an error: only
    ``--wipe-existing-files`` clears them). The submission's own listed files are sent again,
    except with ``keep``: then one of the same size is kept and one of another size is
    deleted first."""
    by_name = {path.name: path for path in paths}
    send = list(paths)
    delete: list[RemoteUpload] = []
    extraneous: list[RemoteUpload] = []
    for upload in existing:
        path = by_name.get(upload.name)
        if path is None:
            extraneous.append(upload)
        elif keep and path.stat().st_size == upload.size:
            send.remove(path)
            log.info("Keeping '%s' already uploaded (%d bytes).", upload.name, upload.size)
        elif keep:
            delete.append(upload)
    return send, delete, extraneous


def wipe_area(session: WebSession) -> None:
    """Delete every file of the upload area (``--wipe-existing-files``)."""
    for upload in list_uploads(session):
        delete_upload(session, upload)


def prepare_area(session: WebSession, paths: Sequence[Path], *, keep: bool = False
                 ) -> list[Path]:
    """Check the upload area before uploading ``paths`` and return the files still to send
    (see ``files_to_send``); ExtraneousFilesError when it holds files of another
    submission."""
    send, delete, extraneous = files_to_send(list_uploads(session), paths, keep=keep)
    if extraneous:
        names = ", ".join(repr(upload.name) for upload in extraneous)
        raise ExtraneousFilesError(
            f"The upload area already holds files not part of this submission: {names}. "
            "Use --wipe-existing-files to delete them.")
    for upload in delete:
        delete_upload(session, upload)
    return send


def _check_upload_answer(response: httpx.Response, name: str) -> None:
    """A jQuery-File-Upload answer may report a per-file error with HTTP 200."""
    try:
        body = response.json()
    except ValueError:
        return
    entries = body.get("files") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("error"):
            raise WebError(f"POST {response.request.url} refused '{name}': {entry['error']}")


def _post_piece(session: WebSession, token: str, name: str, data: bytes,
                headers: dict[str, str]) -> httpx.Response:
    response = session.post(UPLOAD_PATH, data={CSRF_FIELD: token},
                            files={"files": (name, data, "application/octet-stream")},
                            headers=headers)
    _check_upload_answer(response, name)
    return response


def upload_file(session: WebSession, path: Path, progress: ProgressCallback | None = None,
                chunk_size: int = CHUNK_SIZE) -> None:
    """Send ``path`` to ``/upload/chunked/``: ``GET`` for the CSRF cookie, then one multipart
    POST (field ``files``), or one per chunk, each with the token the previous answer set."""
    total = os.path.getsize(path)
    token = session.csrf_token(session.get(UPLOAD_PATH))
    chunks = plan_chunks(total, chunk_size)
    with open(path, "rb") as stream:
        if not chunks:
            _post_piece(session, token, path.name, stream.read(), {})
            if progress:
                progress(path.name, total)
            return
        for first, last in chunks:
            data = stream.read(last - first + 1)
            response = _post_piece(session, token, path.name, data,
                                   {"Content-Range": content_range(first, last, total)})
            token = session.csrf_token(response)
            if progress:
                progress(path.name, len(data))
