"""Header checks against .tpn constraints."""

from __future__ import annotations

from opencrds.certify.constraints import ConstraintChecker, check_value
from opencrds.certify.validators import jwstdate, pedigree, sybdate
from opencrds.observatories.tpn import parse_constraint


def _run(lines: list[str], header: dict[str, str],
         parkeys: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    checker = ConstraintChecker(header, lambda lvl, msg: messages.append((lvl, msg)),
                                parkeys=parkeys)
    checker.check_all(parse_constraint(line) for line in lines)
    return messages


def test_missing_required_and_suggested() -> None:
    messages = _run(["LIFE_ADJ H I R", "LITREF H C W", "OPT H C O"], {})
    assert messages == [
        ("ERROR", "Checking 'LIFE_ADJ' : Missing required keyword 'LIFE_ADJ'"),
        ("WARNING", "Missing suggested keyword 'LITREF'"),  # as crds words it
    ]


def test_optional_parkey_becomes_required() -> None:
    messages = _run(["DETECTOR H C O FUV,NUV"], {}, frozenset({"DETECTOR"}))
    assert messages and messages[0][0] == "ERROR"


def test_values_ranges_and_types() -> None:
    assert _run(["DETECTOR H C R FUV,NUV"], {"DETECTOR": "fuv"}) == []
    assert _run(["DETECTOR H C R FUV,NUV"], {"DETECTOR": "XUV"})[0][0] == "ERROR"
    assert _run(["GAIN H R R 0:10"], {"GAIN": "11.5"})[0][0] == "ERROR"
    assert _run(["NX H I R"], {"NX": "abc"})[0][0] == "ERROR"


def test_expressions_and_presence_expressions() -> None:
    ok = ["SUM X X R (1<=A+B<=10)"]
    assert _run(ok, {"A": "1", "B": "2"}) == []
    assert _run(ok, {"A": "9", "B": "2"})[0] == (
        "ERROR", "Checking 'SUM' : Constraint (1<=A+B<=10) is not satisfied.")
    assert _run(["SUM X X R (warn_only(A>5))"], {"A": "1"})[0][0] == "WARNING"
    assert _run(ok, {"A": "1"}) == []  # undefined keyword: skipped
    assert _run(["KEY H C (A=='X') V1"], {"A": "Y"}) == []  # not applicable
    assert _run(["KEY H C (A=='X') V1"], {"A": "X"})[0][0] == "ERROR"


def test_validators() -> None:
    assert pedigree("INFLIGHT 12/04/2002 31/12/2015") is None
    assert pedigree("inflight 12/04/2002 12/31/2015".upper()) is not None
    assert pedigree("GROUND") is None
    assert sybdate("Oct 01 1996 00:00:00") is None
    assert sybdate("not a date") is not None
    assert jwstdate("2020-01-01T00:00:00") is None
    assert check_value(parse_constraint("USEAFTER H C R &SYBDATE"), "garbage") is not None


def test_definedness_helpers_and_advisory_dates() -> None:
    from opencrds.certify.constraints import ArrayInfo

    messages: list[tuple[str, str]] = []
    checker = ConstraintChecker({}, lambda lvl, msg: messages.append((lvl, msg)),
                                {"SCI": ArrayInfo(SHAPE=(3, 3))})
    checker.check_all(parse_constraint(line) for line in [
        "SCI A X R (array_exists(SCI_ARRAY))",
        "DQ A X (array_exists(DQ_ARRAY)) (is_image(DQ_ARRAY))",
        "KEY X X (is_defined(NOPE)) (NOPE>1)",
    ])
    assert messages == []
    assert jwstdate("2015-11-01") is None
    note = jwstdate("Jan 01 2015 00:00:00")
    assert note is not None and "Non-compliant date format" in note
    assert _run(["META.USEAFTER H C R &JWSTDATE"],
                {"META.USEAFTER": "Jan 01 2015 00:00:00"})[0][0] == "WARNING"
    assert _run(["META.USEAFTER H C R &JWSTDATE"],
                {"META.USEAFTER": "yesterday"})[0][0] == "ERROR"


def test_table_values_keep_their_type() -> None:
    from opencrds.certify.constraints import native

    assert native(b"5") == "5" and isinstance(native("12"), str)
    messages: list[tuple[str, str]] = []
    checker = ConstraintChecker({}, lambda lvl, msg: messages.append((lvl, msg)),
                                columns={"KEYWORD": ["5", "acs"]})
    checker.check_all([parse_constraint("KEYWORD C X R (len(VALUE)>0)")])
    assert messages == []
