"""Selector semantics on small synthetic rmaps (RULES.md §10.4), against crds 14.0.3.

Each case writes an in-memory rmap (HST / ACS / DARKFILE header, checksum ignored), loads it in
both implementations, and compares the lookups of several dataset headers.
"""

from __future__ import annotations

import logging
import re

import pytest

from opencrds.rules.errors import MappingError
from opencrds.rules.loader import MappingLoader

UA2 = """Match({
    ('A', 'N/A') : UseAfter({
        '2000-01-01 00:00:00' : 'x_2000.fits',
        '2010-01-01 00:00:00' : 'a_2010.fits',
    }),
    ('N/A', 'B') : UseAfter({
        '2005-01-01 00:00:00' : 'y_2005.fits',
        '2010-01-01 00:00:00' : 'b_2010.fits',
    }),
})"""
PQ_DATE = "(('P', 'Q'), ('DATE-OBS', 'TIME-OBS'))"


def _rmap(parkey: str, selector: str, extra: str = "") -> str:
    return f"""header = {{
    'derived_from' : 'synthetic',
    'filekind' : 'DARKFILE',
    'instrument' : 'ACS',
    'mapping' : 'REFERENCE',
    'name' : 'test.rmap',
    'observatory' : 'HST',
    'parkey' : {parkey},{extra}
}}

selector = {selector}
"""


def _dates(p, q, date):
    return {"P": p, "Q": q, "DATE-OBS": date, "TIME-OBS": "00:00:00"}


