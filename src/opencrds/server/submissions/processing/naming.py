"""Official names of submitted files (SERVER.md §2.2 step 4): what each reference is
(instrument, type) from its header, its next official name from the serial counters, and
``name_for``, the namer of generated mappings."""

from __future__ import annotations

import datetime
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from opencrds.rules.naming import split_mapping_name
from opencrds.server.catalog.models import FileRecord

from .. import serials
from .work import StagedFile


def _generation_naming():  # noqa: ANN202 - the generation library, imported when first used
    from opencrds.generation import naming

    return naming


def identify(files: list[StagedFile], observatory: str) -> None:
    """Set instrument, type and extension of each reference from its header; a file that
    cannot be placed gets the reason as an error."""
    gnaming = _generation_naming()
    for staged in files:
        try:
            ident = gnaming.identify_reference(str(staged.source), observatory)
        except Exception as exc:  # noqa: BLE001 - GenerationError and unreadable files alike
            staged.error(f"Cannot identify {staged.uploaded!r}: {exc}")
            continue
        staged.instrument = str(ident.instrument).lower()
        staged.filekind = str(ident.filekind).lower()
        staged.extension = str(ident.extension)
        staged.keep_name = bool(gnaming.keeps_uploaded_name(ident))


def official_reference_name(observatory: str, staged: StagedFile,
                            taken: set[str] | None = None) -> str:
    """The next official name of ``staged`` (a serial is taken; HST gets a unique
    CDBS-style timestamp name that keeps the uploaded suffix, not one of ``taken``)."""
    gnaming = _generation_naming()
    extension = staged.extension or os.path.splitext(staged.uploaded)[1]
    if observatory == "hst":
        suffix, _ext = gnaming.hst_suffix(staged.uploaded)
        return gnaming.hst_unique_name(datetime.datetime.now(datetime.UTC), staged.instrument,
                                       suffix, extension, taken)
    family = gnaming.reference_family(observatory, staged.instrument, staged.filekind)
    serial = serials.next_serial(observatory, serials.reference_family(family))
    return gnaming.official_reference_name(observatory, staged.instrument, staged.filekind,
                                           serial, extension)


def rename_references(files: list[StagedFile], observatory: str, dest: Path, *,
                      auto_rename: bool, progress) -> None:  # noqa: ANN001
    """Give every file its official name (kept as uploaded without ``auto_rename`` and for
    SYNPHOT throughput/thermal files) and put it as that in ``dest``; a kept name already in
    CRDS is an error."""
    dest.mkdir(parents=True, exist_ok=True)
    taken = set(FileRecord.objects.filter(
        observatory=observatory, name__in=[f.uploaded for f in files]).values_list(
            "name", flat=True))
    used: set[str] = set()
    for staged in files:
        if auto_rename and not staged.keep_name:
            try:
                name = official_reference_name(observatory, staged, used)
            except Exception as exc:  # noqa: BLE001 - GenerationError: a name it cannot make
                staged.error(f"Cannot name {staged.uploaded!r}: {exc}")
                continue
        else:
            name = staged.uploaded
            if name in taken:
                staged.error(f"File {name!r} is already in CRDS: rename it or use auto-rename")
                continue
        used.add(name)
        staged.name = name
        staged.path = dest / name
        if name != staged.uploaded:
            progress.log(f"Renaming {staged.uploaded!r} --> {name!r}")
        _link_or_copy(staged.source, staged.path)


def _link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def mapping_namer(observatory: str) -> Callable[[str], str]:
    """``name_for(old_mapping_name)``: the next serial of the old name's family."""
    def name_for(old: str) -> str:
        base = os.path.basename(old)
        family = serials.mapping_family(base)
        extension = base.rsplit(".", 1)[1]
        return f"{family}_{serials.next_serial(observatory, family):04d}.{extension}"
    return name_for


def mapping_family_of(name: str, header: dict) -> str:
    """The family of a mapping from its header (a hand-made name tells nothing), else from
    its name."""
    observatory = str(header.get("observatory", "")).lower()
    instrument = str(header.get("instrument", "")).lower()
    filekind = str(header.get("filekind", "")).lower()
    if name.endswith(".rmap") and observatory and instrument and filekind:
        return f"{observatory}_{instrument}_{filekind}"
    if name.endswith(".imap") and observatory and instrument:
        return f"{observatory}_{instrument}"
    if name.endswith(".pmap") and observatory:
        return observatory
    try:
        parts = split_mapping_name(name)
    except ValueError:
        return serials.mapping_family(name)
    return "_".join(p for p in (parts.observatory, parts.instrument, parts.filekind) if p)
