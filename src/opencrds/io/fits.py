"""FITS headers: every HDU's keywords merged into one flat dictionary of strings.

Merging follows the reference client: the first occurrence of a keyword wins (the primary
header, then each extension in order); cards with a blank keyword are dropped. ``COMMENT`` and
``HISTORY`` collect the text of all their cards, from every HDU, joined by newlines, at the place
of the first one -- except that blank cards are skipped while the text collected so far is still
empty: cards ``"", "", "a"`` give newline + ``a``; cards ``"a", "", "b"`` give ``a``, two
newlines, ``b``. Values are ``str()`` of what astropy parsed (``True``, ``2``, ``0.0015``,
``(1+2j)``); string values lose trailing blanks, not leading ones.

The file is memory-mapped and HDUs are loaded one at a time, so data is never read; with
``needed`` keys, reading stops at the first HDU after which all of them are known.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from typing import Any

from .errors import HeaderError

KIND = "FITS"
COMMENTARY = ("COMMENT", "HISTORY")
UNDEFINED = "UNDEFINED"


def _card_text(value: Any, undefined_type: type) -> str:
    # A keyword with no value at all. The reference client prints astropy's placeholder
    # object (``<...Undefined object at 0x...>``), which differs from run to run; we say
    # UNDEFINED, the word CRDS uses for a missing value.
    if isinstance(value, undefined_type):
        return UNDEFINED
    return str(value)


def _problem(exc: Exception) -> str:
    """astropy's message; the exception type too when the message alone says little."""
    text = str(exc)
    if isinstance(exc, (OSError, ValueError)) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _add_commentary(header: dict[str, str], keyword: str, text: str) -> None:
    """Append one COMMENT/HISTORY card's text, the reference client's way."""
    if keyword not in header:
        header[keyword] = text
    elif header[keyword] or text:
        header[keyword] += "\n" + text


def _corruption(caught: list[warnings.WarningMessage]) -> str | None:
    """The problem astropy reported (as a warning) when an extension header could not be read."""
    for warning in caught:
        text = str(warning.message)
        if text.startswith("Error validating header for HDU"):
            lines = [line.strip() for line in text.splitlines()]
            hdu = lines[0].split("#", 1)[1].split(" ", 1)[0] if "#" in lines[0] else "?"
            detail = lines[1] if len(lines) > 1 else ""
            return f"truncated or corrupt header of HDU {hdu} ({detail})"
    return None


def read_fits_header(path: str, needed: Collection[str] | None = None) -> dict[str, str]:
    """The merged header of a FITS file (values are strings).

    ``needed`` (upper-case keywords) only allows stopping early; the caller restricts the
    result.  Raises :class:`HeaderError` when the primary header cannot be read, or when a later
    HDU's header is truncated or corrupt (data truncated after complete headers is accepted,
    as the reference client does).
    """
    from astropy.io import fits
    from astropy.io.fits.card import Undefined

    wanted = set(needed or ())
    stop_early = bool(wanted) and not wanted.intersection(COMMENTARY)
    header: dict[str, str] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            hdus = fits.open(path, mode="readonly", memmap=True, lazy_load_hdus=True)
        except FileNotFoundError:
            raise HeaderError(path, "no such file", KIND) from None
        except Exception as exc:  # astropy raises OSError, ValueError, VerifyError ...
            raise HeaderError(path, _problem(exc), KIND) from None
        try:
            with hdus:
                for hdu in hdus:
                    for card in hdu.header.cards:
                        keyword = card.keyword
                        if not keyword:
                            continue
                        if keyword in COMMENTARY:
                            _add_commentary(header, keyword, str(card.value))
                        elif keyword not in header:
                            header[keyword] = _card_text(card.value, Undefined)
                    if stop_early and wanted.issubset(header):
                        break
        except HeaderError:
            raise
        except Exception as exc:  # noqa: BLE001 - boundary: astropy's errors of every kind
            raise HeaderError(path, _problem(exc), KIND) from None
    problem = _corruption(caught)
    if problem:
        raise HeaderError(path, problem, KIND)
    return header
