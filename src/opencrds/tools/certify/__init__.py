"""``opencrds certify``: the command-line face of :mod:`opencrds.certify` (the command is in
``command``)."""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
