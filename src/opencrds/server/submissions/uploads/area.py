"""Each user's private upload area (SERVER.md §1.12): the files a submission will take.

A user's files live in ``settings.OPENCRDS_UPLOADS/<user pk>/`` (owner-only). An upload,
whole or in chunks (``Content-Range: bytes a-b/total``, jQuery-File-Upload style), is written
to ``<name>.part`` and renamed to ``<name>`` when its last byte has arrived and its content
was checked, so an interrupted upload is never taken as complete; the total a chunked upload
announced is kept beside it in ``.<name>.total``. Writes to one area are serialized by an
advisory lock on its ``.lock`` file, so a submission taking the files never sees half of a
rename. Every refusal is an :class:`UploadError` naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from django.conf import settings

from opencrds.atomic import sync_data, write_text_atomic
from opencrds.rules.errors import CrdsError

from ...catalog.filestore import is_safe_name

#: Extensions of the files CRDS takes (besides the HST GEIS pairs, :data:`GEIS_RE`).
SUFFIXES = (".fits", ".asdf", ".json", ".yaml", ".yml", ".txt", ".dat", ".csv",
            ".rmap", ".imap", ".pmap")
#: HST GEIS header (``.r0h``) and data (``.r0d``) files.
GEIS_RE = re.compile(r"\.r[0-9][hd]$")
PART = ".part"
LOCK_FILE = ".lock"
#: How much of a file's start is read to recognize its format.
HEAD_BYTES = 64 * 1024
CONTENT_RANGE_RE = re.compile(r"bytes\s+(\d{1,19})-(\d{1,19})/(\d{1,19})")
FILE_MODE = 0o644  # inside an owner-only folder
DIR_MODE = 0o700


class UploadError(CrdsError):
    """A refused upload, or an upload-area operation that cannot be done.

    ``name`` is the file concerned ("" if none) and ``status`` the HTTP status a view answers
    with (400, 404 for a missing file, 413 for a file too large).
    """

    def __init__(self, message: str, name: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.name = name
        self.status = status


@dataclass(frozen=True)
class Upload:
    """A file of an upload area; ``size`` is the bytes received so far when incomplete."""

    name: str
    size: int
    path: Path
    complete: bool


@dataclass(frozen=True)
class ContentRange:
    """The bytes ``start``..``end`` (inclusive) of a file of ``total`` bytes."""

    start: int
    end: int
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def last(self) -> bool:
        return self.end + 1 == self.total

    @classmethod
    def parse(cls, header: str, name: str) -> ContentRange:
        """The range of a ``Content-Range: bytes a-b/total`` header; UploadError if it does
        not parse or does not make sense."""
        match = CONTENT_RANGE_RE.fullmatch(header.strip())
        if not match:
            raise UploadError(f"'{name}': Content-Range {header[:80]!r} does not parse "
                              "(expected 'bytes START-END/TOTAL')", name)
        start, end, total = (int(group) for group in match.groups())
        if not start <= end < total:
            raise UploadError(f"'{name}': Content-Range {header[:80]!r} is not a range of the "
                              f"file (need START <= END < TOTAL)", name)
        return cls(start, end, total)


# ---- names --------------------------------------------------------------------------------


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a bare, safe file name, or None."""
    if not name:
        return "is empty"
    if "\x00" in name:
        return "contains a NUL character"
    if "/" in name or "\\" in name or os.path.isabs(name):
        return "is a path, not a bare file name"
    if name.startswith("."):
        return "starts with a dot"
    if ".." in name:
        return "contains '..'"
    if len(name) > 255:
        return "is longer than 255 characters"
    if not is_safe_name(name):
        return "has characters other than letters, digits and _ . + -"
    return None


def check_name(name: str) -> str:
    """``name`` if it is a safe file name with an extension CRDS takes; else UploadError."""
    problem = name_problem(name)
    if problem:
        raise UploadError(f"file name {name[:100]!r} {problem}", name)
    if not (name.lower().endswith(SUFFIXES) or GEIS_RE.search(name.lower())):
        raise UploadError(f"'{name}' is not a kind of file CRDS takes (by its extension; "
                          f"expected one of {' '.join(SUFFIXES)} or GEIS .r#h/.r#d)", name)
    return name


def _checked_existing_name(name: str) -> str:
    problem = name_problem(name)
    if problem:
        raise UploadError(f"file name {name[:100]!r} {problem}", name)
    return name


# ---- content ------------------------------------------------------------------------------


