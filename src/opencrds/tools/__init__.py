"""The ``opencrds`` command line: one module or package per command, and the dispatcher in
``main``.

A command is ``opencrds.tools.<command>``, listed in ``opencrds.tools.main.COMMANDS``: a module
when it is one file, else a package (``bestrefs/``, ``list/``, ``sync/``, ``diff/``,
``certify/``, ``refactor/``) whose ``command`` module is re-exported by its ``__init__``. It
exposes ``add_arguments(parser)`` and ``run(args) -> int`` and is imported only when its
command runs. Commands only parse arguments, call the library and print; what every command
shares is at the top: ``main``, ``switches`` (the shared and observatory switches),
``context_switches`` (``--contexts``, ``--range``, ...), ``common`` (logging, errors) and
``output`` (atomic writes).
"""
