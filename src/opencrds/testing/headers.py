"""Dataset headers derived from the rules themselves, for differential tests and benchmarks.

For every row of every Match in an rmap the generator makes headers that select that row, at
dates around the row's UseAfter keys, and (optionally) odd variants: missing keys, lower case,
numbers written differently, ``*``, ``N/A``, ``UNDEFINED`` and junk.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from ..rules.mappings import InstrumentContext, PipelineContext, ReferenceMapping
from ..rules.matching import NA_VALUES, OMIT_VALUES, is_esoteric
from ..rules.selectors import Match, Selector, UseAfter

_NUMBER_RE = re.compile(r"^-?\d+(\.\d*)?$")
ODD_VALUES = ("*", "N/A", "UNDEFINED", "ANY", "junk", "", " ", "none")


def _number_forms(value: str) -> list[str]:
    """Ways of writing the same number: '2.0' -> ['2.0', '2', '2.', '2.00']."""
    if not _NUMBER_RE.match(value):
        return [value]
    number = float(value)
    forms = [value, repr(number)]
    if number == int(number):
        forms += [str(int(number)), f"{int(number)}.", f"{number:.2f}"]
    return forms


def _field_choices(field: str, column: list[str], rng: random.Random) -> list[str]:
    """Dataset values that a normalized Match field accepts (or nearly does)."""
    if field == "N/A" or field == "*":
        others = [f for f in column if f not in ("N/A", "*") and not is_esoteric(f)]
        picks = [rng.choice(others).split("|")[0]] if others else []
        return picks + ["N/A"] if field == "N/A" else picks + ["*"]
    if field.startswith("BETWEEN"):
        _, low, high = field.split()
        lo, hi = float(low), float(high)
        return [repr(lo), repr((lo + hi) / 2), repr(hi)]
    if field.startswith("NOT "):
        return [field[4:].strip(), "ZZZ"]
    if field.startswith("#") and field.endswith("#"):
        numbers = re.findall(r"-?\d+(?:\.\d+)?", field)
        return [repr(float(n)) for n in numbers] + [repr(float(n) + 0.5) for n in numbers]
    if field.startswith("(") and field.endswith(")"):
        return [field[1:-1].replace(".*", "X").replace("\\", "")]
    if field.startswith("{") and field.endswith("}"):
        return [field[1:-1]]
    return field.split("|")


def _date_variants(key: str, rng: random.Random) -> list[str]:
    """Lookup dates at, just before and just after a UseAfter key."""
    variants = [key]
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)", key)
    if m:
        year, month, day, hh, mm, ss = (int(x) for x in m.groups())
        if ss > 0:
            variants.append(f"{year:04d}-{month:02d}-{day:02d} {hh:02d}:{mm:02d}:{ss - 1:02d}")
        if ss < 59:
            variants.append(f"{year:04d}-{month:02d}-{day:02d} {hh:02d}:{mm:02d}:{ss + 1:02d}")
        variants.append(f"{year:04d}-{month:02d}-{day:02d} {hh:02d}:{mm:02d}:{ss:02d}.5")
    return rng.sample(variants, k=min(len(variants), 2))


def _split_date(text: str, parameters: tuple[str, ...]) -> dict[str, str]:
    if len(parameters) == 1:
        return {parameters[0]: text}
    date, _, time = text.replace("T", " ").partition(" ")
    result = {parameters[0]: date, parameters[1]: time or "00:00:00"}
    for extra in parameters[2:]:
        result[extra] = "UNDEFINED"
    return result


def _walk(selector: Any, base: dict[str, Any], rng: random.Random,
          depth: int) -> Iterator[dict[str, Any]]:
    if not isinstance(selector, Selector):
        yield base
        return
    if isinstance(selector, Match):
        rows = selector.rows
        picked = rows if len(rows) <= 12 else rng.sample(rows, 12)
        columns = [[row.fields[i] for row in rows] for i in range(len(selector.parameters))]
        for row in picked:
            header = dict(base)
            for name, field, column in zip(selector.parameters, row.fields, columns, strict=True):
                header[name] = rng.choice(_field_choices(field, column, rng))
            yield from _walk(row.value, header, rng, depth + 1)
        return
    if isinstance(selector, UseAfter):
        dates = selector.dates
        keys = dates if len(dates) <= 3 else rng.sample(dates, 3)
        for key in keys:
            for variant in _date_variants(key, rng):
                yield {**base, **_split_date(variant, selector.parameters)}
        if dates:
            yield {**base, **_split_date("1900-01-01 00:00:00", selector.parameters)}
        return
    for value in list(selector.choices())[:3]:
        yield from _walk(value, base, rng, depth + 1)


def _odd_variant(header: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One odd change to a header: a missing key, lower case, another number form, ..."""
    odd = dict(header)
    keys = [k for k in odd if not k.endswith("INSTRUMENT.NAME") and k != "INSTRUME"]
    if not keys:
        return odd
    key = rng.choice(keys)
    value = odd[key]
    change = rng.randrange(6)
    if change == 0:
        del odd[key]
    elif change == 1 and isinstance(value, str):
        odd[key] = value.lower()
    elif change == 2 and isinstance(value, str):
        odd[key] = rng.choice(_number_forms(value))
    elif change == 3:
        odd[key] = rng.choice(ODD_VALUES)
    elif change == 4 and isinstance(value, str):
        odd[key] = f" {value} "
    else:
        odd[key.lower()] = odd.pop(key)
    return odd


