"""Logical mapping differences on small synthetic mappings."""

from __future__ import annotations

from opencrds.rules.diff import logical_diffs
from opencrds.rules.parser import parse_mapping_text

HEADER = ("header = {'name' : '%s', 'observatory' : 'TOBS', 'mapping' : 'REFERENCE', "
          "'parkey' : (('DETECTOR',), ('DATE-OBS', 'TIME-OBS'))}\n")
PMAP = "header = {'name' : '%s', 'mapping' : 'PIPELINE'}\nselector = {'TINSTR' : '%s'}\n"
TEXTS = {
    "a.rmap": HEADER % "a.rmap" + "selector = Match({('X',) : UseAfter({"
              "'2000-01-01 00:00:00' : 'x1.fits', '2001-01-01 00:00:00' : 'x2.fits'}),"
              "('Y',) : UseAfter({'2000-01-01 00:00:00' : 'y1.fits'})})\n",
    "b.rmap": HEADER % "b.rmap" + "selector = Match({('X',) : UseAfter({"
              "'2000-01-01 00:00:00' : 'x9.fits', '2002-01-01 00:00:00' : 'x3.fits'}),"
              "('Z',) : UseAfter({'2000-01-01 00:00:00' : 'z1.fits'})})\n",
    "a.pmap": PMAP % ("a.pmap", "a.rmap"),
    "b.pmap": PMAP % ("b.pmap", "b.rmap"),
}


def load(name: str):
    return parse_mapping_text(TEXTS[name], name)


def test_rmap_differences() -> None:
    diffs = logical_diffs("a.pmap", "b.pmap", load)
    pair = ("a.pmap", "b.pmap"), ("a.rmap", "b.rmap")
    assert diffs == [
        (*pair, ("X",), ("2000-01-01", "00:00:00"), "replaced x1.fits with x9.fits"),
        (*pair, ("X",), ("2001-01-01", "00:00:00"), "deleted terminal x2.fits"),
        (*pair, ("X",), ("2002-01-01", "00:00:00"), "added terminal x3.fits"),
        (*pair, ("Y",), ("2000-01-01", "00:00:00"), "deleted Match rule for y1.fits"),
        (*pair, ("Z",), ("2000-01-01", "00:00:00"), "added Match rule for z1.fits"),
        (("a.pmap", "b.pmap"), ("tinstr",), "replaced a.rmap with b.rmap"),
    ]
    assert logical_diffs("a.pmap", "a.pmap", load) == []