def content_problem(name: str, path: Path) -> str | None:
    """Why the file at ``path`` is not the kind its ``name`` says, or None."""
    suffix = name.lower()
    with open(path, "rb") as stream:
        head = stream.read(HEAD_BYTES)
    if suffix.endswith(".fits") or re.search(r"\.r[0-9]h$", suffix):
        if not head.startswith(b"SIMPLE  ="):
            return "is not a FITS file (it does not start with 'SIMPLE  =')"
    elif suffix.endswith(".asdf"):
        if not head.startswith(b"#ASDF"):
            return "is not an ASDF file (it does not start with '#ASDF')"
    elif suffix.endswith(".json"):
        try:
            with open(path, encoding="utf-8") as stream:
                json.load(stream)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            return f"is not valid JSON ({str(exc)[:200]})"
    elif suffix.endswith((".yaml", ".yml")):
        try:
            with open(path, encoding="utf-8") as stream:
                yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
            return f"is not valid YAML ({' '.join(str(exc).split())[:200]})"
    elif suffix.endswith((".rmap", ".imap", ".pmap")):
        if not head.lstrip().startswith(b"header = {"):
            return "is not a CRDS mapping (it does not start with 'header = {')"
    elif suffix.endswith((".txt", ".csv")):
        if b"\x00" in head:
            return "is not a text file (it holds NUL bytes)"
    return None


# ---- the area -----------------------------------------------------------------------------


def _user_key(user: Any) -> str:
    pk = getattr(user, "pk", None)
    if not isinstance(pk, int) or isinstance(pk, bool) or pk <= 0:
        raise UploadError(f"no upload area for {user!r}: not a saved user", status=403)
    return str(pk)


def upload_dir(user: Any) -> Path:
    """The user's upload folder (``settings.OPENCRDS_UPLOADS/<user pk>``), created owner-only."""
    root = Path(settings.OPENCRDS_UPLOADS)
    folder = root / _user_key(user)
    for path in (root, folder):
        if path.is_symlink():
            raise UploadError(f"upload folder {path} is a symbolic link; refusing to use it",
                              status=500)
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(folder, DIR_MODE)
    return folder


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the area's advisory write lock (blocking) while inside."""
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _total_file(folder: Path, name: str) -> Path:
    return folder / f".{name}.total"


def _remove(*paths: Path) -> bool:
    """Remove the files that exist; True if one did."""
    removed = False
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed = True
    return removed


