"""``opencrds list``: cache, configuration, contexts and file information (the command is
in ``command``)."""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
