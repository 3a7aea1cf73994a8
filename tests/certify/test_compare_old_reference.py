"""``CertifyOptions.compare_old_reference``: a submission's "Compare Old Reference" off skips
looking up the table a new one replaces (SERVER.md §1.16); on, certify looks it up as crds."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencrds.certify import certify_files
from opencrds.certify.context import CertifyOptions

pytestmark = [pytest.mark.shared_data]


def _messages(path: Path, cache: Path, compare: bool) -> list[str]:
    options = CertifyOptions(observatory="hst", cache=str(cache),
                             comparison_context="hst_0729.pmap", compare_old_reference=compare)
    return [str(message) for result in certify_files([str(path)], options).files
            for _, message in result.messages]


def test_the_replaced_table_is_looked_up_only_when_asked(crds_cache: Path,
                                                         crds_test_data: Path) -> None:
    table = crds_test_data / "hst" / "y951738kl_hv.fits"  # replaces ybp2015il_hv.fits
    lookup = "Failed to obtain reference comparison file 'ybp2015il_hv.fits'"
    assert any(lookup in message for message in _messages(table, crds_cache, True))
    assert not any(lookup in message for message in _messages(table, crds_cache, False))
