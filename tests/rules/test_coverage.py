"""Coverage analysis of rmaps (opencrds.rules.coverage) on small synthetic rmaps.

Each finding kind is checked exactly, and the "uncovered" verdicts are cross-checked against
real selection (``get_best_references``) on every mode of the value space.
"""

from __future__ import annotations

import itertools

import pytest

from opencrds.rules.coverage import (
    OTHER,
    ContextCoverage,
    Overlap,
    RmapCoverage,
    UncoveredMode,
    UnreachableRow,
    column_space,
    mapping_coverage,
    rmap_coverage,
)
from opencrds.rules.loader import MappingLoader

NAME = "tobs_tinstr_tfilekind_0001.rmap"


def rmap_text(rows: str, parkey: str = "(('P', 'Q'), ('DATE-OBS', 'TIME-OBS'))",
              extra: str = "") -> str:
    return f"""header = {{
    'derived_from' : 'hand written',
    'filekind' : 'TFILEKIND',
    'instrument' : 'TINSTR',
    'mapping' : 'REFERENCE',
    'name' : '{NAME}',
    'observatory' : 'TOBS',
    'parkey' : {parkey},
{extra}}}

selector = Match({{
{rows}}})
"""


def load(rows: str, **kwargs: str):
    text = rmap_text(rows, **kwargs)
    return MappingLoader(lambda name: text, ignore_checksum=True).from_text(text, NAME)


def ua(*pairs: str) -> str:
    """A UseAfter body from ``date:file`` pairs."""
    body = ", ".join(f"'{d} 00:00:00' : '{f}'" for d, f in (p.split("=") for p in pairs))
    return f"UseAfter({{{body}}})"


def engine_uncovered(rmap, result: RmapCoverage) -> set[tuple[str, ...]]:
    """Modes of the value space for which real selection finds nothing."""
    missing = set()
    for mode in itertools.product(*(result.value_space[p] for p in result.parameters)):
        header = {p: ("ZZZ_NOT_IN_RMAP" if v == OTHER else v)
                  for p, v in zip(result.parameters, mode, strict=True)}
        header.update({"DATE-OBS": "2099-01-01", "TIME-OBS": "00:00:00"})
        value = rmap.get_best_references(header)[rmap.filekind]
        if isinstance(value, str) and value.startswith("NOT FOUND") and value != "NOT FOUND n/a":
            missing.add(mode)
    return missing


def analysis_uncovered(result: RmapCoverage) -> set[tuple[str, ...]]:
    found = set()
    for mode in result.uncovered:
        spaces = [result.value_space[p] if v is None else v
                  for p, v in zip(result.parameters, mode.values, strict=True)]
        found.update(itertools.product(*spaces))
    return found


def check_against_engine(rmap, result: RmapCoverage) -> None:
    assert analysis_uncovered(result) == engine_uncovered(rmap, result)
    assert sum(m.combinations for m in result.uncovered) == len(analysis_uncovered(result))


# ---- value space ------------------------------------------------------------------------------


def test_column_space_splits_alternatives_and_opens_wildcard_columns() -> None:
    assert column_space(["A|B", "C"]) == ["A", "B", "C"]
    assert column_space(["A", "N/A"]) == ["A", OTHER]
    assert column_space(["A", "*"]) == ["A", OTHER]
    assert column_space(["N/A"]) == [OTHER]
    assert column_space(["A", "N/A"], extra=["b", "1"]) == ["1.0", "A", "B"]  # closed
    assert column_space(["FR*", "N/A"]) == ["FR...", OTHER]


def test_column_space_of_ranges_has_a_point_in_every_interval() -> None:
    space = column_space(["BETWEEN 10 20", "BETWEEN 20 30"])
    assert set(space) == {"9.0", "10.0", "15.0", "20.0", "25.0", "30.0", "31.0", OTHER}


# ---- uncovered modes --------------------------------------------------------------------------


def test_uncovered_mode_is_the_missing_combination() -> None:
    rmap = load("""    ('A', 'B') : 'ab.fits',
    ('C', 'N/A') : 'c.fits',
""")
    result = rmap_coverage(rmap)
    assert result.value_space == {"P": ("A", "C"), "Q": ("B", OTHER)}
    assert result.uncovered == [UncoveredMode((("A",), (OTHER,)), 1, "no row matches")]
    assert result.unreachable == [] and result.overlaps == []
    assert result.combinations == 4 and result.not_enumerated == 0
    check_against_engine(rmap, result)


