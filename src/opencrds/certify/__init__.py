"""Certification of CRDS rules and reference files (TOOLS.md §2.3, §5).

:func:`certify_files` runs every check on a list of files and returns per-file messages;
the pieces (:mod:`.mappings`, :mod:`.references`, :mod:`.constraints`, :mod:`.tables`,
:mod:`.safe_eval`) can be used on their own by the server.
"""

from .context import CertifyOptions
from .runner import CertifyResult, FileResult, certify_files

__all__ = ["CertifyOptions", "CertifyResult", "FileResult", "certify_files"]
