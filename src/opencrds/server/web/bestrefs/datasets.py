"""Where the best-references pages get dataset headers: an uploaded dataset file (FITS,
ASDF, JSON...) read with the project's header readers, or dataset ids looked up in the
catalog's dataset table (the lookup behind ``get_dataset_headers_by_id``)."""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from opencrds.io import HeaderError, read_header

from ...catalog import datasets

#: How many dataset ids one request may name.
MAX_IDS = 50
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class DatasetError(ValueError):
    """A dataset that cannot be used (the message names the file or the ids)."""


def display_name(upload: UploadedFile) -> str:
    """The uploaded file's own name, without any folder."""
    return os.path.basename((upload.name or "dataset").replace("\\", "/")) or "dataset"


def _suffix(name: str) -> str:
    """The name's extensions, kept so the readers recognise the format (``.fits``, ``.r1h``)."""
    base = _SAFE.sub("_", name)
    return base[base.find("."):] if "." in base else ""


def upload_header(upload: UploadedFile) -> tuple[str, dict[str, str]]:
    """``(file name, header)`` of an uploaded dataset file; :class:`DatasetError` naming the
    file when it is not a FITS, GEIS, ASDF, JSON or YAML file with a readable header."""
    name = display_name(upload)
    suffix = _suffix(name)[-40:]
    spooled = getattr(upload, "temporary_file_path", None)
    if spooled is not None and spooled().endswith(suffix):  # big uploads: read in place
        return name, _read(spooled(), name, os.path.dirname(spooled()))
    with tempfile.TemporaryDirectory(prefix="opencrds-bestrefs-") as folder:
        path = os.path.join(folder, "dataset" + suffix)
        with open(path, "wb") as stream:
            for chunk in upload.chunks():
                stream.write(chunk)
        return name, _read(path, name, folder)


def _read(path: str, name: str, folder: str) -> dict[str, str]:
    try:
        header = read_header(path)
    except HeaderError as exc:
        problem = (exc.problem or str(exc)).replace(path, name).replace(folder, "")
        what = f"{exc.kind} header" if exc.kind else "header"
        raise DatasetError(f"Cannot read the {what} of '{name}': {problem}. Upload a "
                           "FITS, ASDF or JSON dataset file.") from None
    if not isinstance(header, dict) or len(header) <= 1:
        raise DatasetError(f"'{name}' holds no header keywords")
    return header


def parse_ids(text: str) -> list[str]:
    """The dataset ids of a text box: separated by spaces, commas or new lines."""
    ids = list(dict.fromkeys(part.strip().upper() for part in re.split(r"[\s,;]+", text or "")
                             if part.strip()))
    if not ids:
        raise DatasetError("Give at least one dataset id (e.g. J8BT06O6Q or "
                           "J8BT06040:J8BT06O6Q).")
    if len(ids) > MAX_IDS:
        raise DatasetError(f"At most {MAX_IDS} dataset ids at a time, got {len(ids)}.")
    bad = [i for i in ids if len(i) > 128 or not re.fullmatch(r"[A-Z0-9_.:+-]+", i)]
    if bad:
        raise DatasetError("Not dataset ids: " + ", ".join(repr(i[:40]) for i in bad))
    return ids


def id_headers(observatory: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """``{dataset id: header}`` of the catalog's datasets; :class:`DatasetError` naming the
    ids the catalog does not know."""
    found = datasets.headers_by_id(observatory, ids)
    unknown = [key for key, header in found.items() if not isinstance(header, dict)]
    if unknown:
        names = ", ".join(key.split(":")[0] if key.count(":") == 1
                          and key.split(":")[0] == key.split(":")[1] else key
                          for key in unknown)
        raise DatasetError(f"Unknown dataset id(s) for {observatory.upper()}: {names}")
    return {key: header for key, header in found.items() if isinstance(header, dict)}
