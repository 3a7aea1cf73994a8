"""What the FITS certifier needs from a file: verification, array properties, table columns."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .constraints import ArrayInfo
from .libwarnings import report_warnings

Report = Callable[[str, str], None]


def verify_fits(path: str, report: Report, seen: set[str] | None = None) -> bool:
    """Open with checksum verification (unless ``CRDS_FITS_VERIFY_CHECKSUM`` is false; a
    missing END card is tolerated with ``CRDS_FITS_IGNORE_MISSING_END``) and
    ``verify('exception')``; False on failure."""
    from astropy.io import fits

    from ..cache.paths import env_flag, env_flag_default

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with fits.open(path, checksum=env_flag_default("CRDS_FITS_VERIFY_CHECKSUM"),
                           ignore_missing_end=env_flag("CRDS_FITS_IGNORE_MISSING_END")) as hdus:
                hdus.verify("exception")
        except Exception as exc:  # noqa: BLE001 - any astropy failure is one error
            report("ERROR", f"Validation error : {type(exc).__name__} : {exc}")
            return False
    report_warnings(caught, report, seen)  # astropy's warnings (TOOLS.md §1.7)
    return True  # an ASDF extension is reported once the file's type is known


def has_asdf_extension(path: str) -> bool:
    """Whether a FITS file has an ``ASDF`` extension (JWST references must not)."""
    from astropy.io import fits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fits.open(path) as hdus:
            return any(hdu.name.upper() == "ASDF" for hdu in hdus)


def _dtype_name(dtype: Any) -> str:
    return str(dtype)


def fits_arrays(path: str, load_data: bool, report: Report | None = None,
                seen: set[str] | None = None
                ) -> tuple[dict[str, ArrayInfo], dict[str, list[Any]]]:
    """``{HDU name or EXTn: ArrayInfo}`` and ``{column: all values over table HDUs}``;
    astropy's warnings (e.g. bad column display formats) go to ``report``."""
    from astropy.io import fits

    arrays: dict[str, ArrayInfo] = {}
    columns: dict[str, list[Any]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fits.open(path, memmap=True) as hdus:
            for index, hdu in enumerate(hdus):
                info = _info(hdu, index, load_data)
                name = (hdu.name or "").upper()
                if name and name != "PRIMARY":
                    key = name if name not in arrays else f"{name}__{hdu.ver}"
                    arrays.setdefault(key, info)
                    arrays.setdefault(f"{name}__{hdu.ver}", info)
                arrays[f"EXT{index}"] = info
                if name == "PRIMARY":
                    arrays["PRIMARY"] = info
                if info.KIND == "TABLE" and hdu.data is not None:
                    for column in hdu.columns.names:
                        values = list(hdu.data[column])
                        columns.setdefault(column.upper(), []).extend(values)
    if report is not None:
        report_warnings(caught, report, seen)
    return arrays, columns


def _info(hdu: Any, index: int, load_data: bool) -> ArrayInfo:
    from astropy.io import fits

    if isinstance(hdu, (fits.BinTableHDU, fits.TableHDU)):
        names = tuple(c.upper() for c in hdu.columns.names)
        # numpy's type names ('int32', 'float64', 'bytes40'), not byte-order codes ('>i4')
        types = {c.name.upper(): hdu.data.dtype[c.name].name if hdu.data is not None else ""
                 for c in hdu.columns}
        return ArrayInfo(SHAPE=(hdu.header.get("NAXIS2", 0),), KIND="TABLE",
                         DATA_TYPE="table", COLUMN_NAMES=names, EXTENSION=index,
                         DATA=hdu.data.copy() if load_data and hdu.data is not None
                         else None, COLUMN_TYPES=types)
    shape = tuple(hdu.shape) if hdu.shape else ()
    dtype = ""
    bitpix = hdu.header.get("BITPIX")
    if bitpix is not None:
        dtype = {8: "uint8", 16: "int16", 32: "int32", 64: "int64", -32: "float32",
                 -64: "float64"}.get(bitpix, str(bitpix))
        if hdu.header.get("BZERO") == 32768 and bitpix == 16:
            dtype = "uint16"
    data = None
    if load_data and shape:
        try:
            data = hdu.data
        except Exception:  # noqa: BLE001 - boundary: unreadable data
            data = None
    return ArrayInfo(SHAPE=shape, KIND="IMAGE", DATA_TYPE=dtype, EXTENSION=index, DATA=data)


def table_hdus(path: str) -> list[tuple[int, Any]]:
    """``(index, recarray)`` of every table HDU with data."""
    from astropy.io import fits

    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fits.open(path) as hdus:
            for index, hdu in enumerate(hdus):
                if isinstance(hdu, (fits.BinTableHDU, fits.TableHDU)) and hdu.data is not None:
                    found.append((index, hdu.data.copy()))
    return found
