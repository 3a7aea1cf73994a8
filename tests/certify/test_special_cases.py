"""Equal-weight special cases of Match selectors."""

from __future__ import annotations

from opencrds.certify.special_cases import case_parts, is_special_case


def _special(small: object, big: object) -> bool:
    a, b = case_parts(small), case_parts(big)
    assert a is not None and b is not None
    return is_special_case(a, b)


def test_subset_with_equal_weight() -> None:
    assert _special(("HRC", "C", 2.0), ("HRC", "A|C|D", "1.0|2.0|4.0"))
    assert _special(("WFI01", "F158"), ("WFI01", "F158|F184|F213"))
    assert not _special(("WFI01", "F158|F184"), ("WFI01", "F158"))
    assert not _special(("WFI01", "F158"), ("WFI01", "F158"))
    assert not _special(("WFI01", "F158"), ("*", "F158|F184"))  # different weights
    assert case_parts(("between 1 2", "X")) is None
