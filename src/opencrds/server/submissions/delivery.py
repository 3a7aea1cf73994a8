"""Delivery manifests (SERVER.md §2.2 step 11-12): ``<obs>_<NNN>.cat`` lists the delivered
files, one name a line; a copy is kept in ``settings.OPENCRDS_CATALOGS``. When
``settings.OPENCRDS_DELIVERY_DIR`` is set (an archive's pick-up folder), the files are linked
there too and the manifest written last, so the archive never sees a manifest before its files.

Files are available for download at once either way: the archive's acknowledgement (deleting
the delivery) is not awaited.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from opencrds.atomic import write_bytes_atomic


def catalog_name(observatory: str, serial: int) -> str:
    """``jwst_315.cat``: the manifest name of delivery ``serial``."""
    return f"{observatory}_{serial:03d}.cat"


def manifest_text(names: Iterable[str]) -> str:
    """One file name a line."""
    return "".join(f"{name}\n" for name in names)


def write_manifest(observatory: str, serial: int, files: dict[str, Path]) -> Path:
    """Write the manifest of ``files`` (name -> local path) to the catalogs folder, and link
    the files then the manifest into the delivery folder when there is one; the kept copy."""
    name = catalog_name(observatory, serial)
    data = manifest_text(files).encode("utf-8")
    kept = Path(settings.OPENCRDS_CATALOGS) / name
    write_bytes_atomic(kept, [data], mode=0o644, make_parents=True)
    if settings.OPENCRDS_DELIVERY_DIR:
        folder = Path(settings.OPENCRDS_DELIVERY_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, path in files.items():
            target = folder / file_name
            target.unlink(missing_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
        write_bytes_atomic(folder / name, [data], mode=0o644)
    return kept
