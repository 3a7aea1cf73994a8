"""``opencrds sync``: the command-line face of :func:`opencrds.client.sync.sync` (the command
is in ``command``)."""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
