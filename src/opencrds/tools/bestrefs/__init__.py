"""``opencrds bestrefs``: best references for datasets (the command is in ``command``)."""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
