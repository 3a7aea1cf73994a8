"""Recording new best references (TOOLS.md §6.3 step 4): FITS dataset headers, or the loaded
headers that ``--save-pickle`` writes.

A FITS dataset with updates gets ``CRDS_CTX`` (the context name), ``CRDS_VER`` (see
:data:`CRDS_VER`) and one keyword per updated type (``BIASFILE = 'jref$m4r1753rj_bia.fits'`` or
``'N/A'``), through :func:`opencrds.io.write_bestrefs`. ``crds bestrefs`` writes its own version
(``14.0.3, b11.4.0, <sha>``) into ``CRDS_VER``; opencrds writes ``opencrds <version>`` so the
header says which software chose the references. Datasets without updates are not touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableMapping
from typing import Any

from ... import __version__
from ..common import log
from .compare import Outcome

#: The value of ``CRDS_VER`` in updated datasets.
CRDS_VER = f"opencrds {__version__}"


def update_files(outcomes: Iterable[Outcome], context_name: str, observatory: str) -> int:
    """Write the updates of each dataset file; returns how many files were written.

    A file that cannot be updated gives one ERROR line naming it; the others go on.
    """
    from ...io import HeaderError, write_bestrefs

    context = os.path.basename(context_name)
    written = 0
    for out in outcomes:
        if not out.updates:
            continue
        updates = {reftype: new for reftype, _old, new in out.updates}
        instrument = out.instrument if out.instrument not in ("", "UNKNOWN") else None
        try:
            write_bestrefs(out.name, updates, context=context, crds_version=CRDS_VER,
                           instrument=instrument, observatory=observatory)
        except HeaderError as exc:
            log.error("Failed updating %r : %s", out.name, getattr(exc, "problem", exc))
            continue
        written += 1
    return written


def update_headers(headers: MutableMapping[str, dict[str, Any]],
                   outcomes: Iterable[Outcome]) -> None:
    """Put the new results into loaded headers (``--update-pickle``): ``TYPE = NEW`` upper case."""
    for out in outcomes:
        header = headers.get(out.name)
        if header is None:
            continue
        for reftype, _old, new in out.updates:
            header[reftype.upper()] = new.upper()
