"""Settings safe for several workers and hosts (issue #12 item 3): importing the settings
writes nothing, the start-up step makes the data folder and the embedded default's secret key
(safely when processes race), and a shared database (``DATABASE_URL``) needs
``OPENCRDS_SECRET_KEY`` given, or the server does not start."""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import clean_env, free_port, opencrds_command

from opencrds.server import config
from opencrds.server.config import MissingSecretKey
from opencrds.server.home import ensure_secret_key, read_secret_key
from opencrds.server.startup import prepare_home

pytestmark = [pytest.mark.server]

#: Nothing listens there: the key is checked before any connection is tried.
UNREACHABLE_DATABASE = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"


@pytest.fixture(autouse=True)
def _no_overrides() -> Iterator[None]:
    """No test leaves ``configure()`` values behind."""
    yield
    config.configure()


@pytest.fixture()
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A home in ``tmp_path`` that does not exist yet, and no database or key given."""
    for name in ("DATABASE_URL", "OPENCRDS_SECRET_KEY", "OPENCRDS_OBSERVATORY",
                 "OPENCRDS_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("OPENCRDS_HOME", str(home))
    return home


def python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)


def opencrds(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*opencrds_command(), *args], env=env, capture_output=True,
                          text=True, timeout=300)


# ---- importing the settings -----------------------------------------------------------------


def test_importing_the_settings_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = python("import django; from django.conf import settings; "
                  "import opencrds.server.settings as s; print(repr(s.SECRET_KEY)); "
                  "print(s.OPENCRDS_HOME)",
                  clean_env(OPENCRDS_HOME=str(home)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["''", str(home.resolve())]
    assert not home.exists()


def test_the_settings_read_the_key_the_start_up_made(environment: Path) -> None:
    key = prepare_home().secret_key()
    done = python("import opencrds.server.settings as s; print(s.SECRET_KEY)",
                  clean_env(OPENCRDS_HOME=str(environment)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == key


# ---- the start-up step ----------------------------------------------------------------------


def test_prepare_home_makes_a_private_home_and_a_kept_key(environment: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        first = prepare_home()
    finally:
        os.umask(old_umask)
    assert first.home == environment.resolve()
    assert stat.S_IMODE(environment.stat().st_mode) == 0o700
    assert stat.S_IMODE((environment / "db.sqlite3").stat().st_mode) == 0o600
    key_file = environment / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = first.secret_key()
    assert len(key) >= 50 and key_file.read_text().strip() == key
    assert prepare_home().secret_key() == key  # kept, not made again
    assert sorted(p.name for p in environment.iterdir()) == ["db.sqlite3", "secret_key"]


def test_a_given_key_is_used_and_none_is_made(environment: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCRDS_SECRET_KEY", "given-key")
    assert prepare_home().secret_key() == "given-key"
    assert not (environment / "secret_key").exists()


def _make_key(home: str) -> str:
    return ensure_secret_key(Path(home))


def test_processes_starting_together_make_one_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with multiprocessing.get_context("fork").Pool(8) as pool:
        keys = pool.map(_make_key, [str(home)] * 32)
    assert len(set(keys)) == 1 and keys[0] == read_secret_key(home)
    assert [p.name for p in home.iterdir()] == ["secret_key"]  # no temporary file left


# ---- a shared database needs a key given ----------------------------------------------------


def test_a_shared_database_without_a_key_is_refused(environment: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE_DATABASE)
    with pytest.raises(MissingSecretKey, match="OPENCRDS_SECRET_KEY is not set") as caught:
        prepare_home()
    assert "secrets.token_urlsafe" in str(caught.value)  # how to make one
    assert not environment.exists()  # refused before anything was written
    monkeypatch.setenv("OPENCRDS_SECRET_KEY", "shared-key")
    assert prepare_home().secret_key() == "shared-key"
    assert not (environment / "secret_key").exists()  # a shared database's key is given


@pytest.mark.parametrize("command", [["manage", "migrate"], ["manage", "import_cache", ".",
                                                              "--observatory", "hst"],
                                     ["serve", "--observatory", "hst"]])
def test_commands_on_a_shared_database_without_a_key_stop_clearly(tmp_path: Path,
                                                                   command: list[str]) -> None:
    home = tmp_path / "home"
    done = opencrds(clean_env(OPENCRDS_HOME=str(home), DATABASE_URL=UNREACHABLE_DATABASE),
                    *command)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "OPENCRDS_SECRET_KEY is not set" in errors[0], done.stderr
    assert "secrets.token_urlsafe(50)" in errors[0]
    assert not home.exists()


def test_the_settings_refuse_a_shared_database_without_a_key(tmp_path: Path) -> None:
    """Also when another program than ``opencrds`` loads the settings (a WSGI server)."""
    done = python("import opencrds.server.settings",
                  clean_env(OPENCRDS_HOME=str(tmp_path / "home"),
                            DATABASE_URL=UNREACHABLE_DATABASE))
    assert done.returncode == 1
    assert "MissingSecretKey: OPENCRDS_SECRET_KEY is not set" in done.stderr


# ---- what a command configures --------------------------------------------------------------


def test_configure_takes_the_place_of_the_environment(environment: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCRDS_OBSERVATORY", "hst")
    monkeypatch.setenv("OPENCRDS_ALLOWED_HOSTS", "a.example.org, b.example.org")
    before = config.current()
    assert (before.home, before.observatory) == (environment.resolve(), "hst")
    assert before.allowed_hosts == ["a.example.org", "b.example.org"]
    assert before.store == environment.resolve() / "cache"
    config.configure(home=tmp_path / "other", observatory="JWST", allowed_hosts=["*"])
    after = config.current()
    assert (after.home, after.observatory, after.allowed_hosts) == (
        (tmp_path / "other").resolve(), "jwst", ["*"])
    assert after.sqlite_path == (tmp_path / "other").resolve() / "db.sqlite3"
    assert os.environ["OPENCRDS_HOME"] == str(environment)  # the environment is untouched
    assert os.environ["OPENCRDS_OBSERVATORY"] == "hst"
    config.configure()
    assert config.current() == before


def test_the_wsgi_entry_point_is_a_start_up(tmp_path: Path) -> None:
    """Another WSGI server loading ``opencrds.server.wsgi`` prepares the data folder too."""
    home = tmp_path / "home"
    done = python("import opencrds.server.wsgi; from django.conf import settings; "
                  "print(settings.SECRET_KEY)", clean_env(OPENCRDS_HOME=str(home)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == read_secret_key(home) != ""
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "db.sqlite3").stat().st_mode) == 0o600
