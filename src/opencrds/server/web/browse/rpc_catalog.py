"""The JSON-RPC methods this server offers, read from the registry (SERVER.md §1.27, §1.30):
name, parameters from the signature, and documentation."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from typing import Any

#: What a method without a docstring does, in one line (SERVER.md §1.30).
_SUMMARIES = {
    "get_server_info": "The server's configuration: the first call of every client.",
    "get_default_context": "The name of a default context: state latest (operational), edit, "
                           "build or versions.",
    "get_build_context": "The context of a calibration software (CAL) version.",
    "get_context_by_date": "The context in use at a date, or the mapping a context "
                           "specification names.",
    "get_context_history": "Every operational context with its start date and description.",
    "get_mapping_names": "The names of every mapping under a context.",
    "get_reference_names": "The names of every reference file under a context.",
    "get_required_parkeys": "The dataset parameters each instrument's rules need.",
    "list_mappings": "Names of the mappings matching a glob.",
    "list_references": "Names of the references matching a glob.",
    "get_file_info": "The catalog fields of one file.",
    "get_file_info_map": "The catalog fields of many files (None: all files or fields).",
    "get_best_references": "The best references of one dataset header under a context.",
    "get_best_references_by_header_map": "Best references of many headers, by dataset id.",
    "get_best_references_by_ids": "Best references of archived datasets, by id.",
    "get_aui_best_references": "Best references of up to 200 dataset ids for the archive UI.",
    "get_dataset_ids": "The archived dataset ids of an instrument.",
    "get_dataset_headers_by_id": "The matching parameters of archived datasets, by id.",
    "get_sqlite_db": "The catalog as an SQLite database (base64 of zlib).",
    "get_system_versions": "The calibration software versions a context goes with.",
    "get_remote_context": "The context a pipeline last reported.",
    "push_remote_context": "Record the context a pipeline has synced (needs its key).",
    "jpoll_pull_messages": "The progress messages of a submission since a message id.",
    "jpoll_abort": "Ask a running submission to stop.",
    "file_exists": "Whether a file is known to the server.",
    "get_url": "The download URL of a file.",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str  # "" when required

    @property
    def required(self) -> bool:
        return self.default == ""


@dataclass(frozen=True)
class MethodDoc:
    name: str
    parameters: tuple[Parameter, ...]
    doc: str

    @property
    def call(self) -> str:
        return f"{self.name}({', '.join(p.name for p in self.parameters)})"

    def example(self, values: dict[str, Any]) -> str:
        """A params array to start from: each required parameter's value from ``values`` (by
        name; a placeholder string if absent)."""
        return json.dumps([values.get(p.name, p.name) for p in self.parameters if p.required])

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "doc": self.doc, "parameters": [
            {"name": p.name, "type": p.type, "required": p.required, "default": p.default}
            for p in self.parameters]}


def example_values(observatory: str, context: str) -> dict[str, Any]:
    """Values for the try-it forms' parameters, by parameter name."""
    return {"observatory": observatory, "context": context, "filename": context,
            "header": {}, "headers": {}, "dataset_ids": [], "glob_pattern": "*.pmap",
            "date": f"{observatory}-2020-01-01T00:00:00", "calver": "1.0.0",
            "instrument": "", "pipeline_name": "", "key": "", "since_id": 0}


def methods() -> list[MethodDoc]:
    """Every registered method, by name."""
    from ...rpc import views  # noqa: F401  (importing the endpoint registers every method)
    from ...rpc.jsonrpc import METHODS
    from ...rpc.params import type_name

    found = []
    for name in sorted(METHODS):
        method = METHODS[name]
        parameters = tuple(
            Parameter(p.name, _plain_type(type_name(method.hints.get(p.name, Any))),
                      "" if p.default is inspect.Parameter.empty else repr(p.default))
            for p in method.signature.parameters.values())
        doc = inspect.getdoc(method.function) or _SUMMARIES.get(name, "")
        found.append(MethodDoc(name, parameters, doc))
    return found


_ANNOTATED = re.compile(r"Annotated\[([^\[\],]+), [^\[\]]*\]")


def _plain_type(text: str) -> str:
    """A type as readers write it: ``Annotated[str, MaxLength(64)]`` is ``str``."""
    previous = ""
    while previous != text:
        previous, text = text, _ANNOTATED.sub(r"\1", text)
    return text.replace("NoneType", "None")
