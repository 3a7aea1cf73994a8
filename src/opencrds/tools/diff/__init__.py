"""``opencrds diff``: differences of mappings and files (the command is in ``command``)."""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
