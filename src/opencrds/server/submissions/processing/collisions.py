"""Edit collisions (SERVER.md §2.2 step 8): a generated mapping derived from the same parent
as a mapping already in the catalog (deriving from a context with descendants, or two
concurrent deliveries), and references uploaded under the name of a file another delivery
already replaced."""

from __future__ import annotations

import re

from opencrds.server.catalog.models import FileRecord

from .work import Work

_DERIVED_RE = re.compile(r"'derived_from'\s*:\s*'([^']*)'")


def derived_from(text: str) -> str:
    """The ``derived_from`` header value of mapping text ('' if none)."""
    found = _DERIVED_RE.search(text[:4000])
    return found.group(1) if found else ""


def find_collisions(work: Work) -> list[str]:
    """"A and B were both derived from C" for each collision of ``work``'s new files."""
    found: list[str] = []
    parents = {name: derived_from(text) for name, text in work.generated.items()}
    parents = {name: parent for name, parent in parents.items() if parent}
    if parents:
        others = (FileRecord.objects.filter(observatory=work.observatory,
                                            type=FileRecord.Kind.MAPPING,
                                            derived_from__in=set(parents.values()))
                  .exclude(name__in=list(parents)).values_list("name", "derived_from"))
        for other, parent in others:
            for name, mine in parents.items():
                if mine == parent:
                    found.append(f"{name} and {other} were both derived from {parent}")
    renamed = {f.uploaded: f.name for f in work.files if f.uploaded != f.name}
    if renamed:
        others = (FileRecord.objects.filter(observatory=work.observatory,
                                            uploaded_as__in=list(renamed))
                  .exclude(name__in=list(renamed.values()))
                  .exclude(name__in=list(renamed)).values_list("name", "uploaded_as"))
        for other, uploaded in others:
            found.append(f"{renamed[uploaded]} and {other} were both derived from {uploaded}")
    return sorted(set(found))


def context_collisions(observatory: str, new_context: str, parent: str) -> list[str]:
    """Contexts confirmed since ``new_context`` was derived from ``parent``: confirming it too
    would drop their changes from the edit context (a lost update)."""
    if not new_context or not parent:
        return []
    others = (FileRecord.objects.filter(observatory=observatory, type=FileRecord.Kind.MAPPING,
                                        name__endswith=".pmap", derived_from=parent)
              .exclude(name=new_context).order_by("name").values_list("name", flat=True))
    return [f"{new_context} and {other} were both derived from {parent}" for other in others]
