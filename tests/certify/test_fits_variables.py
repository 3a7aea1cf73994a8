"""``CRDS_FITS_VERIFY_CHECKSUM`` and ``CRDS_FITS_IGNORE_MISSING_END`` in certify's FITS check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from opencrds.certify.fitsdata import verify_fits


def run(path: Path) -> tuple[bool, list[tuple[str, str]]]:
    messages: list[tuple[str, str]] = []
    ok = verify_fits(str(path), lambda level, text: messages.append((level, text)))
    return ok, messages


@pytest.fixture
def bad_checksum(tmp_path: Path) -> Path:
    path = tmp_path / "bad_sum.fits"
    fits.HDUList([fits.PrimaryHDU(np.arange(10, dtype="f4"))]).writeto(path, checksum=True)
    data = bytearray(path.read_bytes())
    data[2880 + 4] ^= 0x01  # one data bit: the DATASUM no longer matches
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def no_end(tmp_path: Path) -> Path:
    path = tmp_path / "no_end.fits"
    fits.PrimaryHDU().writeto(path)
    text = path.read_bytes().replace(b"END" + b" " * 77, b" " * 80)
    path.write_bytes(text)
    return path


def test_checksums_verified_by_default(bad_checksum: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS_FITS_VERIFY_CHECKSUM", raising=False)
    ok, messages = run(bad_checksum)
    assert any(level == "WARNING" and "verification failed" in text.lower()
               for level, text in messages), messages


def test_checksums_not_verified_when_turned_off(bad_checksum: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_FITS_VERIFY_CHECKSUM", "0")
    ok, messages = run(bad_checksum)
    assert ok and not any("checksum" in text.lower() or "datasum" in text.lower()
                          for _level, text in messages), messages


def test_missing_end_is_an_error_unless_tolerated(no_end: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS_FITS_IGNORE_MISSING_END", raising=False)
    ok, messages = run(no_end)
    assert not ok and messages[0][0] == "ERROR" and "END" in messages[0][1], messages
    monkeypatch.setenv("CRDS_FITS_IGNORE_MISSING_END", "1")
    ok, messages = run(no_end)
    assert ok, messages


@pytest.mark.parametrize("allowed", [False, True])
def test_bad_useafter_unless_allowed(allowed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``CRDS_ALLOW_BAD_USEAFTER``: an unparsable USEAFTER becomes 1900-01-01T00:00:00."""
    from opencrds.certify.references import ALLOWED_BAD_USEAFTER, _useafter_ok
    from opencrds.observatories.definitions import ObservatoryDefinition

    if allowed:
        monkeypatch.setenv("CRDS_ALLOW_BAD_USEAFTER", "1")
    else:
        monkeypatch.delenv("CRDS_ALLOW_BAD_USEAFTER", raising=False)
    definition = ObservatoryDefinition(name="tobs", instrument_key="META.INSTRUMENT.NAME",
                                       instruments=("tinstr",), types={},
                                       useafter_keyword="META.USEAFTER")
    header = {"META.USEAFTER": "yesterday"}
    messages: list[tuple[str, str]] = []
    ok = _useafter_ok(header, definition, lambda level, text: messages.append((level, text)))
    assert ok is allowed
    assert messages[0][0] == ("WARNING" if allowed else "ERROR")
    assert "Bad USEAFTER time format = 'yesterday'" in messages[0][1]
    assert header["META.USEAFTER"] == (ALLOWED_BAD_USEAFTER if allowed else "yesterday")
