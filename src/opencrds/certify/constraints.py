"""Check a reference header (and its arrays) against .tpn constraints (TOOLS.md §5.2, §5.3)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..observatories.definitions import Constraint
from . import validators
from .safe_eval import EVALUATION_ERRORS, ExpressionError, evaluate

UNDEFINED = "UNDEFINED"
FULL_FRAME = ("FULL", "GENERIC", "N/A", "ANY", "*")
Report = Callable[[str, str], None]  # (level 'ERROR'|'WARNING'|'INFO', message)


@dataclass
class ArrayInfo:
    """Lightweight properties of one HDU / array, as .tpn expressions see ``NAME_ARRAY``."""

    SHAPE: tuple[int, ...] = ()
    KIND: str = "IMAGE"
    DATA_TYPE: str = ""
    COLUMN_NAMES: tuple[str, ...] = ()
    EXTENSION: int = 0
    DATA: Any = None
    COLUMN_TYPES: dict[str, str] = field(default_factory=dict)


def expr_name(name: str) -> str:
    """A keyword as an expression identifier: ``META.SUBARRAY.NAME`` -> ``META_SUBARRAY_NAME``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def typed(value: str) -> Any:
    """A header string as the Python value expressions compare with (int, float or str)."""
    if not isinstance(value, str):
        return value
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    if value in ("True", "False"):
        return value == "True"
    return value


