"""The submission forms (SERVER.md §1.13–§1.20; the fields ``crds submit`` posts, PROTOCOL.md §7.3).

Every form that starts from a context takes it the CRDS way: ``pmap_mode`` ``pmap_edit`` or
``pmap_latest`` (the server's edit or operational context), or ``pmap_text``/``pmap_menu``/
``pmap_name`` (a context named by the submitter). :meth:`SubmissionForm.derive_from` resolves it
to a pmap of the catalog.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from ..catalog import queries
from ..catalog.models import FileRecord
from . import redcat

#: What a description ("Reason for Delivery") may contain (SERVER.md §1.17).
DESCRIPTION_RE = re.compile(r"[A-Za-z0-9._,/=+\-\s]*")
CHANGE_LEVELS = [(level, level) for level in ("SEVERE", "MODERATE", "TRIVIAL")]
PMAP_MODES = ("pmap_edit", "pmap_latest", "pmap_operational", "pmap_text", "pmap_menu")
NAME_LIST_RE = re.compile(r"[\s,]+")


def name_list(text: str) -> list[str]:
    """Names separated by spaces, commas or new lines."""
    return [name for name in NAME_LIST_RE.split(text or "") if name]


class ContextForm(forms.Form):
    """A form that starts from a context (derive-from or comparison context)."""

    pmap_mode = forms.CharField(required=False, max_length=32)
    pmap_name = forms.CharField(required=False, max_length=128)
    pmap_text = forms.CharField(required=False, max_length=128, label="Context")
    pmap_menu = forms.CharField(required=False, max_length=128)
    instrument = forms.CharField(required=False, max_length=32)
    jpoll_key = forms.CharField(required=False, max_length=128)

    def __init__(self, *args: Any, observatory: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.observatory = observatory

    def clean_pmap_mode(self) -> str:
        mode = self.cleaned_data.get("pmap_mode") or "pmap_edit"
        if mode not in PMAP_MODES:
            raise forms.ValidationError(f"unknown pmap_mode '{mode}'")
        return mode

    def derive_from(self) -> str:
        """The pmap the submission starts from, resolved against the catalog."""
        data = self.cleaned_data
        mode = data.get("pmap_mode") or "pmap_edit"
        contexts = queries.default_contexts(self.observatory)
        if mode == "pmap_edit":
            name = contexts.get("edit", "")
        elif mode in ("pmap_latest", "pmap_operational"):
            name = contexts.get("operational", "")
        elif mode == "pmap_menu":  # the page's picker sends its text box too: the menu wins
            name = data.get("pmap_menu") or data.get("pmap_name") or ""
        else:
            name = data.get("pmap_text") or data.get("pmap_name") or data.get("pmap_menu") or ""
        name = name.strip()
        if not name.endswith(".pmap") or not FileRecord.objects.filter(
                observatory=self.observatory, name=name, type=FileRecord.Kind.MAPPING).exists():
            raise forms.ValidationError(
                f"context '{name}' is not a pipeline context (.pmap) of {self.observatory}")
        return name


class DescribedForm(ContextForm):
    """A form that delivers something: change level, creator and a reason."""

    change_level = forms.ChoiceField(choices=CHANGE_LEVELS, initial="SEVERE")
    creator = forms.CharField(required=False, max_length=128, label="Creator (author)")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=10000,
                                  label="Description (reason for delivery)")
    auto_rename = forms.BooleanField(required=False, initial=True, label="Auto-rename")
    compare_old_reference = forms.BooleanField(required=False, initial=True,
                                               label="Compare old reference")

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError("a description is required")
        if not DESCRIPTION_RE.fullmatch(text):
            bad = sorted(set(re.sub(r"[A-Za-z0-9._,/=+\-\s]", "", text)))
            raise forms.ValidationError(
                "the description may hold only letters, digits, whitespace and . _ , / = - +; "
                f"not {' '.join(repr(c) for c in bad)}")
        return text


class BatchForm(DescribedForm):
    """Batch submit references (``/batch_submit_references/``): rename, generate rules."""


class RedcatForm(DescribedForm):
    """Extended batch submit references with the ReDCaT fields."""

    def __init__(self, *args: Any, instruments: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(redcat.form_fields(instruments))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key, allowed, message in redcat.REQUIRED_ANSWERS:
            if key in data and data[key] not in allowed:
                self.add_error(key, message)
        return data

    def redcat_values(self) -> dict[str, Any]:
        """The ReDCaT answers, as stored with the submission."""
        return {key: self.cleaned_data.get(key) for key in redcat.KEYS}


class ReferencesForm(DescribedForm):
    """Submit references without rules generation (``/submit/reference/``)."""


class MappingsForm(DescribedForm):
    """Submit mappings (``/submit/mapping/``), optionally generating new imaps and a pmap."""

    generate_contexts = forms.BooleanField(required=False, initial=True,
                                           label="Generate contexts")


class AddDeleteForm(ContextForm):
    """Add existing references to, or delete references from, the derived rules."""

    names = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Files",
                            max_length=100000)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    change_level = forms.ChoiceField(choices=CHANGE_LEVELS, initial="SEVERE", required=False)

    def __init__(self, *args: Any, field_name: str = "added_files", **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        if data is not None and "names" not in data:  # CRDS's own field names
            data = data.copy()
            data["names"] = data.get("added_files") or data.get("deleted_files") or ""
            args = (data, *args[1:])
        super().__init__(*args, **kwargs)

    def clean_names(self) -> list[str]:
        names = name_list(self.cleaned_data["names"])
        if not names:
            raise forms.ValidationError("give at least one file name")
        known = set(FileRecord.objects.filter(observatory=self.observatory, name__in=names,
                                              type=FileRecord.Kind.REFERENCE)
                    .values_list("name", flat=True))
        unknown = [name for name in names if name not in known]
        if unknown:
            raise forms.ValidationError(f"not references of {self.observatory}: "
                                        + ", ".join(unknown))
        return names


class CertifyForm(ContextForm):
    """Certify uploaded files against a comparison context; changes nothing."""

    compare_old_reference = forms.BooleanField(required=False, initial=True,
                                               label="Compare old reference")


class DifferenceForm(forms.Form):
    """Difference two files, each a catalog name or an uploaded file."""

    file1 = forms.CharField(max_length=255)
    file2 = forms.CharField(max_length=255)
    jpoll_key = forms.CharField(required=False, max_length=128)


def form_errors(form: forms.Form) -> str:
    """A form's errors as one line: ``field: message; ...``."""
    parts = []
    for name, errors in form.errors.items():
        label = "" if name == "__all__" else f"{name}: "
        parts.append(label + " ".join(str(e) for e in errors))
    return "; ".join(parts)