CASES = [
    ("X01", "(('P',),)", "Match({'(ABC)' : 'regex.fits'})", "", [{"P": v} for v in
                                                                 ("ABC", "ABCDEF", "XABC")]),
    ("X02", "(('P',),)", "Match({'F?W|Q' : 'g.fits'})", "", [{"P": v} for v in ("F1W", "F?W", "Q")]),
    ("X03", "(('P',),)", "Match({'# ==5 #' : 'e.fits', 'N/A' : 'na.fits'})", "",
     [{"P": v} for v in ("5", "5.0", "==5")]),
    ("X04", "(('P',),)", "Match({'# >1 #' : 'spaced.fits', 'N/A' : 'na.fits'})", "",
     [{"P": "5.0"}]),
    ("X04b", "(('P',),)", "Match({'#>1#' : 'tight.fits', 'N/A' : 'na.fits'})", "", [{"P": "5.0"}]),
    ("X05", "(('P',),)", "Match({'>1.5' : 'gt.fits'})", "", [{"P": v} for v in ("2.0", "1.5", "abc")]),
    ("X06", "(('P', 'Q'),)", "Match({('A', '*') : 'a.fits', ('*', 'B') : 'b.fits'})", "",
     [{"P": "A", "Q": "B"}]),
    ("X07", PQ_DATE, UA2, "", [_dates("A", "B", "2006-01-01"), _dates("A", "B", "2011-01-01")]),
    ("X08", PQ_DATE, UA2, "\n    'merge_overlaps' : 'False',", [_dates("A", "B", "2011-01-01")]),
    ("X09", PQ_DATE, """Match({
        ('A', 'B') : UseAfter({'2020-01-01 00:00:00' : 'specific.fits'}),
        ('A', 'N/A') : UseAfter({'2000-01-01 00:00:00' : 'general.fits'}),
    })""", "", [_dates("A", "B", d) for d in ("2010-01-01", "2021-01-01", "1999-01-01")]),
    ("X10", "(('P', 'Q'),)", "Match({('A', '*') : 'star.fits', ('A', 'N/A') : 'na.fits'})", "",
     [{"P": "A", "Q": "Z"}]),
    ("X11", "(('P',),)", "Match({'' : 'empty.fits', 'X' : 'x.fits'})", "",
     [{"P": ""}, {}, {"P": "X"}]),
    ("X12", "(('P',),)", "Match({'A' : 'a.fits', 'B' : 'b.fits'})",
     "\n    'rmap_relevance' : 'P == \"B\"',", [{"P": "A"}]),
    ("X13", "(('P',),)", "Match({'A' : 'a.fits'})", "\n    'rmap_relevance' : '(P == \"B\")',",
     [{"P": "A"}, {"P": "B"}]),
    ("X14", "(('P',),)", "Match({'A' : 'OMIT', 'B' : 'N/A', 'C' : 'TEMP_N/A'})", "",
     [{"P": v} for v in ("A", "B", "C")]),
    ("X15", "(('P',),)", "Match({'A' : 'a.fits'})", "\n    'rmap_omit' : '(P == \"A\")',",
     [{"P": "A"}]),
    ("X15b", "(('P',),)", "Match({'A' : 'a.fits'})", "\n    'rmap_omit' : 'True',", [{"P": "A"}]),
    ("X16", "(('P',), ('DATE-OBS', 'TIME-OBS'))", """Match({'A' : UseAfter({
        '2000-01-01 00:00:00' : 't_key.fits',
        '2009-06-25 22:14:38' : 'base.fits',
        '2009-06-25 22:14:38.296' : 'frac_key.fits',
        '2013-09-26T05:00:00' : 'iso_key.fits',
    })})""", "", [{"P": "A", "DATE-OBS": d, "TIME-OBS": t} for d, t in [
        ("2013-09-26", "06:00:00"), ("2013-09-26", "23:59:59"), ("2013-09-27", "00:00:00"),
        ("2009-06-25", "22:14:38"), ("2009-06-25", "22:14:38.5"), ("2009-06-25", "22:14:38.2"),
        ("2009-06-25", "22:14:38.296"), ("2009-06-25", "22:14:38.297")]]),
    ("X18", "(('P',),)", "Match({'NOT A' : 'nota.fits'})", "",
     [{"P": v} for v in ("B", "A", "N/A", "*")]),
    ("X19", "(('P',),)", "Match({'BETWEEN 10 20' : 'between.fits', 'N/A' : 'na.fits'})", "",
     [{"P": v} for v in ("10", "19.999", "20", "abc")]),
    ("X20", "(('P',),)", "Match({1062 : 'int.fits'})", "", [{"P": "1062"}, {"P": "1062.0"}]),
    ("X21", "(('P',),)", "Match({'TRUE' : 'true.fits'})", "", [{"P": "T"}, {"P": "TRUE"}]),
    ("X22", "(('P',),)", "Match({'ANY' : 'any.fits'})", "", [{"P": "WHATEVER"}]),
    ("X24", "(('P',),)", "Match({'A' : 'first.fits', 'A' : 'second.fits'})", "", [{"P": "A"}]),
    ("X26", PQ_DATE, UA2, "", [_dates("N/A", "N/A", "2011-01-01")]),
    ("X27", "(('SUBARRAY',),)", "Match({'GENERIC' : 'generic.fits', 'T' : 't.fits'})", "",
     [{"SUBARRAY": "F"}, {"SUBARRAY": "GENERIC"}]),
    ("X28", "(('P',),)", "Match({'F*W' : 'glob.fits'})", "", [{"P": "F555W"}, {"P": "F*W"}]),
    ("X29", "(('P',),)", "Match({'F*W' : 'glob.fits', 'N/A' : 'na.fits'})", "", [{"P": "F555W"}]),
    ("X30", "(('P',),)", "Match({'{A|B}' : 'lit.fits'})", "", [{"P": "A"}, {"P": "A|B"}]),
    ("X32", "(('P', 'Q'),)", "Match({('A', 'N/A') : 'na_q.fits', ('A', 'B') : 'ab.fits'})",
     "\n    'parkey_relevance' : {'q' : '(P == \"Z\")'},", [{"P": "A", "Q": "B"}]),
    ("X33", "(('ROMAN.META.EXPOSURE.START_TIME',),)",
     "UseAfter({'2020-01-01 00:00:00' : 'r.asdf'})", "",
     [{"ROMAN.META.EXPOSURE.START_TIME": v} for v in (
         "2021-01-01T00:00:00", "2021-01-01 00:00:00.123", "2019-12-31T23:59:59")]),
    ("X35", "(('P',),)", "Match({'# >1 and <5 #' : 'and.fits', 'N/A' : 'na.fits'})", "",
     [{"P": v} for v in ("abc", "3", "3.0", "7.0", "# >1 AND <5 #")]),
    ("X36-NO", "(('P',),)", "Match({'A' : 'a.fits'})", "\n    'reffile_required' : 'NO',",
     [{"P": "Z"}]),
    ("X36-YES", "(('P',),)", "Match({'A' : 'a.fits'})", "\n    'reffile_required' : 'YES',",
     [{"P": "Z"}]),
    ("X39", "(('P',),)", "Match({'A' : 'lit.fits', 'A|B' : 'glob.fits', '(A.*)' : 'regex.fits'})",
     "", [{"P": "A"}]),
    ("X40", PQ_DATE, """Match({
        ('A', 'N/A') : 'N/A',
        ('N/A', 'B') : UseAfter({'2000-01-01 00:00:00' : 'u.fits'}),
    })""", "", [_dates("A", "B", "2011-01-01")]),
    ("X40b", PQ_DATE, """Match({
        ('A', 'N/A') : UseAfter({'2000-01-01 00:00:00' : 'u.fits'}),
        ('N/A', 'B') : 'N/A',
    })""", "", [_dates("A", "B", "2011-01-01")]),
    ("X41", "(('P',), ('Q',), ('DATE-OBS', 'TIME-OBS'))", """Match({
        'A' : Match({'B' : UseAfter({'2010-01-01 00:00:00' : 'deep.fits'})}),
    })""", "", [_dates("A", "B", "2011-01-01")]),
    ("X42", "(('P', 'DESCRIP'),)", "Match({('A', 'some text') : 'c.fits'})",
     "\n    'comment_parkeys' : ('DESCRIP',),", [{"P": "A", "DESCRIP": "other text"}]),
    ("X44", "(('P',),)", "SelectVersion({'<3' : 'three.fits', '<5' : 'five.fits'})", "",
     [{"P": "7"}, {"P": "4"}]),
    ("X45", "(('P', 'Q'),)", "Match({('A', 'B') : 'ab.fits'})",
     "\n    'parkey_relevance' : {'q' : '(ZZZ == \"1\")'},", [{"P": "A", "Q": "B"}]),
    ("X46", "(('P', 'Q'),)", "Match({('A', 'N/A') : 'q_missing.fits', ('B', 'N/A') : 'b.fits'})",
     "\n    'parkey_relevance' : {'p' : '(Q == \"UNDEFINED\")'},", [{"P": "A"}]),
    ("X48", "(('P',),)", "Match({'X|NOTCH' : 'g.fits', 'N/A' : 'na.fits'})", "",
     [{"P": v} for v in ("X", "NOTCH", "NOTCH|X")]),
    ("empty-match", "(('P',),)", "Match({})", "", [{"P": "A"}, {}]),
    ("bracket", "(('P',),)", "Bracket({1.2 : 'a.fits', 1.5 : 'b.fits', 5.0 : 'c.fits'})", "",
     [{"P": v} for v in ("1.25", "1.2", "6.0", "1.0", "x")]),
    ("missing-vs-undefined", "(('P',), ('DATE-OBS', 'TIME-OBS'))",
     "Match({'A' : UseAfter({'2000-01-01 00:00:00' : 'a.fits'})})", "",
     [{"P": "A", "DATE-OBS": "2001-01-01"}, {"P": "A", "DATE-OBS": "UNDEFINED", "TIME-OBS": "x"},
      {"P": "A", "DATE-OBS": "2001-01-01", "TIME-OBS": "25:00:00"}]),
]

