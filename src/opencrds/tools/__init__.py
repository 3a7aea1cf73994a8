"""The ``opencrds`` command line: one module per command, and the dispatcher in ``main``.

A command module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and is listed in
``opencrds.tools.main.COMMANDS``; it is imported only when its command runs.
"""
