"""``opencrds submit``: submit references and rules to an OpenCRDS (or CRDS) server from the
command line (TOOLS.md §2.14), speaking the web protocol of PROTOCOL.md §7–§8.

The command is in ``command``; each other module has one job: ``credentials`` (who logs in),
``session`` (the cookie + CSRF web session), ``auth`` (lock status, login, logout),
``uploads`` (the upload area and chunked uploads), ``form`` (the submission form fields),
``monitor`` (the jpoll stream), ``pages`` (HTML parsing) and ``results`` (official names and
the new context).
"""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
