"""The forms of the operator pages (the catalog services check the values again)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

#: The context types of the set-context page (``latest`` was ``operational``).
CONTEXT_TYPES = (("latest", "latest"), ("edit", "edit"), ("versions", "versions"),
                 ("build", "build"))
#: What separates the names of the mark-bad files box.
_SEPARATORS = re.compile(r"[\s,]+")


class SetContextForm(forms.Form):
    """Context type, the pmap to set it to, a reason; CAL version and banner for ``build``."""

    context_type = forms.ChoiceField(choices=CONTEXT_TYPES, initial="latest")
    context = forms.ChoiceField(label="Set To", choices=())
    reason = forms.CharField(label="Reason for Change", required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 70}))
    calver = forms.CharField(label="CAL_VER", required=False, max_length=64,
                             widget=forms.TextInput(attrs={"list": "known_calvers"}))
    update_banner = forms.BooleanField(
        label="Update Home Page Banner / Pipeline Build Context", required=False)

    def __init__(self, *args: Any, contexts: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["context"].choices = [(name, name) for name in contexts]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("context_type") == "build" and not (data.get("calver") or "").strip():
            self.add_error("calver", "a CAL version is required for the build context")
        return data


class MarkBadForm(forms.Form):
    """Files (one per line, or separated by spaces or commas), Bad or OK, and a reason."""

    files = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "cols": 60}))
    mark_as = forms.ChoiceField(label="Mark as", choices=(("bad", "Bad"), ("ok", "OK")),
                                widget=forms.RadioSelect, initial="bad")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def clean_files(self) -> list[str]:
        names = [name for name in _SEPARATORS.split(self.cleaned_data["files"]) if name]
        if not names:
            raise forms.ValidationError("name at least one file")
        return list(dict.fromkeys(names))


def form_errors(form: forms.Form) -> str:
    """A form's errors as one line: ``field: message; ...``."""
    return "; ".join(f"{'' if field == '__all__' else field + ': '}{' '.join(messages)}"
                     for field, messages in form.errors.items())