def _announced_total(folder: Path, name: str) -> int | None:
    try:
        return int(_total_file(folder, name).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _refused_file(folder: Path, name: str) -> Path:
    return folder / f".{name}.refused"


def receive(user: Any, name: str, data: BinaryIO, size: int,
            content_range: str | None = None) -> Upload:
    """:func:`receive_upload`, remembering why an upload of a well-named file was refused
    (``.<name>.refused``) until a new upload of it starts: a client that goes on to post its
    form without looking at the refusal (``crds submit`` does) is told there why its file is
    missing (:func:`take_uploads`)."""
    try:
        return receive_upload(user, name, data, size, content_range)
    except UploadError as exc:
        if name_problem(name) is None:
            folder = upload_dir(user)
            with _locked(folder):
                note = _refused_file(folder, name)
                if not note.exists():  # the first refusal says why; later chunks just follow
                    write_text_atomic(note, str(exc), mode=0o600)
        raise


def receive_upload(user: Any, name: str, data: BinaryIO, size: int,
                   content_range: str | None = None) -> Upload:
    """Store an uploaded file, or the chunk of one that ``content_range`` says (``bytes
    a-b/total``): ``size`` bytes read from ``data``. A chunk at byte 0 starts the upload of
    ``name`` over (an earlier file of that name is dropped). Returns the upload as it now is.

    Refused with an UploadError naming the file: a bad name or extension, a file or an
    announced total above ``settings.OPENCRDS_UPLOAD_MAX_BYTES`` (413), a Content-Range that
    does not parse, does not match the chunk's size, changes its total or does not continue
    the bytes received so far, and a complete file whose content is not of its kind (then
    removed).
    """
    check_name(name)
    limit = int(settings.OPENCRDS_UPLOAD_MAX_BYTES)
    if content_range is None:
        if size <= 0:
            raise UploadError(f"'{name}' is empty", name)
        span = ContentRange(0, size - 1, size)
    else:
        span = ContentRange.parse(content_range, name)
        if span.length != size:
            raise UploadError(f"'{name}': the chunk holds {size} bytes but Content-Range "
                              f"{content_range.strip()[:80]!r} says {span.length}", name)
    if span.total > limit:
        raise UploadError(f"'{name}' is too large: {span.total} bytes, more than the "
                          f"{limit} bytes allowed per file", name, status=413)
    folder = upload_dir(user)
    part, final, total_file = folder / (name + PART), folder / name, _total_file(folder, name)
    with _locked(folder):
        if span.start == 0:  # a new upload of this name replaces whatever was there
            _remove(part, final, total_file, _refused_file(folder, name))
            so_far = 0
            if not span.last:
                write_text_atomic(total_file, str(span.total), mode=0o600)
        else:
            if not part.exists():
                raise UploadError(f"'{name}': chunk at byte {span.start} but no upload of it "
                                  "is in progress (the first chunk starts at byte 0)", name)
            announced = _announced_total(folder, name)
            if announced != span.total:
                _remove(part, total_file)
                raise UploadError(f"'{name}': Content-Range total {span.total} differs from "
                                  f"the {announced} bytes announced by the first chunk; "
                                  "upload dropped", name)
            so_far = part.stat().st_size
            if span.start != so_far:
                raise UploadError(f"'{name}': chunk starts at byte {span.start} but {so_far} "
                                  "bytes were received so far (chunks must come in order, "
                                  "without gaps or overlaps)", name)
        _append(part, data, so_far, size)
        if not span.last:
            return Upload(name, so_far + size, part, False)
        problem = content_problem(name, part)
        if problem:
            _remove(part, total_file)
            raise UploadError(f"'{name}' {problem}; file removed", name)
        os.replace(part, final)
        _remove(total_file)
        return Upload(name, span.total, final, True)


def _append(part: Path, data: BinaryIO, offset: int, size: int) -> None:
    """Write ``size`` bytes of ``data`` at ``offset`` of ``part``; on any failure the file is
    cut back to ``offset``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW
    fd = os.open(part, flags, FILE_MODE)
    with os.fdopen(fd, "wb") as stream:
        try:
            stream.seek(offset)
            stream.truncate()
            copied = 0
            while copied < size:
                block = data.read(min(1024 * 1024, size - copied))
                if not block:
                    break
                stream.write(block)
                copied += len(block)
            if copied != size:
                raise UploadError(f"'{part.name[:-len(PART)]}': the upload ended after "
                                  f"{copied} of {size} bytes", part.name[:-len(PART)])
            stream.flush()
            sync_data(stream.fileno())
        except BaseException:
            stream.seek(offset)
            stream.truncate()
            raise


def list_uploads(user: Any) -> list[Upload]:
    """The user's uploads by name, complete or not (an incomplete one with its size so far)."""
    folder = upload_dir(user)
    found = []
    for entry in os.scandir(folder):
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        complete = not entry.name.endswith(PART)
        name = entry.name if complete else entry.name[:-len(PART)]
        found.append(Upload(name, entry.stat(follow_symlinks=False).st_size,
                            Path(entry.path), complete))
    return sorted(found, key=lambda upload: (upload.name, upload.complete))


def take_uploads(user: Any, dest_dir: Path) -> list[Path]:
    """Move every upload of the user into ``dest_dir`` (created if needed) and return the new
    paths, by name. Nothing is moved if an upload is incomplete or a file of that name is
    already in ``dest_dir`` (UploadError naming it); a failure part way moves the files back."""
    folder = upload_dir(user)
    dest_dir = Path(dest_dir)
    with _locked(folder):
        refused = sorted(folder.glob(".*.refused"))
        if refused:
            reasons = [path.read_text(errors="replace").strip() for path in refused]
            _remove(*refused)
            raise UploadError("refused when uploaded: " + "; ".join(reasons),
                              refused[0].name[1:-len(".refused")])
        uploads = list_uploads(user)
        incomplete = [upload.name for upload in uploads if not upload.complete]
        if incomplete:
            raise UploadError(f"the upload of {', '.join(incomplete)} is not complete: "
                              "finish it or delete it first", incomplete[0])
        dest_dir.mkdir(parents=True, exist_ok=True)
        clashes = [upload.name for upload in uploads if (dest_dir / upload.name).exists()]
        if clashes:
            raise UploadError(f"{', '.join(clashes)} already in {dest_dir}", clashes[0],
                              status=409)
        moved: list[tuple[Path, Path]] = []
        try:
            for upload in uploads:
                target = dest_dir / upload.name
                shutil.move(upload.path, target)
                moved.append((upload.path, target))
        except OSError as exc:
            for source, target in reversed(moved):
                with contextlib.suppress(OSError):
                    shutil.move(target, source)
            raise UploadError(f"cannot move the uploads into {dest_dir}: {exc}",
                              status=500) from exc
        return [target for _, target in moved]


def delete_upload(user: Any, name: str) -> None:
    """Delete the user's upload ``name`` (complete or not); UploadError (404) if none."""
    _checked_existing_name(name)
    folder = upload_dir(user)
    with _locked(folder):
        if not _remove(folder / name, folder / (name + PART), _total_file(folder, name),
                       _refused_file(folder, name)):
            raise UploadError(f"no upload named '{name}'", name, status=404)


def wipe(user: Any) -> int:
    """Delete every upload of the user; the number of files removed."""
    folder = upload_dir(user)
    count = 0
    with _locked(folder):
        for entry in os.scandir(folder):
            if entry.name == LOCK_FILE:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            if not entry.name.startswith("."):
                count += 1
    return count
