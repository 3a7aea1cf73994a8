"""Serial numbers of new names (issue #13): a family continues above the catalog's highest
serial, reference and mapping families are apart, and processes taking numbers at once never
get the same one — on SQLite and on PostgreSQL, with real processes on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from helpers import PG_ADMIN_URL, postgres_unavailable

pytestmark = [pytest.mark.shared_data]

SRC = Path(__file__).resolve().parents[3] / "src"

WORKER = """
import json, sys
from opencrds.server import setup
setup()
if sys.argv[1] == "migrate":
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
else:
    from opencrds.server.submissions.serials import next_serial
    print(json.dumps([next_serial("jwst", sys.argv[2]) for _ in range(int(sys.argv[1]))]))
"""


@pytest.mark.django_db
def test_families_continue_above_the_catalog(database: str) -> None:
    from opencrds.server.submissions import serials

    highest_pmap = serials.catalog_highest("jwst", "jwst")
    assert highest_pmap >= 541  # the real cache holds jwst_0541.pmap
    assert serials.peek_serial("jwst", "jwst") == highest_pmap + 1
    assert serials.next_serial("jwst", "jwst") == highest_pmap + 1
    assert serials.next_serial("jwst", "jwst") == highest_pmap + 2
    rmaps = serials.catalog_highest("jwst", "jwst_miri_dark")
    assert rmaps > 0 and serials.next_serial("jwst", "jwst_miri_dark") == rmaps + 1
    # references of a family are counted apart from its rmaps
    refs = serials.catalog_highest("jwst", serials.reference_family("jwst_miri_dark"))
    assert refs > 0
    assert serials.next_serial("jwst", "ref:jwst_miri_dark") == refs + 1
    assert serials.mapping_family("jwst_miri_dark_0051.rmap") == "jwst_miri_dark"
    assert serials.mapping_family("jwst_0542.pmap") == "jwst"
    assert serials.next_serial("jwst", serials.DELIVERY) == 1


def _run_workers(env: dict[str, str], tmp_path: Path, workers: int = 4, each: int = 15
                 ) -> list[int]:
    script = tmp_path / "serial_worker.py"
    script.write_text(WORKER)
    env = {**env, "PYTHONPATH": str(SRC)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, str(script), "migrate"], env=env, check=True, timeout=120)
    procs = [subprocess.Popen([sys.executable, str(script), str(each), "jwst_miri_flat"],
                              env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(workers)]
    numbers: list[int] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        numbers += json.loads(out)
    return numbers


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPENCRDS_") and k != "DATABASE_URL"}
    env["OPENCRDS_HOME"] = str(home)
    return env


def test_concurrent_serials_on_sqlite(tmp_path: Path) -> None:
    numbers = _run_workers(_clean_env(tmp_path / "home"), tmp_path)
    assert sorted(numbers) == list(range(1, 61))


def test_concurrent_serials_on_postgresql(tmp_path: Path) -> None:
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"opencrds_serials_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = _clean_env(tmp_path / "home")
        env["OPENCRDS_SECRET_KEY"] = "serials-test-" + uuid.uuid4().hex
        env["DATABASE_URL"] = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        numbers = _run_workers(env, tmp_path)
        assert sorted(numbers) == list(range(1, 61))
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_test_file_far_above_its_family_does_not_set_the_count() -> None:
    from opencrds.server.submissions.serials import highest_in_use

    assert highest_in_use([]) == 0
    assert highest_in_use([7]) == 7
    assert highest_in_use([1, 2, 421, 9999]) == 421  # hst_acs_9999.imap of the real cache
    assert highest_in_use([250, 252, 9998, 9999]) == 252
    assert highest_in_use([998, 1000, 1274]) == 1274  # real serials pass 1000
