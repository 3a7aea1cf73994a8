"""Running ``opencrds`` and the ``crds`` oracle side by side as subprocesses, as users run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import user_environment as user_environment  # used by the tool tests

#: The venv's scripts: ``opencrds`` and, with the test extra, ``crds``.
BIN = Path(sys.executable).parent
needs_oracle = pytest.mark.skipif(not (BIN / "crds").exists(), reason="crds oracle not installed")


def run(env: dict[str, str], tool: str, *args: str, cwd: Path | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``tool args...`` (``opencrds`` or ``crds``) with ``env``, its output captured."""
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
