"""Difference Files (SERVER.md §1.14): two files, each uploaded or a known CRDS name;
mappings get logical and text differences, references a FITS / text comparison."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from opencrds.rules.diff import logical_diffs
from opencrds.rules.naming import is_mapping
from opencrds.rules.parser import parse_mapping_text
from opencrds.server.catalog.filestore import get_file_store

from . import staging
from .diffs import text_diff
from .work import ProcessingError


def _locate(submission, name: str) -> Path:  # noqa: ANN001
    uploaded = staging.uploaded_dir(submission) / name
    if name and uploaded.is_file():
        return uploaded
    try:
        return get_file_store().servable_path(submission.observatory, name)  # type: ignore[attr-defined]
    except (OSError, ValueError):
        raise ProcessingError(f"File {name!r} is neither uploaded nor in CRDS") from None


def difference_files(submission, first: str, second: str) -> dict[str, Any]:  # noqa: ANN001
    """{"file1", "file2", "logical": [...], "text": "..."} of two files."""
    a, b = _locate(submission, first), _locate(submission, second)
    out: dict[str, Any] = {"file1": first, "file2": second, "logical": [], "text": ""}
    if is_mapping(first) and is_mapping(second):
        texts = {first: a.read_text(encoding="utf-8"), second: b.read_text(encoding="utf-8")}
        store = get_file_store()

        def load(name: str):  # noqa: ANN202
            text = texts.get(name)
            if text is None:
                text = store.read_text(submission.observatory, name)
            return parse_mapping_text(text, name)
        try:
            out["logical"] = [str(d) for d in logical_diffs(first, second, load)]
        except Exception as exc:  # noqa: BLE001 - shown instead of the logical differences
            out["logical"] = [f"logical differences unavailable: {exc}"]
        out["text"] = text_diff(first, texts[first], second, texts[second])
    elif a.suffix.lower() == ".fits" and b.suffix.lower() == ".fits":
        from astropy.io.fits import FITSDiff

        report = io.StringIO()
        FITSDiff(str(a), str(b)).report(report)
        out["text"] = report.getvalue().replace(str(a.parent) + "/", "").replace(
            str(b.parent) + "/", "")
    else:
        try:
            out["text"] = text_diff(first, a.read_text(encoding="utf-8"), second,
                                    b.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            same = a.read_bytes() == b.read_bytes()
            out["text"] = "files are identical" if same else "binary files differ"
    return out
