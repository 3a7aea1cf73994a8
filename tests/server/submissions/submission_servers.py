"""A private ``opencrds serve`` per test module for submission tests: they change the catalog,
so they cannot share the read-only servers of ``server_pool``.

The server imports the real cache of its observatory, has a user ``alice`` allowed to submit
for the instruments given (with a personal API token) and an operator ``olga``; e-mails go to
files in ``<home>/mail`` (``OPENCRDS_EMAIL_DIR``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from server_helpers import CRDS_CACHE, Server, clean_env, free_port

TEST_DATA = CRDS_CACHE.parent / "crds-test-data"
PASSWORD = "correct horse battery staple 42"


@dataclass
class SubmissionServer:
    """A running server and the credentials of its users."""

    server: Server
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    def crds_env(self, crds_path: Path, user: str = "alice", **extra: str) -> dict[str, str]:
        """The environment of a user running the unmodified crds client against us."""
        return self.server.crds_env(crds_path, CRDS_USERNAME=user,
                                    MAST_API_TOKEN=self.tokens[user], **extra)

    def mails(self) -> list[str]:
        folder = self.server.home / "mail"
        return [p.read_text(errors="replace") for p in sorted(folder.glob("*"))] \
            if folder.is_dir() else []


def start_submission_server(root: Path, observatory: str, instruments: list[str],
                            backend_env: dict[str, str] | None = None,
                            serve_args: tuple[str, ...] = ()) -> SubmissionServer:
    """Import the real ``observatory`` cache into a fresh home under ``root``, add the users,
    start ``opencrds serve``."""
    home = root / f"home-{observatory}"
    home.mkdir(parents=True)
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="INFO",
                    OPENCRDS_EMAIL_DIR=str(home / "mail"), **(backend_env or {}))
    server = Server(observatory, "sqlite", home, free_port(), env, home / "server.log",
                    start_command=list(serve_args))
    server.manage("migrate", "--verbosity", "0")
    server.manage("import_cache", str(CRDS_CACHE), "--observatory", observatory)
    user_env = {**env, "OPENCRDS_USER_PASSWORD": PASSWORD}
    instrument_args = [arg for name in instruments for arg in ("--instrument", name)]
    for user, extra in (("alice", instrument_args), ("bob", instrument_args),
                        ("olga", ["--operator"])):
        subprocess.run([*server_command(), "manage", "add_user", user, "--email",
                        f"{user}@example.org", "--observatory", observatory, *extra],
                       env=user_env, check=True, capture_output=True, text=True, timeout=120)
    tokens = {}
    for user in ("alice", "bob", "olga"):
        done = server.manage("issue_token", user)
        tokens[user] = done.stdout.strip().splitlines()[-1]
    server.start()
    return SubmissionServer(server, tokens)


def server_command() -> list[str]:
    script = Path(sys.executable).parent / "opencrds"
    return [str(script)] if script.exists() else [sys.executable, "-m", "opencrds.tools.main"]


def run_crds_submit(env: dict[str, str], files: list[Path], cwd: Path, *extra: str,
                    timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """The unmodified ``crds submit`` (crds 14.0.3 with its submission extra)."""
    return subprocess.run(
        [sys.executable, "-m", "crds.submit", "--files", *map(str, files),
         "--monitor-processing", "--wait-for-completion", "--wipe-existing-files",
         "--autoconfirm", *extra],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def errors_in(output: str) -> list[str]:
    """The ERROR lines of a crds run."""
    return [line for line in output.splitlines() if re.search(r"\bERROR\b", line)]


def normalised_rmap(text: str) -> str:
    """An rmap's text without the header lines a submission sets (name, sha1sum)."""
    return "\n".join(line for line in text.splitlines()
                     if not re.match(r"\s*'(name|sha1sum)'\s*:", line))


__all__ = ["TEST_DATA", "SubmissionServer", "start_submission_server", "run_crds_submit",
           "errors_in", "normalised_rmap", "os"]
