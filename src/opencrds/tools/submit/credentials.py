"""Who logs in: the user name and MAST token of a submission (PROTOCOL.md §7.3 step 2, §8).

user name = ``--username``, else ``CRDS_USERNAME`` (environment, then the ``[authentication]``
section of ``~/.crds.ini``), else the login name; password = ``MAST_API_TOKEN`` (environment,
then the ini file), else an interactive prompt. The ini file may hold a token, so it must be
readable by its owner only (mode 0600): a group- or world-readable one is refused.
"""

from __future__ import annotations

import configparser
import getpass
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ...rules.errors import CrdsError

INI_NAME = ".crds.ini"
SECTION = "authentication"


class CredentialsError(CrdsError):
    """The credentials cannot be found or their file is unsafe."""


@dataclass(frozen=True)
class Credentials:
    """A user name and its password (the MAST API token)."""

    username: str
    password: str

    def __repr__(self) -> str:  # never show the token in a traceback or log
        return f"Credentials(username={self.username!r}, password='***')"


def ini_path(home: str | os.PathLike[str] | None = None,
             environ: Mapping[str, str] | None = None) -> Path:
    """``CRDS_INI_FILE`` of ``environ``, else ``~/.crds.ini`` (of ``home`` when given)."""
    given = (os.environ if environ is None else environ).get("CRDS_INI_FILE")
    if given:
        return Path(given).expanduser()
    return Path(home if home is not None else Path.home()) / INI_NAME


def read_ini(path: Path) -> dict[str, str]:
    """The ``[authentication]`` values of ``path`` (keys as written, e.g. ``CRDS_USERNAME``);
    empty when the file does not exist. CredentialsError when it is readable by others or
    cannot be parsed."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CredentialsError(f"Cannot read '{path}': {exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(f"'{path}' must be readable and writable by its owner only "
                               f"(mode is {stat.S_IMODE(mode):04o}; run: chmod 600 {path})")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  (keep key case)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise CredentialsError(f"Cannot parse '{path}': {exc}") from None
    if not parser.has_section(SECTION):
        return {}
    return dict(parser.items(SECTION))


def _lookup(name: str, environ: Mapping[str, str], ini: Mapping[str, str]) -> str | None:
    value = environ.get(name) or ini.get(name) or ini.get(name.lower())
    return value or None


def resolve_username(given: str | None, environ: Mapping[str, str],
                     ini: Mapping[str, str]) -> str:
    """``given``, else ``CRDS_USERNAME`` (environment, then ini), else the login name."""
    if given:
        return given
    found = _lookup("CRDS_USERNAME", environ, ini)
    if found:
        return found
    try:
        return getpass.getuser()
    except Exception as exc:  # no login name (no USER/LOGNAME and no passwd entry)
        raise CredentialsError("No user name: give --username or set CRDS_USERNAME") from exc


def resolve_password(username: str, environ: Mapping[str, str], ini: Mapping[str, str],
                     prompt: Callable[[str], str] | None = None) -> str:
    """``MAST_API_TOKEN`` (environment, then ini), else what ``prompt`` (getpass) returns."""
    found = _lookup("MAST_API_TOKEN", environ, ini)
    if found:
        return found
    ask = prompt or getpass.getpass
    try:
        answer = ask(f"Password (MAST API token) for {username}: ")
    except (EOFError, OSError) as exc:
        raise CredentialsError("No password: set MAST_API_TOKEN or run on a terminal") from exc
    if not answer:
        raise CredentialsError("No password given (set MAST_API_TOKEN)")
    return answer


def credentials(username: str | None = None, *, environ: Mapping[str, str] | None = None,
                home: str | os.PathLike[str] | None = None,
                prompt: Callable[[str], str] | None = None) -> Credentials:
    """The credentials of a submission (see the module documentation)."""
    environ = os.environ if environ is None else environ
    ini = read_ini(ini_path(home, environ))
    user = resolve_username(username, environ, ini)
    return Credentials(user, resolve_password(user, environ, ini, prompt))
