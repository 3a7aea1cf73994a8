"""The ReDCaT delivery fields of the extended batch form (SERVER.md §1.17), defined once.

:data:`FIELDS` builds the Django form fields (:func:`form_fields`) and the public YAML
description that ``crds.submit`` clients read (:func:`description_yaml`, served at
``/submission_form/redcat_description.yml``). Some answers are reminders of ReDCaT rules and
must be given for the delivery to go on (:data:`REQUIRED_ANSWERS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from django import forms

YES_NO_NA = ("N/A", "No", "Yes")


@dataclass(frozen=True)
class RedcatField:
    """One ReDCaT field: its key, label, kind (CharField, BooleanField, TypedChoiceField)."""

    key: str
    label: str
    type: str = "CharField"
    required: bool = False
    choices: tuple[str, ...] = ()
    initial: Any = None
    help_text: str = ""
    widget: str = field(default="", compare=False)

    def describe(self) -> dict[str, Any]:
        """This field as the YAML description lists it."""
        item: dict[str, Any] = {"key": self.key, "label": self.label, "type": self.type,
                                "required": self.required}
        if self.initial is not None:
            item["initial"] = self.initial
        if self.choices:
            item["choices"] = [[c, c] for c in self.choices]
        if self.help_text:
            item["help_text"] = self.help_text
        return item

    def form_field(self, instruments: tuple[str, ...]) -> forms.Field:
        """The Django form field of this ReDCaT field (``instrument`` offers ``instruments``)."""
        if self.type == "BooleanField":
            return forms.BooleanField(label=self.label, required=False, initial=self.initial,
                                      help_text=self.help_text)
        choices = instruments if self.key == "instrument" else self.choices
        if choices:
            return forms.ChoiceField(label=self.label, required=self.required,
                                     choices=[(c, c) for c in choices], initial=self.initial,
                                     help_text=self.help_text)
        widget = forms.Textarea(attrs={"rows": 3}) if self.widget == "textarea" else None
        return forms.CharField(label=self.label, required=self.required, max_length=4000,
                               widget=widget, help_text=self.help_text)


FIELDS: tuple[RedcatField, ...] = (
    RedcatField("deliverer", "Name of deliverer", required=True),
    RedcatField("other_email", "Other e-mail addresses to notify (comma separated)"),
    RedcatField("instrument", "Instrument", "TypedChoiceField", required=True),
    RedcatField("file_type", "Type of files (bias, dark, ...)", required=True),
    RedcatField("history_updated", "Has HISTORY been updated to describe the changes?",
                "BooleanField"),
    RedcatField("pedigree_updated", "Has PEDIGREE been updated?", "BooleanField"),
    RedcatField("keywords_checked", "Have the keywords been checked?", "BooleanField"),
    RedcatField("descrip_updated", "Has DESCRIP been updated?", "BooleanField"),
    RedcatField("useafter_updated", "Has USEAFTER been updated?", "BooleanField"),
    RedcatField("useafter_matches", "Does the USEAFTER match the previous files' where they "
                "replace them?", "TypedChoiceField", True, YES_NO_NA, "N/A"),
    RedcatField("compliance_verified", "Has the files' compliance with the calibration "
                "software been verified?", "TypedChoiceField", True, YES_NO_NA, "Yes"),
    RedcatField("ingest_files", "Should the affected datasets be reprocessed?", "BooleanField"),
    RedcatField("etc_delivery", "Should the files go to the ETC?", "BooleanField"),
    RedcatField("jwst_etc", "Are these JWST ETC files?", "BooleanField"),
    RedcatField("calpipe_version", "Calibration software version the files were tested with",
                required=True),
    RedcatField("replacement_files", "Do these files replace others?", "BooleanField"),
    RedcatField("old_reference_files", "Names of the files replaced", widget="textarea"),
    RedcatField("replacing_badfiles", "Do they replace files marked bad?", "TypedChoiceField",
                True, YES_NO_NA, "N/A"),
    RedcatField("jira_issue", "Jira issue"),
    RedcatField("table_rows_changed", "Table rows changed", widget="textarea"),
    RedcatField("modes_affected", "Modes affected", required=True, widget="textarea"),
    RedcatField("correctness_testing", "How was correctness tested?", required=True,
                widget="textarea"),
    RedcatField("additional_considerations", "Additional considerations", widget="textarea"),
)

#: Answers a delivery must give to go on: (key, allowed answers, message).
REQUIRED_ANSWERS: tuple[tuple[str, tuple[Any, ...], str], ...] = (
    ("compliance_verified", ("Yes", "N/A"),
     "compliance with the calibration software must be verified"),
)

KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)


def description() -> list[dict[str, Any]]:
    """The field list of ``/submission_form/redcat_description.yml``."""
    return [f.describe() for f in FIELDS]


def description_yaml() -> str:
    """The YAML text of the field list."""
    return yaml.safe_dump(description(), sort_keys=False)


def form_fields(instruments: tuple[str, ...]) -> dict[str, forms.Field]:
    """The Django form fields of the ReDCaT part of the extended form."""
    return {f.key: f.form_field(instruments) for f in FIELDS}