def test_uncovered_whole_subspace_is_one_entry_with_any_values() -> None:
    rmap = load("""    ('A', 'B|C') : 'a.fits',
    ('D', 'B') : 'd.fits',
    ('D', 'C') : 'd2.fits',
""", parkey="(('P', 'Q'),)")
    result = rmap_coverage(rmap, {"P": ["A", "D", "E"]})
    assert result.uncovered == [UncoveredMode((("E",), None), 2, "value not accepted by the rmap")]
    check_against_engine(rmap, result)


def test_given_values_close_the_column() -> None:
    """Given valid values replace <other>: the N/A row then serves no valid value."""
    rows = """    ('A',) : 'a.fits',
    ('N/A',) : 'na.fits',
"""
    open_result = rmap_coverage(load(rows, parkey="(('P',),)"))
    assert open_result.value_space["P"] == ("A", OTHER)
    assert open_result.unreachable == []
    closed = rmap_coverage(load(rows, parkey="(('P',),)"), {"P": ["A"]})
    assert closed.value_space["P"] == ("A",)
    assert closed.unreachable == [
        UnreachableRow(("N/A",), "shadowed by better rows", (("A",),))]


def test_na_terminal_counts_as_covered() -> None:
    rmap = load("""    ('A',) : 'N/A',
    ('B',) : 'b.fits',
""", parkey="(('P',),)")
    result = rmap_coverage(rmap)
    assert result.issues == 0
    check_against_engine(rmap, result)


def test_between_and_not_fields() -> None:
    rmap = load("""    ('BETWEEN 10 20', 'NOT X') : 'low.fits',
    ('BETWEEN 20 30', 'X') : 'high.fits',
""")
    result = rmap_coverage(rmap)
    assert set(result.value_space["Q"]) == {"X", OTHER}
    uncovered = analysis_uncovered(result)
    assert ("25.0", OTHER) in uncovered and ("15.0", "X") in uncovered
    assert ("15.0", OTHER) not in uncovered and ("25.0", "X") not in uncovered
    assert ("9.0", "X") in uncovered and ("30.0", OTHER) in uncovered
    check_against_engine(rmap, result)


# ---- unreachable rows -------------------------------------------------------------------------


def test_star_row_shadows_na_row() -> None:
    rmap = load(f"""    ('A', '*') : {ua('2000-01-01=star.fits')},
    ('A', 'N/A') : {ua('2000-01-01=na.fits')},
""")
    result = rmap_coverage(rmap)
    assert result.unreachable == [
        UnreachableRow(("A", "N/A"), "shadowed by better rows", (("A", "*"),))]
    assert result.uncovered == [] and result.overlaps == []


def test_fall_through_to_an_earlier_useafter_keeps_a_row_reachable() -> None:
    """A better row whose UseAfter starts later lets the N/A row serve earlier dates."""
    later = load(f"""    ('A', '*') : {ua('2020-01-01=star.fits')},
    ('A', 'N/A') : {ua('2000-01-01=na.fits')},
""")
    assert rmap_coverage(later).unreachable == []
    header = {"P": "A", "Q": "Z", "DATE-OBS": "2010-01-01", "TIME-OBS": "00:00:00"}
    assert later.get_best_references(header) == {"tfilekind": "na.fits"}
    earlier = load(f"""    ('A', '*') : {ua('2000-01-01=star.fits')},
    ('A', 'N/A') : {ua('2020-01-01=na.fits')},
""")
    assert [r.key for r in rmap_coverage(earlier).unreachable] == [("A", "N/A")]


def test_empty_useafter_row_is_unreachable_and_its_mode_uncovered() -> None:
    rmap = load("""    ('A',) : UseAfter({}),
    ('B',) : UseAfter({'2000-01-01 00:00:00' : 'b.fits'}),
""", parkey="(('P',), ('DATE-OBS', 'TIME-OBS'))")
    result = rmap_coverage(rmap)
    assert result.unreachable == [UnreachableRow(("A",), "empty selector")]
    assert result.uncovered == [
        UncoveredMode((("A",),), 1, "only rows with empty selectors match")]
    check_against_engine(rmap, result)


