"""``opencrds refactor``: insert, replace or delete references in an rmap (the command is in
``command``)."""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
