"""The dataset part of the best-references form (the contexts come from the picker)."""

from __future__ import annotations

from django import forms

MODES = [("upload", "Upload a dataset file (FITS, ASDF or JSON)"),
         ("ids", "Dataset ids")]


class DatasetForm(forms.Form):
    """Which dataset(s): an uploaded file or ids of the catalog's datasets."""

    dataset_mode = forms.ChoiceField(choices=MODES, initial="upload", widget=forms.RadioSelect)
    dataset_file = forms.FileField(required=False)
    dataset_ids = forms.CharField(required=False, max_length=10000, widget=forms.Textarea)
    compare = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        mode = data.get("dataset_mode")
        if mode == "upload" and not data.get("dataset_file"):
            self.add_error("dataset_file", "Choose a dataset file to upload.")
        if mode == "ids" and not (data.get("dataset_ids") or "").strip():
            self.add_error("dataset_ids", "Give at least one dataset id.")
        return data


def form_errors(form: forms.Form) -> str:
    """The form's errors as one line naming the fields."""
    labels = {"dataset_mode": "Dataset", "dataset_file": "Dataset file",
              "dataset_ids": "Dataset ids"}
    parts = []
    for name, errors in form.errors.items():
        label = "" if name == "__all__" else f"{labels.get(name, name)}: "
        parts.append(label + " ".join(str(e) for e in errors))
    return "; ".join(parts)