def test_row_matching_no_mode() -> None:
    """A bare relation fails validation for every number (RULES.md X05): never selected."""
    rmap = load("""    ('A', '>1.5') : 'gt.fits',
    ('B', 'X') : 'x.fits',
""")
    result = rmap_coverage(rmap)
    assert result.unreachable == [
        UnreachableRow(("A", ">1.5"), "matches no mode of the value space")]
    assert rmap.get_best_references({"P": "A", "Q": "2.5"})["tfilekind"].startswith(
        "NOT FOUND  parameter='Q'")
    check_against_engine(rmap, result)


# ---- overlaps ---------------------------------------------------------------------------------


def test_or_alternatives_overlap_as_a_tuple_of_terminals() -> None:
    rmap = load("""    ('A|B', 'X') : 'ab.fits',
    ('B', 'X') : 'b.fits',
""")
    result = rmap_coverage(rmap)
    assert result.overlaps == [Overlap(("A|B", "X"), ("B", "X"), ("B", "X"), "tuple")]
    assert result.unreachable == []
    header = {"P": "B", "Q": "X"}
    assert rmap.get_best_references(header) == {"tfilekind": ("ab.fits", "b.fits")}


def test_glob_and_literal_tie_and_useafters_merge() -> None:
    rmap = load(f"""    ('A', '*') : {ua('2000-01-01=star.fits')},
    ('A', 'B') : {ua('2001-01-01=ab.fits')},
    ('C', 'B') : {ua('2001-01-01=cb.fits')},
""")
    result = rmap_coverage(rmap)
    assert result.overlaps == [Overlap(("A", "*"), ("A", "B"), ("A", "B"), "merged")]
    assert result.overlaps_total == 1
    check_against_engine(rmap, result)


def test_overlap_outcomes_error_and_mixed() -> None:
    rows = f"""    ('A', '*') : 'star.fits',
    ('A', 'B') : {ua('2001-01-01=ab.fits')},
"""
    assert rmap_coverage(load(rows)).overlaps[0].outcome == "mixed"
    strict = load(rows, extra="    'merge_overlaps' : 'False',\n")
    assert rmap_coverage(strict).overlaps[0].outcome == "error"


def test_parkey_relevance_turns_a_column_into_na_and_makes_rows_tie() -> None:
    rows = """    ('IR', '2.0') : 'ir2.fits',
    ('IR', 'N/A') : 'ir.fits',
    ('UVIS', '1.0') : 'uvis.fits',
"""
    plain = rmap_coverage(load(rows))
    assert plain.overlaps == []
    relevance = "    'parkey_relevance' : {'q' : '(P == \"UVIS\")'},\n"
    rmap = load(rows, extra=relevance)
    result = rmap_coverage(rmap)
    assert [(o.first, o.second, o.example) for o in result.overlaps] == [
        (("IR", "2.0"), ("IR", "N/A"), ("IR", "N/A"))]
    assert rmap.get_best_references({"P": "IR", "Q": "2.0"}) == {
        "tfilekind": ("ir2.fits", "ir.fits")}
    check_against_engine(rmap, result)


def test_comment_columns_are_ignored_so_their_rows_tie() -> None:
    rmap = load("""    ('A', 'first') : 'one.fits',
    ('A', 'second') : 'two.fits',
""", extra="    'comment_parkeys' : ('Q',),\n")
    result = rmap_coverage(rmap)
    assert result.value_space["Q"] == ("N/A",)
    assert len(result.overlaps) == 1 and result.overlaps[0].outcome == "tuple"


def test_rmap_relevance_excludes_modes_and_rows() -> None:
    rows = """    ('A', 'B') : 'ab.fits',
    ('C', 'B') : 'cb.fits',
    ('D', 'X') : 'dx.fits',
"""
    plain = rmap_coverage(load(rows))
    assert plain.not_applicable == 0 and plain.unreachable == []
    assert analysis_uncovered(plain) == {("A", "X"), ("C", "X"), ("D", "B")}
    result = rmap_coverage(load(rows, extra="    'rmap_relevance' : '(P != \"C\")',\n"))
    assert result.not_applicable == 2  # (C, B) and (C, X)
    assert analysis_uncovered(result) == {("A", "X"), ("D", "B")}
    assert result.unreachable == [
        UnreachableRow(("C", "B"), "matches only modes where the rmap does not apply")]


