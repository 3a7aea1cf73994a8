"""Tests for opencrds.rules.values (RULES.md §4.1)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from opencrds.rules.values import condition_header, condition_value

try:  # the reference client is only an oracle for black-box comparisons
    from crds.core import utils as crds_utils
except ImportError:  # pragma: no cover
    crds_utils = None

oracle = pytest.mark.skipif(crds_utils is None, reason="crds (oracle) is not installed")

CASES = [
    # numbers -> shortest float text
    ("1", "1.0"),
    ("1.", "1.0"),
    ("-5.", "-5.0"),
    ("+5.", "5.0"),
    (".5", "0.5"),
    ("-.5", "-0.5"),
    ("+1", "1.0"),
    ("007", "7.0"),
    ("-0", "-0.0"),
    ("1.50", "1.5"),
    ("1e3", "1000.0"),
    ("1E+03", "1000.0"),
    (".5E+2", "50.0"),
    ("1.0e-5", "1e-05"),
    ("-999", "-999.0"),
    ("12345678901234567890", "1.2345678901234567e+19"),
    ("1e400", "inf"),
    ("-1e400", "-inf"),
    ("1e-400", "0.0"),
    (" 1 ", "1.0"),
    ("\t1\n", "1.0"),
    ("\xa01.5\u2009", "1.5"),
    # not numbers: only upper-cased
    ("1.e3", "1.E3"),
    ("5.e3", "5.E3"),
    ("1e", "1E"),
    ("1e+", "1E+"),
    ("e3", "E3"),
    (".", "."),
    ("-", "-"),
    ("+-1", "+-1"),
    ("1..", "1.."),
    ("1.5.5", "1.5.5"),
    ("1_000", "1_000"),
    ("0x10", "0X10"),
    ("nan", "NAN"),
    ("inf", "INF"),
    ("-inf", "-INF"),
    ("1 2", "1 2"),
    ("1,000", "1,000"),
    ("\u0661\u0662", "\u0661\u0662"),  # non-ASCII digits are not numbers
    ("\uff11\uff12", "\uff11\uff12"),
    ("0.7.0rc2", "0.7.0RC2"),
    ("iref$uaf12559i_drk.fits", "IREF$UAF12559I_DRK.FITS"),
    ("2013-11-05 15:21:34", "2013-11-05 15:21:34"),
    ("ß", "SS"),
    # special values
    ("-2147483648", "N/A"),
    ("-2147483648.00", "N/A"),
    ("-2.147483648e9", "N/A"),
    ("4294967295", "-1.0"),
    ("4294967295.0000001", "-1.0"),
    ("42949672950e-1", "-1.0"),
    ("-4294967295", "-4294967295.0"),
    ("()", "N/A"),
    ("()  ", "N/A"),
    ("( )", "( )"),
    ("n/a", "N/A"),
    ("not applicable", "N/A"),
    ("NOT_APPLICABLE", "N/A"),
    ("NOT  APPLICABLE", "NOT  APPLICABLE"),
    ("any", "*"),
    ("Any", "*"),
    ("*", "*"),
    ("t", "T"),
    ("tRuE", "T"),
    ("f", "F"),
    ("FaLsE", "F"),
    ("T ", "T"),
    ("T.", "T."),
    ("yes", "YES"),
    ("", ""),
    (" ", ""),
    ("UNDEFINED", "UNDEFINED"),
    # Python values
    (True, "T"),
    (False, "F"),
    (0, "0.0"),
    (1, "1.0"),
    (2, "2.0"),
    (-1, "-1.0"),
    (1.5, "1.5"),
    (1e20, "1e+20"),
    (2**70, "1.1805916207174113e+21"),
    (None, "NONE"),
    ((), "N/A"),
    ((1, 2), "(1, 2)"),
    ([], "[]"),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_condition_value_table(value, expected):
    assert condition_value(value) == expected


def test_bool_and_int_do_not_share_cache_entries():
    assert condition_value(1) == "1.0"
    assert condition_value(True) == "T"
    assert condition_value(1) == "1.0"
    assert condition_value(0) == "0.0"
    assert condition_value(False) == "F"
    assert condition_value(0) == "0.0"


def test_condition_value_is_idempotent_on_table():
    for value, expected in CASES:
        if expected in ("inf", "-inf"):  # float overflow prints lower case: 'inf' -> 'INF'
            assert condition_value(expected) == expected.upper()
        else:
            assert condition_value(expected) == expected, value


def test_condition_header():
    header = {"instrume": "acs", "Date-Obs": " 2020 ", "X": True, "NAXIS1": 4144, "E": ""}
    assert condition_header(header) == {
        "INSTRUME": "ACS",
        "DATE-OBS": "2020.0",
        "X": "T",
        "NAXIS1": "4144.0",
        "E": "",
    }


# ----------------------------------------------------------------------------------------------
# Black-box comparison with the reference client.

_NUMBERISH = st.text(alphabet="0123456789+-.eE _xXnaifINFT", max_size=12)
_SIGNS = st.sampled_from(["", "+", "-", "--", "+-"])
_DIGITS = st.text(alphabet="0123456789", max_size=8)
_SPACES = st.sampled_from(["", " ", "  ", "\t", "\n", "\xa0"])


@st.composite
def _number_forms(draw):
    mantissa = draw(
        st.sampled_from(["{i}", "{i}.", ".{f}", "{i}.{f}", "{i}..{f}", "{i}_{f}", "0x{i}"])
    )
    exponent = draw(st.sampled_from(["", "e{x}", "E{x}", "e+{x}", "E-{x}", "e", "e+", "E-"]))
    text = (mantissa + exponent).format(
        i=draw(_DIGITS), f=draw(_DIGITS), x=draw(st.text(alphabet="0123456789", max_size=3))
    )
    return draw(_SPACES) + draw(_SIGNS) + text + draw(_SPACES)


_WORDS = st.sampled_from(
    [
        "any",
        "ANY",
        "t",
        "true",
        "TRUE",
        "f",
        "false",
        "n/a",
        "N/A",
        "not applicable",
        "NOT_APPLICABLE",
        "()",
        "UNDEFINED",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "none",
        "-2147483648",
        "4294967295",
        "4294967295.0",
        "-2147483648.0",
        "2.0",
        "",
        " ",
    ]
)

_STRINGS = st.one_of(
    _number_forms(),
    _NUMBERISH,
    _WORDS,
    st.tuples(_SPACES, _WORDS, _SPACES).map("".join),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(lambda x: f"{x:e}"),
    st.integers().map(str),
)

_VALUES = st.one_of(
    _STRINGS,
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
)


@pytest.mark.oracle
@oracle
@pytest.mark.parametrize(("value", "expected"), CASES)
def test_table_matches_oracle(value, expected):
    assert crds_utils.condition_value(value) == expected


@pytest.mark.oracle
@oracle
@settings(max_examples=3000, deadline=None)
@given(_VALUES)
@example("1.e3")
@example(True)
@example(1)
def test_condition_value_matches_oracle(value):
    assert condition_value(value) == crds_utils.condition_value(value)


@pytest.mark.oracle
@oracle
@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(alphabet="abcXYZ-_.", max_size=6), _VALUES, max_size=5))
def test_condition_header_matches_oracle(header):
    assert condition_header(header) == crds_utils.condition_header(header)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("()0", "N/A"), ("N/AB", "N/A"), ("n/a x", "N/A"), ("NOT APPLICABLEX", "N/A"),
     ("-2147483648.0x", "N/A"), ("NOT_APPLICABLE_Z", "NOT_APPLICABLE_Z"), ("x()", "X()"),
     ("ANYX", "ANYX"), ("TRUEX", "TRUEX")],
)
def test_not_applicable_prefixes(value, expected):
    """Values that start with an N/A spelling are N/A (found by fuzzing against crds)."""
    assert condition_value(value) == expected