def native(value: Any) -> Any:
    """A table cell as expressions see ``VALUE``: its own type (a string column stays a
    string even when it holds digits), bytes decoded, numpy scalars as Python values."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, str):
        return str(value)
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


# ---- helper functions of .tpn expressions ---------------------------------------------------


def _dtype_matches(dtype: str, wanted: str) -> bool:
    dtype, wanted = dtype.lower(), wanted.upper()
    if wanted in ("INT", "INTEGER"):
        return "int" in dtype
    if wanted == "FLOAT":
        return "float" in dtype
    if wanted in ("STRING", "STR", "CHAR"):
        return dtype.startswith(("|s", "<u", ">u", "s", "u", "str", "bytes"))
    return wanted.lower() in dtype


def _has_type(array: Any, wanted: Any) -> bool:
    wanteds = wanted if isinstance(wanted, (list, tuple)) else [wanted]
    return any(_dtype_matches(str(array.DATA_TYPE), str(w)) for w in wanteds)


def _has_column_type(array: Any, column: str, wanted: str) -> bool:
    types = {k.upper(): v for k, v in array.COLUMN_TYPES.items()}
    return column.upper() in types and _dtype_matches(types[column.upper()], wanted)


def _has_columns(array: Any, names: Iterable[str]) -> bool:
    present = {c.upper() for c in array.COLUMN_NAMES}
    return all(n.upper() in present for n in names)


def _defined(value: Any) -> bool:
    return not (isinstance(value, str) and value == UNDEFINED)


def _array_exists(array: Any) -> bool:
    return isinstance(array, ArrayInfo)


_defined.accepts_undefined = True  # type: ignore[attr-defined]
_array_exists.accepts_undefined = True  # type: ignore[attr-defined]


def _presence(code: str) -> Callable[[Any], Any]:
    return lambda flag=True: code if flag else False  # a bare ``subarray()`` applies


HELPERS: dict[str, Callable[..., Any]] = {
    "has_type": _has_type,
    "has_column_type": _has_column_type,
    "has_columns": _has_columns,
    "array_exists": _array_exists,
    "is_defined": _defined,
    "is_table": lambda a: a.KIND == "TABLE",
    "is_image": lambda a: a.KIND == "IMAGE",
    "ndim": lambda a, n: len(a.SHAPE) == n,
    "is_imaging_mode": lambda exp: str(exp).upper() in (
        "FGS_IMAGE", "FGS_FOCUS", "FGS_SKYFLAT", "FGS_INTFLAT", "MIR_IMAGE", "MIR_TACQ",
        "MIR_LYOT", "MIR_4QPM", "MIR_CORONCAL", "NRC_IMAGE", "NRC_TACQ", "NRC_CORON",
        "NRC_FOCUS", "NRC_TACONFIRM", "NIS_IMAGE", "NIS_AMI", "NIS_TACQ", "NIS_TACONFIRM",
        "NIS_FOCUS", "NRS_IMAGE", "NRS_FOCUS", "NRS_MIMF", "NRS_TACQ", "NRS_TACONFIRM",
        "NRS_BOTA", "NRS_TASLIT", "NRS_CONFIRM", "NRS_MSATA", "NRS_WATA", "FGS_ACQ1",
        "FGS_ACQ2", "FGS_FINEGUIDE", "FGS_ID-IMAGE", "FGS_ID-STACK", "FGS_TRACK"),
    "is_full_frame": lambda sub: str(sub).upper() in FULL_FRAME,
    "is_subarray": lambda sub: str(sub).upper() not in FULL_FRAME,
    "is_irs2": lambda patt: "IRS2" in str(patt).upper(),
    "optional": _presence("O"),
    "required": _presence("R"),
    "warning": _presence("W"),
    "subarray": _presence("S"),
    "full_frame": _presence("F"),
    "all_subarray": _presence("A"),
    "any_subarray": _presence("A"),
    "warn_only": lambda flag: flag if flag else "W",
    "info": lambda flag: True,
    "step": lambda *a: True,
}


class Namespace(dict[str, Any]):
    """Expression names: header keywords (as identifiers), ``*_ARRAY`` structs; a keyword
    whose value is UNDEFINED is treated as absent."""


def build_namespace(header: Mapping[str, str], arrays: Mapping[str, ArrayInfo]) -> Namespace:
    """The names .tpn expressions see for ``header`` and ``arrays``."""
    names = Namespace()
    for key, value in header.items():
        if value != UNDEFINED:
            names[expr_name(key)] = typed(value)
    for name, info in arrays.items():
        names[expr_name(name) + "_ARRAY"] = info
    names.setdefault("EXP_TYPE", names.get("META_EXPOSURE_TYPE", UNDEFINED))
    return names


# ---- the checker ------------------------------------------------------------------------------


@dataclass
class ConstraintChecker:
    """Checks constraints for one file; problems go to ``report``."""

    header: Mapping[str, str]
    report: Report
    arrays: Mapping[str, ArrayInfo] = field(default_factory=dict)
    columns: Mapping[str, list[Any]] = field(default_factory=dict)
    parkeys: frozenset[str] = frozenset()
    #: Applies an ``&VALIDATOR`` of an A/D constraint to its array (synphot tables).
    array_check: Callable[[Constraint, ArrayInfo], None] | None = None
    #: A keyword as messages name it (JWST adds its FITS keyword: ``'META.X [X]'``).
    display: Callable[[str], str] = str
    names: Namespace = field(init=False)

    def __post_init__(self) -> None:
        self.names = build_namespace(self.header, self.arrays)

    def check_all(self, constraints: Iterable[Constraint]) -> None:
        """Apply every constraint, in order."""
        for constraint in constraints:
            try:
                self.check(constraint)
            except (ExpressionError, NameError, TypeError, ValueError, AttributeError,
                    IndexError, KeyError, ZeroDivisionError) as exc:
                self.report("ERROR", f"Checking {self.display(constraint.name)!r} : "
                            f"{type(exc).__name__} "
                            f"{exc}")

    def presence(self, constraint: Constraint) -> str | None:
        """The effective presence code, or None when the constraint does not apply."""
        code = constraint.presence_code
        if code == "(":
            try:
                value = evaluate(constraint.presence, self.names, HELPERS)
            except NameError:
                return None
            except EVALUATION_ERRORS as exc:  # CRDS warns and skips
                self.report("WARNING", f"Failed checking applicability for {constraint.name!r} "
                            f"with condition {constraint.presence!r} : {exc} skipping check")
                return None
            if value is True:
                code = "R"
            elif isinstance(value, str) and value:
                code = value[:1]
            else:
                return None
        if code in "FSA":
            sub = self._subarray()
            if sub is None:
                return None
            full = sub.upper() in FULL_FRAME
            if (code == "F" and not full) or (code == "S" and full):
                return None
            code = "O"
        if code in "OW" and constraint.name.upper() in self.parkeys:
            code = "R"
        return code

    def _subarray(self) -> str | None:
        for key in ("SUBARRAY", "META.SUBARRAY.NAME"):
            value = self.header.get(key, UNDEFINED)
            if value != UNDEFINED:
                return str(value)
        return None

    def check(self, constraint: Constraint) -> None:
        """Apply one constraint."""
        kind = constraint.keytype_code
        if kind == "G":
            self.report("WARNING", "Group keys are not currently supported by CRDS.")
            return
        presence = self.presence(constraint)
        if presence is None:
            return
        if kind == "X":
            self._expression(constraint, presence, None)
            return
        if kind in "AD":
            if constraint.name.upper() not in {k.upper() for k in self.arrays}:
                if presence in "RP":
                    self.report("ERROR", f"Missing required array {constraint.name!r}")
                return
            if constraint.expression:
                self._expression(constraint, presence, None)
            elif (constraint.values and constraint.values[0].startswith("&")
                  and self.array_check is not None):
                info = {k.upper(): v for k, v in self.arrays.items()}[constraint.name.upper()]
                self.array_check(constraint, info)
            return
        if kind == "C":
            values = self.columns.get(constraint.name.upper())
            if values is None:
                self._missing(constraint, presence, "column")
                return
            for value in values:
                if not self._value(constraint, presence, value, column=True):
                    break
            return
        value = self._lookup(constraint.name)
        if value is None:
            self._missing(constraint, presence, "keyword")
        elif presence == "E":
            shown = self.display(constraint.name)
            self.report("ERROR", f"Checking {shown!r} : Must not define keyword {shown!r}")
        else:
            self._value(constraint, presence, value)

    def _lookup(self, name: str) -> str | None:
        value = self.header.get(name.upper(), UNDEFINED)
        return None if value == UNDEFINED else value

    def _missing(self, constraint: Constraint, presence: str, what: str) -> None:
        name = self.display(constraint.name)
        if presence in "RP":
            self.report("ERROR", f"Checking {name!r} : Missing required {what} {name!r}")
        elif presence == "W":
            self.report("WARNING", f"Missing suggested {what} {name!r}")

    def _fail(self, constraint: Constraint, presence: str, reason: str) -> None:
        level = "WARNING" if presence == "W" else "ERROR"
        self.report(level, f"Checking {self.display(constraint.name)!r} : {reason}")

    def _expression(self, constraint: Constraint, presence: str, value: Any) -> bool:
        text = constraint.expression or (constraint.values[0] if constraint.values else "")
        if not text:
            return True
        names = self.names if value is None else Namespace(self.names, VALUE=value)
        try:
            result = evaluate(text, names, HELPERS)
        except NameError:
            return True  # an expression over UNDEFINED keywords is skipped
        if result == "W" and text.startswith(("warn_only", "(warn_only")):
            self.report("WARNING", f"Checking {self.display(constraint.name)!r} : Constraint "
                        f"{text} is not satisfied.")
            return False
        if not _truthy(result):
            self._fail(constraint, presence, f"Constraint {text} is not satisfied.")
            return False
        return True

    def _value(self, constraint: Constraint, presence: str, raw: Any,
               column: bool = False) -> bool:
        if constraint.expression:
            return self._expression(constraint, presence, native(raw) if column else None)
        reason = check_value(constraint, raw)
        if isinstance(reason, validators.Advisory):
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            self.report("WARNING", f"Non-compliant date format {text.strip()!r} for "
                        f"{self.display(constraint.name)!r} should be 'YYYY-MM-DDTHH:MM:SS'")
        elif reason:
            self._fail(constraint, presence, reason)
            return False
        return True


def _truthy(value: Any) -> bool:
    try:
        return bool(value)
    except ValueError:
        return bool(value.all())


def check_value(constraint: Constraint, raw: Any) -> str | None:
    """Why ``raw`` breaks ``constraint`` (type, enumeration, range, validator), or None."""
    code = constraint.datatype_code
    value = raw.decode() if isinstance(raw, bytes) else raw
    text = str(value).strip()
    if code == "C":
        text = text.upper()
    values = constraint.values
    try:
        if code == "I":
            number: Any = int(float(text)) if _is_intlike(text) else int(text)
        elif code in "RD":
            number = float(text)
        elif code == "L":
            if text.upper() not in ("T", "F", "TRUE", "FALSE"):
                return f"Invalid value {text!r} for a logical keyword"
            number = text
        else:
            number = text
    except ValueError:
        kind = {"I": "int", "R": "float", "D": "float"}[code]
        return f"Invalid {kind} value {text!r}"
    if not values:
        return None
    if len(values) == 1 and values[0].startswith("&"):
        return validators.validate(values[0][1:], text)
    if len(values) == 1 and ":" in values[0] and code in "IRD":
        low, high = values[0].split(":", 1)
        if not float(low) <= float(number) <= float(high):
            return f"Value {text!r} is out of range {values[0]!r}"
        return None
    if code in "CS":
        allowed = list(values)
        if "*" in allowed or any("*" in v for v in allowed):
            return None
        parts = text.split("|") if code == "C" else [text]
        for part in parts:
            if part.strip() not in allowed:
                return f"Value {part.strip()!r} is not one of {shown_list(allowed)}"
        return None
    if code in "IRD":
        tolerance = 1e-7 if code == "R" else 1e-14 if code == "D" else 0
        for allowed_value in values:
            try:
                if abs(float(allowed_value) - float(number)) <= tolerance * max(
                        1.0, abs(float(number))):
                    return None
            except ValueError:
                continue
        return f"Value {text!r} is not one of {list(values)!r}"
    return None


#: Longer lists of allowed values are shown as ``['FIRST', ... 'LAST']``, as crds does.
SHOWN_VALUES = 10


def shown_list(values: list[str]) -> str:
    """Allowed values as an error shows them."""
    if len(values) <= SHOWN_VALUES:
        return repr(list(values))
    return f"[{values[0]!r}, ... {values[-1]!r}]"


def _is_intlike(text: str) -> bool:
    try:
        return float(text).is_integer() and "." in text
    except ValueError:
        return False