LOAD_ERRORS = [
    ("X23", "(('P', 'Q'),)", "Match({('A',) : 'a.fits'})", "wrong length for parameters"),
    ("X25", "(('P',),)", "Foo({'A' : 'a.fits'})", "Selector 'Foo' is not one of supported"),
    ("X47", "(('P',),)", "Match({'ANY' : 'a.fits', '*' : 'b.fits'})",
     "Key ('*',) appears more than once"),
    ("X47b", "(('P',),)", "Match({1 : 'a.fits', '1.0' : 'b.fits'})",
     "Key ('1.0',) appears more than once"),
]


def _ours(text: str):
    return MappingLoader(lambda name: "", ignore_checksum=True).from_text(text, "test.rmap")


def _outcome(mapping, header):
    try:
        result = mapping.get_best_references(dict(header))
    except Exception as exc:
        return ("raised", str(exc))
    return {k: tuple(map(repr, v)) if isinstance(v, tuple) else v for k, v in result.items()}


@pytest.fixture
def quiet_opencrds():
    """The opencrds logger at ERROR for one test (setLevel, so its level cache follows)."""
    logger = logging.getLogger("opencrds")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.oracle
@pytest.mark.parametrize(("case", "parkey", "selector", "extra", "headers"), CASES,
                         ids=[c[0] for c in CASES])
def test_synthetic_rmap_matches_crds(case, parkey, selector, extra, headers, oracle_env,
                                     quiet_opencrds):
    from crds.core.rmap import ReferenceMapping

    text = _rmap(parkey, selector, extra)
    theirs = ReferenceMapping.from_string(text, "test.rmap", ignore_checksum=True)
    ours = _ours(text)
    for header in headers:
        assert _outcome(ours, header) == _outcome(theirs, header), header


@pytest.mark.parametrize(("case", "parkey", "selector", "message"), LOAD_ERRORS,
                         ids=[c[0] for c in LOAD_ERRORS])
def test_load_errors(case, parkey, selector, message):
    with pytest.raises(MappingError, match=re.escape(message)):
        _ours(_rmap(parkey, selector))
