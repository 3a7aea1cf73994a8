"""The submission form: which URL a ``--submission-kind`` posts to and the fields it sends
(PROTOCOL.md §7.3 steps 2 and 8), with the ReDCaT parameters of ``--redcat-parameters``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ...rules.errors import CrdsError

#: ``--submission-kind`` -> form URL (``none``: upload only, no form).
FORM_URLS = {
    "batch": "/batch_submit_references/",
    "redcat": "/submission_form/redcat_submit/",
    "certify": "/certify/",
    "references": "/submit/reference/",
    "mappings": "/submit/mapping/",
    "none": None,
}
CHANGE_LEVELS = ("SEVERE", "MODERATE", "TRIVIAL")


class FormError(CrdsError):
    """The submission parameters are unusable (a bad ReDCaT parameter file)."""


@dataclass(frozen=True)
class DeriveFrom:
    """The context a submission derives from: the form's ``pmap_mode`` and ``pmap_name``."""

    mode: str  # pmap_edit, pmap_latest or pmap_text
    name: str


def pmap_mode(spec: str) -> str:
    """``pmap_edit`` for ``…-edit``, ``pmap_latest`` for ``…-latest``, else ``pmap_text``."""
    if spec.endswith("-edit"):
        return "pmap_edit"
    if spec.endswith("-latest"):
        return "pmap_latest"
    return "pmap_text"


def form_value(value: Any) -> str:
    """A form value as crds sends it: booleans ``True``/``False``, lists comma-joined."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return ", ".join(form_value(item) for item in value)
    return "" if value is None else str(value)


def read_redcat_parameters(path: str | Path) -> dict[str, str]:
    """The ReDCaT form fields of a YAML mapping ``{key: value}``, as form strings."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FormError(f"Cannot read ReDCaT parameters '{path}': {exc}") from None
    except yaml.YAMLError as exc:
        raise FormError(f"ReDCaT parameters '{path}' are not valid YAML: "
                        f"{' '.join(str(exc).split())}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise FormError(f"ReDCaT parameters '{path}' must be a mapping of form fields, "
                        f"got {type(data).__name__}")
    return {str(key): form_value(value) for key, value in data.items()}


def submission_fields(*, kind: str, derive: DeriveFrom, instrument: str, change_level: str,
                      description: str, creator: str | None = None, auto_rename: bool = True,
                      compare_old_reference: bool = True, jpoll_key: str | None = None,
                      redcat: Mapping[str, str] | None = None) -> dict[str, str]:
    """The fields POSTed to the form of ``kind`` (the CSRF token is added by the session).

    ``/certify/`` receives only ``pmap_name``, ``pmap_mode`` and ``compare_old_reference``;
    ``creator`` is left out when not given; ``pmap_text`` is sent with ``pmap_mode=pmap_text``
    only; ReDCaT fields are added last (their ``instrument`` replaces the base one).
    ``jpoll_key`` (ours) names the channel the server streams the processing to."""
    if kind == "certify":
        fields = {"pmap_mode": derive.mode, "pmap_name": derive.name,
                  "compare_old_reference": form_value(compare_old_reference)}
    else:
        fields = {"pmap_mode": derive.mode, "pmap_name": derive.name, "instrument": instrument,
                  "change_level": change_level, "description": description,
                  "auto_rename": form_value(auto_rename),
                  "compare_old_reference": form_value(compare_old_reference)}
        if creator is not None:
            fields["creator"] = creator
        if derive.mode == "pmap_text":
            fields["pmap_text"] = derive.name
        if kind == "redcat":
            fields.update(redcat or {})
    if jpoll_key:
        fields["jpoll_key"] = jpoll_key
    return fields
