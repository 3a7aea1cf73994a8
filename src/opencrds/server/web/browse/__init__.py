"""The browse pages (SERVER.md §1.7, §1.8, §1.27): the database search, one file's page and
the JSON-RPC browser."""


def warm(observatory: str) -> None:
    """Compute once, before serving, what the first browse pages of a process would: the
    mission's certify definitions, the indexes of which pmaps and imaps name which mappings,
    and the FITS reader's import (for a server's start-up, after the operational context is
    loaded)."""
    import astropy.io.fits  # noqa: F401  (about a second to import)

    from opencrds.observatories.definitions import DefinitionError

    from ...certify_definitions import mission_definition
    from . import relations

    relations.warm(observatory)
    try:
        mission_definition(observatory)
    except DefinitionError:
        pass  # the page says so when it is opened
