"""Running ``opencrds`` and the ``crds`` oracle side by side as subprocesses, as users run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: The venv's scripts: ``opencrds`` and, with the test extra, ``crds``.
BIN = Path(sys.executable).parent
needs_oracle = pytest.mark.skipif(not (BIN / "crds").exists(), reason="crds oracle not installed")


def user_environment() -> dict[str, str]:
    """This process's environment without ``CRDS_*``/``OPENCRDS_*`` variables: the crds
    library, imported in-process by oracle tests, writes its whole configuration into
    ``os.environ`` (``CRDS_OBSERVATORY='None'``, ...), which no user's shell holds."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(("CRDS_", "OPENCRDS_"))}


def run(env: dict[str, str], tool: str, *args: str, cwd: Path | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``tool args...`` (``opencrds`` or ``crds``) with ``env``, its output captured."""
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
