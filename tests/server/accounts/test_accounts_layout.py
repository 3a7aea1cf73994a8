"""How the accounts app is put together: model writes only in its services modules."""

from __future__ import annotations

import re
from pathlib import Path

import opencrds.server.accounts as accounts

APP = Path(accounts.__file__).resolve().parent
#: The modules that write account models (everything else calls them).
SERVICES = {"services.py", "locks.py", "tokens.py"}


def test_no_model_writes_outside_the_services() -> None:
    writes = re.compile(r"\.save\(|\.delete\(|\)\.update\(|objects\b.*\.(create|update|"
                        r"update_or_create|get_or_create|bulk_create)\(")
    files = [path for path in APP.rglob("*.py")
             if path.name not in SERVICES and "migrations" not in path.parts]
    assert APP / "admin.py" in files and APP / "views.py" in files
    found = [f"{path.name}:{number}: {line.strip()}" for path in files
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if writes.search(line)]
    assert found == []
