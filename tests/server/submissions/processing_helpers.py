"""Fixtures and helpers of the submission processing tests: a private file store (hard links of
the run's shared store, so deliveries never touch it), staging and catalogs folders of the
test, users made through the account services, and a submission processed by calling its
queue task in this process (``call_local``: the processing is tested, not the queue)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TEST_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "crds-test-data"
#: A real MIRI IPC reference (for MIRIFUSHORT|MIRIFULONG: an equal-weight overlap with the
#: cases of jwst_0541.pmap, so it certifies alone but cannot go into its rules).
MIRI_IPC = TEST_DATA / "jwst" / "jwst_miri_ipc_0003.add.fits"
#: A real MIRI IPC reference certify finds an ERROR in (a missing required keyword).
MIRI_IPC_BAD = TEST_DATA / "jwst" / "jwst_miri_ipc_0004.replace.fits"
CONTEXT = "jwst_0541.pmap"


def miri_ipc(folder: Path, name: str, useafter: str = "2024-01-01T00:00:00",
             detector: str = "MIRIMAGE|") -> Path:
    """:data:`MIRI_IPC` for ``detector`` from ``useafter`` (checksums updated): a reference
    that goes cleanly into the MIRI IPC rules of jwst_0541.pmap."""
    from astropy.io import fits

    folder.mkdir(parents=True, exist_ok=True)
    with fits.open(MIRI_IPC) as hdus:
        hdus[0].header["P_DETECT"] = detector
        del hdus[0].header["P_BAND"]
        hdus[0].header["USEAFTER"] = useafter
        hdus.writeto(folder / name, checksum=True, overwrite=True)
    return folder / name


@pytest.fixture
def delivery_area(tmp_path: Path, settings: Any, backend: str, database: str, db: None) -> Path:
    """The JWST server of the test database with a store, staging and catalogs of its own."""
    from inprocess import forget_server_caches

    forget_server_caches()  # nothing computed by an earlier test on another catalog
    store = tmp_path / "store"
    subprocess.run(["cp", "-al", str(settings.OPENCRDS_STORE), str(store)], check=True)
    settings.OPENCRDS_STORE = store
    settings.OPENCRDS_STAGING = tmp_path / "staging"
    settings.OPENCRDS_CATALOGS = tmp_path / "catalogs"
    settings.OPENCRDS_UPLOADS = tmp_path / "uploads"
    settings.OPENCRDS_DELIVERY_DIR = None
    settings.OPENCRDS_OBSERVATORY = "jwst"
    settings.OPENCRDS_NOTIFY_EMAILS = ["redcat@example.org"]
    settings.OPENCRDS_PUBLIC_URL = None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return tmp_path


@pytest.fixture
def make_user(delivery_area: Path) -> Callable[..., Any]:
    """``make_user(name, instrument=None, operator=False)``: a submitter of JWST, holding the
    lock of ``instrument`` when given."""
    from opencrds.server.accounts import locks, services

    def make(name: str, instrument: str | None = "miri", operator: bool = False,
             observatory: str = "jwst") -> Any:
        user, _ = services.add_user(name, f"{name}@example.org", observatory,
                                    password="pw-" + name,
                                    instruments=[instrument] if instrument else [],
                                    operator=operator)
        if instrument:
            locks.acquire(user, observatory, instrument)
        return user
    return make


def upload(area: Path, *files: tuple[Path, str]) -> list[Path]:
    """Copies of ``files`` (source, uploaded name) in a fresh upload folder of ``area``."""
    folder = area / "upload"
    folder.mkdir(exist_ok=True)
    out = []
    for source, name in files:
        shutil.copy(source, folder / name)
        out.append(folder / name)
    return out


def submit(user: Any, kind: str, files: list[Path], observatory: str = "jwst",
           **fields: Any) -> Any:
    """Create a submission and process it as the queue's worker would; the submission."""
    from opencrds.server.submissions.services import create_submission
    from opencrds.server.submissions.tasks import process_submission

    values = {"description": "New MIRI IPC for testing", "creator": "Tester",
              "change_level": "SEVERE", "instrument": "miri", "derive_from": CONTEXT,
              "base_url": "http://testserver", **fields}
    submission = create_submission(user, kind, observatory, values, files)
    process_submission.call_local(str(submission.pk))
    submission.refresh_from_db()
    return submission


def messages(submission: Any) -> list[dict[str, Any]]:
    """The jpoll messages of ``submission``'s channel."""
    from opencrds.server.submissions.jpoll.channels import pull

    return pull(submission.channel_id, 0)


def staged_ready(user: Any, area: Path, name: str = "jwst_miri_ipc_9001.fits") -> Any:
    """A READY 'references' submission staged by hand (the state processing leaves): the real
    MIRI IPC file renamed ``name`` in its ``files/`` folder, its result naming it."""
    import hashlib

    from opencrds.server.submissions.models import Submission
    from opencrds.server.submissions.processing import files_dir
    from opencrds.server.submissions.services import create_submission

    [path] = upload(area, (MIRI_IPC, "uploaded_ipc.fits"))
    submission = create_submission(user, "references", "jwst",
                                   {"description": "hand staged", "instrument": "miri",
                                    "derive_from": CONTEXT}, [path])
    folder = files_dir(submission)
    shutil.copy(MIRI_IPC, folder / name)
    result = {"starting_context": CONTEXT, "new_context": "", "generated": [], "diffs": [],
              "collisions": [], "errors": [], "warnings": [],
              "files": [{"uploaded": "uploaded_ipc.fits", "name": name, "status": "OK",
                         "instrument": "miri", "filekind": "ipc",
                         "sha1sum": hashlib.sha1(MIRI_IPC.read_bytes()).hexdigest(),
                         "size": MIRI_IPC.stat().st_size, "log": []}]}
    Submission.objects.filter(pk=submission.pk).update(status="ready", result=result)
    submission.refresh_from_db()
    return submission
