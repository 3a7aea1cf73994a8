"""Where ``opencrds bestrefs`` gets dataset headers: files, and JSON parameter files.

Parameter files ("pickles" in CRDS) hold ``{dataset_id: {keyword: value}}``: one such object per
line (the ``.json`` form ``crds bestrefs --save-pickle`` writes), or one object for the whole
file. Several files are combined in order: the first replaces, later ones update the headers
field by field. Python ``.pkl`` pickles are refused: loading one can run arbitrary code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common import ToolError, log

Header = dict[str, Any]


@dataclass(frozen=True)
class DatasetSource:
    """One dataset to process: a file (``path``) or a loaded header, under its ``name``."""

    name: str
    path: str | None = None
    header: Header | None = None
    missing: bool = False  # an --only-ids id absent from the parameter files
    raw: Header | None = None  # a parameter file's header as loaded, for failure messages


def condition_header(header: Mapping[str, Any]) -> Header:
    """A loaded header as CRDS uses it: upper-case keys, ``NOT FOUND N/A`` read as ``N/A``."""
    result: Header = {}
    for key, value in header.items():
        if isinstance(value, str) and value.upper().startswith("NOT FOUND N/A"):
            value = "N/A"
        result[str(key).upper()] = value
    return result


def read_file_header(path: str) -> Header:
    """The header of a dataset file; :class:`opencrds.io.HeaderError` when it cannot be read."""
    from ...io import read_header

    return read_header(path)


# ---- parameter files ------------------------------------------------------------------------

def load_parameter_file(path: str) -> dict[str, Header]:
    """``{dataset_id: header}`` from one JSON parameter file (ToolError naming the file)."""
    if path.lower().endswith(".pkl"):
        raise ToolError(f"cannot load '{path}': Python pickle parameter files are not supported "
                        "(loading one can run arbitrary code); save the headers as .json")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ToolError(f"cannot read parameter file '{path}': {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ToolError(f"parameter file '{path}' is not UTF-8 text: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        data = _json_lines(text)
        if data is None:
            raise ToolError(f"parameter file '{path}' is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ToolError(f"parameter file '{path}' must hold a JSON object "
                        f"{{dataset_id: {{keyword: value}}}}, not {_json_type(data)}")
    for dataset_id, header in data.items():
        if not isinstance(header, dict):
            raise ToolError(f"parameter file '{path}': the header of dataset '{dataset_id}' "
                            f"must be a JSON object {{keyword: value}}, not {_json_type(header)}")
    return data


def _json_lines(text: str) -> dict[str, Any] | None:
    """One JSON object per non-blank line, merged; None if any line is not a JSON object."""
    merged: dict[str, Any] = {}
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    for line in lines:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return None
        if not isinstance(item, dict):
            return None
        merged.update(item)
    return merged


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def read_parameter_files(paths: Iterable[str]) -> list[tuple[str, dict[str, Header]]]:
    """Read and check every parameter file first (ToolError naming a bad one)."""
    return [(path, load_parameter_file(path)) for path in paths]


def combine_parameter_files(loaded: Iterable[tuple[str, dict[str, Header]]]
                            ) -> dict[str, Header]:
    """Combine parameter files in order: the first replaces, later ones augment."""
    combined: dict[str, Header] = {}
    for number, (path, headers) in enumerate(loaded):
        log.info("Loading file %r", path)
        how = "completely replacing" if number == 0 else "augmenting"
        log.info("Loaded %d datasets from file %r %s existing headers.", len(headers), path, how)
        for dataset_id, header in headers.items():
            if number == 0:
                combined[dataset_id] = dict(header)
            else:  # as CRDS: the headers a later file touches are conditioned
                merged = {**combined.get(dataset_id, {}), **header}
                combined[dataset_id] = {str(key).upper(): _condition(value)
                                        for key, value in merged.items()}
    return combined


def _condition(value: Any) -> str:
    """A value of an augmented header: CRDS-normalized text, ``NOT FOUND N/A`` as ``N/A``."""
    from ...rules.values import condition_value

    text = condition_value(value)
    return "N/A" if text.startswith("NOT FOUND N/A") else text


def save_headers(path: str, headers: Mapping[str, Mapping[str, Any]]) -> None:
    """Write headers as one ``{dataset_id: header}`` JSON object per line, sorted by id."""
    if path.lower().endswith(".pkl"):
        raise ToolError(f"cannot write '{path}': opencrds writes parameter files as .json only")
    log.info("Writing all headers to %r", path)
    try:
        with open(path, "w", encoding="utf-8") as stream:
            for dataset_id, header in sorted(headers.items()):
                stream.write(json.dumps({dataset_id: header}, default=str) + "\n")
    except OSError as exc:
        raise ToolError(f"cannot write '{path}': {exc.strerror or exc}") from None
    log.info("Done writing %r", path)


# ---- the list of sources --------------------------------------------------------------------

def make_sources(files: list[str] | None, parameters: Mapping[str, Header],
                 only_ids: list[str] | None, drop_ids: Iterable[str]) -> list[DatasetSource]:
    """The datasets to process, sorted by name, after ``--only-ids`` and ``--drop-ids``.

    With files, a parameter file's header of the same name augments the file's header. Without
    files, ``--only-ids`` names the datasets to take from the parameter files; one that is not
    there gives a source marked ``missing``.
    """
    dropped = set(drop_ids)
    sources: list[DatasetSource] = []
    if files is not None:
        wanted = set(only_ids) if only_ids is not None else None
        for path in sorted(files):
            if path in dropped or (wanted is not None and path not in wanted):
                continue
            extra = parameters.get(path)
            sources.append(DatasetSource(path, path=path, header=extra))
        return sources
    names = sorted(set(only_ids)) if only_ids is not None else sorted(parameters)
    for name in names:
        if name in dropped:
            continue
        header = parameters.get(name)
        if header is None:
            sources.append(DatasetSource(name, missing=True))
        else:
            sources.append(DatasetSource(name, header=condition_header(header), raw=header))
    return sources