def test_relevance_on_other_keywords_counts_as_applying() -> None:
    """Like lookup: an expression that cannot be evaluated leaves the type relevant."""
    rows = "    ('A', 'B') : 'ab.fits',\n    ('C', 'X') : 'cx.fits',\n"
    extra = "    'rmap_relevance' : '((P != \"C\") and (SWITCH != \"OMIT\"))',\n"
    result = rmap_coverage(load(rows, extra=extra))
    assert result.not_applicable == 2  # P == C is decided without SWITCH
    assert analysis_uncovered(result) == {("A", "X")}
    assert [r.key for r in result.unreachable] == [("C", "X")]


# ---- size limits, contexts, other selectors ---------------------------------------------------


def test_search_budget_reports_what_was_not_enumerated() -> None:
    values = [f"V{i}" for i in range(12)]
    rows = "".join(f"    ('{a}', '{b}', '{c}') : '{a}{b}{c}.fits',\n"
                   for a, b, c in itertools.product(values, values[:6], values[:4]))
    rmap = load(rows, parkey="(('P', 'Q', 'R'),)")
    full = rmap_coverage(rmap)
    assert full.combinations == 12 * 6 * 4 and full.not_enumerated == 0
    assert full.uncovered_total == 0
    cut = rmap_coverage(rmap, max_nodes=20)
    assert 0 < cut.not_enumerated <= full.combinations
    assert f"not enumerated: {cut.not_enumerated} combinations" in cut.notes[0]


def test_unreachable_rows_are_decided_even_when_the_search_is_cut() -> None:
    rows = "".join(f"    ('V{i}', 'B') : 'v{i}.fits',\n" for i in range(40))
    rows += "    ('V0', '*') : 'star.fits',\n    ('V0', 'N/A') : 'na.fits',\n"
    cut = rmap_coverage(load(rows), max_nodes=10)
    assert cut.not_enumerated > 0
    assert [(r.key, r.shadowed_by) for r in cut.unreachable] == [
        (("V0", "N/A"), (("V0", "*"), ("V0", "B")))]


def test_findings_are_capped_but_counted() -> None:
    rows = "".join(f"    ('A{i}', 'B{i}') : 'f{i}.fits',\n" for i in range(30))
    result = rmap_coverage(load(rows), max_findings=5)
    assert result.uncovered_total == 30 and len(result.uncovered) == 5
    assert result.uncovered_combinations == 30 * 29


def test_non_match_top_selector_is_noted() -> None:
    text = rmap_text("", parkey="(('P',),)").replace(
        "selector = Match({\n})", "selector = VersionAfter({'1.0' : 'a.fits'})")
    rmap = MappingLoader(lambda n: text, ignore_checksum=True).from_text(text, NAME)
    result = rmap_coverage(rmap)
    assert result.issues == 0 and "not Match" in result.notes[0]


def test_mapping_coverage_of_an_rmap_and_an_empty_match() -> None:
    report = mapping_coverage(load("", parkey="(('P',),)"))
    assert isinstance(report, ContextCoverage) and len(report.rmaps) == 1
    assert report.rmaps[0].uncovered_total == 1 and report.issues == 1


@pytest.mark.parametrize("rows", [
    "    ('A|B', '*') : 'x.fits',\n    ('B', 'C|D') : 'y.fits',\n    ('N/A', 'D') : 'z.fits',\n",
    "    ('(A.*)', 'C') : 'r.fits',\n    ('AB', 'N/A') : 'ab.fits',\n",
    "    ('NOT A', 'C|D') : 'n.fits',\n    ('A', 'N/A') : 'a.fits',\n",
])
def test_uncovered_agrees_with_selection(rows: str) -> None:
    rmap = load(rows)
    check_against_engine(rmap, rmap_coverage(rmap))
