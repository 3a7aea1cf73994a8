"""The submission form: URLs by kind and the fields of PROTOCOL.md §7.3 step 8."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencrds.tools.submit.form import (
    FORM_URLS,
    DeriveFrom,
    FormError,
    pmap_mode,
    read_redcat_parameters,
    submission_fields,
)

EDIT = DeriveFrom("pmap_edit", "jwst_0541.pmap")


def test_form_urls() -> None:
    assert FORM_URLS == {"batch": "/batch_submit_references/",
                         "redcat": "/submission_form/redcat_submit/", "certify": "/certify/",
                         "references": "/submit/reference/", "mappings": "/submit/mapping/",
                         "none": None}


@pytest.mark.parametrize(("spec", "mode"), [
    ("jwst-edit", "pmap_edit"), ("hst-latest", "pmap_latest"),
    ("jwst_0541.pmap", "pmap_text"), ("jwst-operational", "pmap_text"),
    ("jwst-2024-01-01T00:00:00", "pmap_text")])
def test_pmap_mode(spec: str, mode: str) -> None:
    assert pmap_mode(spec) == mode


def test_batch_fields() -> None:
    fields = submission_fields(kind="batch", derive=EDIT, instrument="miri",
                               change_level="MODERATE", description="new darks",
                               jpoll_key="k-1")
    assert fields == {"pmap_mode": "pmap_edit", "pmap_name": "jwst_0541.pmap",
                      "instrument": "miri", "change_level": "MODERATE",
                      "description": "new darks", "auto_rename": "True",
                      "compare_old_reference": "True", "jpoll_key": "k-1"}


def test_creator_pmap_text_and_switches() -> None:
    fields = submission_fields(kind="batch", derive=DeriveFrom("pmap_text", "jwst_0500.pmap"),
                               instrument="none", change_level="SEVERE", description="d",
                               creator="MIRI Team", auto_rename=False,
                               compare_old_reference=False)
    assert fields["creator"] == "MIRI Team"
    assert fields["pmap_text"] == "jwst_0500.pmap"
    assert fields["auto_rename"] == fields["compare_old_reference"] == "False"
    assert "jpoll_key" not in fields


def test_certify_fields_are_few() -> None:
    fields = submission_fields(kind="certify", derive=EDIT, instrument="miri",
                               change_level="SEVERE", description="d", creator="c",
                               jpoll_key="k")
    assert fields == {"pmap_mode": "pmap_edit", "pmap_name": "jwst_0541.pmap",
                      "compare_old_reference": "True", "jpoll_key": "k"}


def test_redcat_fields_replace_the_instrument(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("deliverer: Jo\ninstrument: acs\nhistory_updated: true\n"
                    "keywords_checked: false\nmodes_affected: [a, b]\n")
    redcat = read_redcat_parameters(path)
    assert redcat == {"deliverer": "Jo", "instrument": "acs", "history_updated": "True",
                      "keywords_checked": "False", "modes_affected": "a, b"}
    fields = submission_fields(kind="redcat", derive=EDIT, instrument="none",
                               change_level="SEVERE", description="d", redcat=redcat)
    assert fields["instrument"] == "acs" and fields["deliverer"] == "Jo"


@pytest.mark.parametrize(("text", "match"), [("- a\n- b\n", "mapping"), ("a: [", "YAML")])
def test_bad_redcat_parameters(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(FormError, match=match):
        read_redcat_parameters(path)


def test_missing_redcat_parameters(tmp_path: Path) -> None:
    with pytest.raises(FormError, match="nope.yaml"):
        read_redcat_parameters(tmp_path / "nope.yaml")