def headers_for_rmap(rmap: ReferenceMapping, instrument_key: str, instrument: str,
                     rng: random.Random, odd: bool = True) -> Iterator[dict[str, Any]]:
    """Headers that exercise ``rmap``, each naming ``instrument`` under ``instrument_key``."""
    base: dict[str, Any] = {instrument_key: instrument.upper()}
    for name in rmap.required_parkeys:
        base.setdefault(name, rng.choice(("N/A", "PERFORM", "OMIT", "F", "T", "NONE")))
    for header in _walk(rmap.selector, base, rng, 0):
        yield header
        if odd and rng.random() < 0.3:
            yield _odd_variant(header, rng)


def headers_for_context(context: PipelineContext, rng: random.Random, *,
                        per_type: int = 20, odd: bool = True,
                        complete: bool = False) -> Iterator[tuple[str, dict]]:
    """``(filekind, header)`` pairs covering every rmap of a pipeline context.

    With ``complete``, each header also gets every other parameter its instrument uses, with
    values seen in the headers made for the instrument's other types — like a real dataset,
    which carries all of its instrument's keywords.
    """
    key = context.instrument_key()
    for instrument, imap_name in sorted(context.selector.items()):
        if imap_name in NA_VALUES or imap_name in OMIT_VALUES:
            continue
        imap = context.child(instrument)
        assert isinstance(imap, InstrumentContext)
        made: list[tuple[str, dict]] = []
        for filekind, rmap_name in sorted(imap.selector.items()):
            if rmap_name in NA_VALUES or rmap_name in OMIT_VALUES:
                continue
            try:
                rmap = imap.child(filekind)
            except Exception:
                continue
            headers = list(headers_for_rmap(rmap, key, instrument, rng, odd))
            if len(headers) > per_type:
                headers = rng.sample(headers, per_type)
            made.extend((filekind.lower(), header) for header in headers)
        if complete:
            _complete(made, rng)
        yield from made


def _complete(made: list[tuple[str, dict]], rng: random.Random) -> None:
    """Fill each header's missing keys with values other headers of the instrument have."""
    pool: dict[str, list[Any]] = {}
    for _, header in made:
        for name, value in header.items():
            if value not in ("N/A", "UNDEFINED", "*"):
                pool.setdefault(name, []).append(value)
    for _, header in made:
        for name, values in pool.items():
            if name not in header:
                header[name] = rng.choice(values)
