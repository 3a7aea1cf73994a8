"""The staging folder of a submission: ``settings.OPENCRDS_STAGING/<id>/`` with ``uploaded/``
(the files as uploaded) and ``files/`` (renamed references and generated mappings). Nothing in
it is part of CRDS until the submission is confirmed."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

UPLOADED = "uploaded"
FILES = "files"


def staging_dir(submission) -> Path:  # noqa: ANN001 - a Submission (models import cycle)
    """``OPENCRDS_STAGING/<submission id>`` (not created)."""
    return Path(settings.OPENCRDS_STAGING) / str(submission.pk)


def uploaded_dir(submission) -> Path:  # noqa: ANN001
    """The files of ``submission`` as they were uploaded."""
    return staging_dir(submission) / UPLOADED


def files_dir(submission) -> Path:  # noqa: ANN001
    """Renamed references and generated mappings of ``submission``."""
    return staging_dir(submission) / FILES


def make_staging(submission) -> Path:  # noqa: ANN001
    """Create the (empty) staging folders of ``submission``, owner-only; its root."""
    root = staging_dir(submission)
    for sub in (UPLOADED, FILES):
        (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def remove_staging(submission) -> None:  # noqa: ANN001
    """Remove the staging folder of ``submission`` (nothing if it is gone)."""
    shutil.rmtree(staging_dir(submission), ignore_errors=True)


def uploaded_files(submission) -> list[Path]:  # noqa: ANN001
    """The uploaded files of ``submission``, sorted by name."""
    folder = uploaded_dir(submission)
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
