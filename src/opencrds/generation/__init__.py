"""The rules generation of a delivery (SERVER.md §2.2 steps 4–6), without server or files.

:mod:`.naming` gives new references their official names and tells a reference's instrument
and type; :mod:`.placement` is the one way a reference header is placed in an rmap (as
``crds refactor insert`` does; used by ``opencrds refactor`` too); :mod:`.rules` edits rmaps
and derives the new imaps and pmap of a context (:func:`.rules.generate`).
"""

from .errors import GenerationError
from .naming import (
    ReferenceIdentity,
    hst_unique_name,
    identify_reference,
    official_reference_name,
    reference_family,
)
from .rules import (
    Action,
    Addition,
    Generation,
    RmapChange,
    RmapEdit,
    delete_references,
    generate,
    insert_references,
    next_free_namer,
)

__all__ = [
    "Action", "Addition", "Generation", "GenerationError", "ReferenceIdentity", "RmapChange",
    "RmapEdit", "delete_references", "generate", "hst_unique_name", "identify_reference",
    "insert_references", "next_free_namer", "official_reference_name", "reference_family",
]
