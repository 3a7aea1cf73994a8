"""What the account pages show of the served observatory: its name, default contexts and the
instruments a login may lock (those of the edit context)."""

from __future__ import annotations

import logging

from opencrds.rules.errors import CrdsError

from ..catalog import contexts, queries
from ..catalog.revision_cache import REVISION_CHECK_SECONDS, cache

log = logging.getLogger(__name__)


def observatory() -> str:
    """The observatory served (:func:`~..catalog.queries.server_observatory`)."""
    return queries.server_observatory()


def default_contexts(observatory: str) -> dict[str, str]:
    """``operational`` and ``edit`` contexts (the edit one is the operational one when unset,
    as ``get_server_info`` says)."""
    defaults = queries.default_contexts(observatory)
    defaults["edit"] = defaults["edit"] or defaults["operational"]
    return defaults


def _edit_instruments(observatory: str) -> list[str]:
    edit = default_contexts(observatory)["edit"]
    if not edit:
        return []
    try:
        pmap = contexts.load(edit)
    except CrdsError as exc:
        log.warning("cannot list the instruments of %s: %s", edit, exc)
        return []
    selector = getattr(pmap, "selector", {})
    return sorted({key.lower() for key, value in selector.items() if not pmap.is_special(value)})


def instruments(observatory: str) -> list[str]:
    """The instruments of the edit context, sorted (cached per catalog revision)."""
    return cache.get(observatory, "account instruments", lambda _: _edit_instruments(observatory),
                     max_age=REVISION_CHECK_SECONDS)
