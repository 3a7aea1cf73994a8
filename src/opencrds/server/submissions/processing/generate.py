"""Rules and context generation of a submission (SERVER.md §2.2 steps 5-6), through
:func:`opencrds.generation.rules.generate`, reading mappings from the file store and naming
new mappings with the serial counters. Generated mappings are written to the staging
``files/`` folder and certified together."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from opencrds.server.catalog.filestore import get_file_store

from . import checks
from .naming import mapping_namer
from .work import StagedFile, Work


def read_mapping_from_store(observatory: str, extra: dict[str, str] | None = None):  # noqa: ANN201
    """``read_mapping(name) -> text``: ``extra`` (new mappings) first, then the store."""
    store = get_file_store()
    extra = extra or {}

    def read_mapping(name: str) -> str:
        return extra[name] if name in extra else store.read_text(observatory, name)
    return read_mapping


def generate(work: Work, dest: Path, progress, *, additions: list[tuple[str, str]] = (),  # noqa: ANN001
             deletions: list[str] = (), new_rmaps: dict[str, str] | None = None) -> None:
    """Generate new rmaps (from ``additions`` (official name, path) / ``deletions``) or take
    ``new_rmaps``, then new imaps and a pmap derived from ``work.starting_context``; record
    them in ``work`` and write them to ``dest``."""
    from opencrds.generation import rules

    observatory = work.observatory
    for name, _path in additions:
        progress.log(f"Adding {name!r} to the rules of {work.starting_context!r}")
    generation = rules.generate(
        read_mapping_from_store(observatory, new_rmaps), work.starting_context,
        additions=[rules.Addition(name, str(path)) for name, path in additions],
        deletions=list(deletions), new_rmaps=new_rmaps, name_for=mapping_namer(observatory))
    work.errors.extend(generation.errors)
    work.warnings.extend(generation.warnings)
    if generation.errors:
        for error in generation.errors:
            progress.error(error)
        return
    old_of = {change.new: change.old for change in generation.changes}
    for name, text in generation.mappings.items():
        if name in old_of:
            progress.log(f"Generating new rmap {name!r} from {old_of[name]!r}.")
        elif not (new_rmaps and name in new_rmaps):
            progress.log(f"Generating new mapping {name!r}.")
        (dest / name).write_text(text, encoding="utf-8")
    work.generated = dict(generation.mappings)
    work.new_context = generation.new_context
    work.changes = list(generation.changes)


def certify_generated(work: Work, dest: Path, progress) -> None:  # noqa: ANN001
    """Certify the generated mappings (one call, each checked once, not their closure)."""
    staged = []
    for name in work.generated:
        progress.log(f"Certifying {name!r}")
        staged.append(StagedFile(uploaded=name, source=dest / name))
    checks.certify(staged, work, mappings=True)
    for item in staged:
        if item.errors:
            work.errors.extend(line.removeprefix("ERROR - ") for line in item.log
                               if line.startswith("ERROR"))
    work.extra["mapping_certify"] = {item.name: {"status": item.status, "log": item.log}
                                     for item in staged}


def action_dict(action: Any) -> dict[str, Any]:
    """An Action of the generation library as JSON (RESULT SHAPE)."""
    if dataclasses.is_dataclass(action):
        data = dataclasses.asdict(action)
    elif hasattr(action, "_asdict"):
        data = action._asdict()
    else:
        data = dict(vars(action))
    match = data.get("match") or ()
    return {"action": str(data.get("action", "")), "reference": str(data.get("reference", "")),
            "replaced": str(data.get("replaced") or ""),
            "match": [str(m) for m in match], "useafter": str(data.get("useafter") or "")}
