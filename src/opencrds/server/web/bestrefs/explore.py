"""What "Explore Best References" offers for an instrument: every matching parameter of its
rmaps with the values the rules name, and the observation date/time keywords.

Mappings never change once named, so the menus of an imap are computed once per process
(:func:`parameter_menus`).
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opencrds.rules.mappings import InstrumentContext, PipelineContext
from opencrds.rules.parser import SelectorCall

#: Selector levels whose keys are dates, not parameter values.
_DATE_SELECTORS = ("UseAfter",)
#: A key made of plain alternatives (``A|B|C``): each is offered on its own.
_ALTERNATIVES = re.compile(r"[A-Za-z0-9_.+\-/ ]+(\|[A-Za-z0-9_.+\-/ ]+)+")
_MENUS: dict[tuple[str, str], tuple[Parameter, ...]] = {}
_LOCK = threading.Lock()
_MAX_CACHED = 256


@dataclass(frozen=True)
class Parameter:
    """One matching parameter: its keyword and the values the rules write for it."""

    name: str
    values: tuple[str, ...]

    @property
    def slug(self) -> str:
        """The keyword as an id/name part (``META.INSTRUMENT.DETECTOR`` -> ``META_INSTRUMENT_
        DETECTOR``)."""
        return re.sub(r"[^A-Za-z0-9]", "_", self.name)


def date_keywords(pmap: PipelineContext) -> tuple[str, ...]:
    """The observation date (and time) keywords of the context's observatory."""
    from opencrds.observatories.crds_format import CRDS_OBSERVATORY_FACTS
    from opencrds.observatories.generic import registered_definition

    definition = registered_definition(pmap.observatory)
    if definition is not None and definition.date_keywords:
        return tuple(definition.date_keywords)
    facts = CRDS_OBSERVATORY_FACTS.get(pmap.observatory, {})
    return tuple(facts.get("date_keywords", ("DATE-OBS", "TIME-OBS")))


def _key_values(key: Any) -> tuple[str, ...]:
    return tuple(str(k) for k in key) if isinstance(key, tuple) else (str(key),)


def _harvest(call: Any, parkeys: tuple[Any, ...], depth: int,
             found: dict[str, set[str]]) -> None:
    """Add the values written at every non-date level of a selector tree."""
    if not isinstance(call, SelectorCall):
        return
    names = parkeys[depth] if depth < len(parkeys) else ()
    names = tuple(map(str, names)) if isinstance(names, tuple) else (str(names),)
    for key, value in call.entries.items():
        if call.class_name not in _DATE_SELECTORS:
            for name, written in zip(names, _key_values(key), strict=False):
                bucket = found.setdefault(name.upper(), set())
                if _ALTERNATIVES.fullmatch(written):
                    bucket.update(part.strip() for part in written.split("|"))
                else:
                    bucket.add(written)
        _harvest(value, parkeys, depth + 1, found)


def _compute(imap: InstrumentContext, skip: set[str]) -> tuple[Parameter, ...]:
    found: dict[str, set[str]] = {}
    for rmap in imap.children():
        for name in rmap.get_required_parkeys():
            found.setdefault(str(name).upper(), set())
        parsed = getattr(rmap, "parsed", None)
        if parsed is not None:
            _harvest(parsed.selector, tuple(rmap.parkey), 0, found)
    return tuple(Parameter(name, tuple(sorted(v for v in values if v)))
                 for name, values in sorted(found.items()) if name not in skip)


def parameter_menus(pmap: PipelineContext, instrument: str) -> tuple[Parameter, ...]:
    """The matching parameters of ``instrument``'s rmaps (without the instrument and date
    keywords), each with its values as the rules write them."""
    imap = pmap.get_imap(instrument)
    key = (pmap.observatory, imap.basename)
    menus = _MENUS.get(key)
    if menus is None:
        skip = {pmap.instrument_key().upper(), *(k.upper() for k in date_keywords(pmap))}
        menus = _compute(imap, skip)
        with _LOCK:
            if len(_MENUS) >= _MAX_CACHED:
                _MENUS.clear()
            _MENUS[key] = menus
    return menus


def instruments(pmap: PipelineContext) -> list[str]:
    """The instruments of a context (lower case, sorted)."""
    return sorted(key.lower() for key, value in pmap.selector.items()
                  if not pmap.is_special(value))


def default_dates(keywords: tuple[str, ...], now: datetime.datetime | None = None
                  ) -> dict[str, str]:
    """Today's date and time for the date keywords: ``YYYY-MM-DD`` and ``HH:MM:SS`` for a
    pair, ``YYYY-MM-DDTHH:MM:SS`` for a single keyword."""
    now = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0)
    if len(keywords) == 1:
        return {keywords[0]: now.strftime("%Y-%m-%dT%H:%M:%S")}
    values = {}
    for index, key in enumerate(keywords):
        values[key] = now.strftime("%Y-%m-%d") if index == 0 else now.strftime("%H:%M:%S")
    return values


def explore_header(pmap: PipelineContext, instrument: str,
                   parameters: tuple[Parameter, ...], data: Mapping[str, str]
                   ) -> dict[str, str]:
    """The dataset header of an explore form: the instrument, every parameter given (its
    text box wins over its menu) and the date keywords."""
    header = {pmap.instrument_key().upper(): instrument.upper()}
    for parameter in parameters:
        text = (data.get("override_" + parameter.slug) or "").strip()
        chosen = text or (data.get("param_" + parameter.slug) or "").strip()
        if chosen:
            header[parameter.name] = chosen
    for key in date_keywords(pmap):
        value = (data.get(key) or "").strip()
        if value:
            header[key] = value
    return header
