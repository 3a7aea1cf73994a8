"""The "plugin" download mode (``CRDS_DOWNLOAD_MODE=plugin``, TOOLS.md, PROTOCOL.md §4.5).

Each file is fetched by an external command built from the ``CRDS_DOWNLOAD_PLUGIN`` template
(by default wget from /usr/local/bin, /usr/bin or /sw/bin). The template is split with
:func:`shlex.split` *before* the placeholders are substituted, so a URL or path is always one
argument whatever characters it holds, and the command runs without a shell. Placeholders:
``${SOURCE_URL}`` and ``${FILENAME}`` (both the file's URL), ``${OUTPUT_PATH}``, ``${FILE_SIZE}``
and ``${FILE_SHA1SUM}`` (the server's ``download_metadata`` strings). A template starting with
``crds_s3_get`` is run as ``crds_s3_get <url> -d <path> -s <size> -c <sha1>``.

The command writes to a temporary name beside the target; its bytes then go through the same
size and sha1 check and atomic rename as an HTTP download (:func:`write_verified`), and the
temporary file is removed whatever happens. A non-zero exit status is a
:class:`CrdsDownloadError` naming the file, the command and the status, except 2 (or death by
SIGINT), which means "interrupted" and stops the run like Ctrl-C (:class:`PluginInterrupted`).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..atomic import temp_path_beside
from ..cache.storage import CrdsDownloadError, write_verified

log = logging.getLogger("opencrds")

MODES = ("http", "plugin")
WGET_DIRS = ("/usr/local/bin", "/usr/bin", "/sw/bin")
WGET_ARGS = "--no-check-certificate --quiet ${SOURCE_URL} -O ${OUTPUT_PATH}"
S3_GET = "crds_s3_get"
INTERRUPTED = 2
_PLACEHOLDER = re.compile(r"\$\{(SOURCE_URL|FILENAME|OUTPUT_PATH|FILE_SIZE|FILE_SHA1SUM)\}")
_CHUNK = 8 << 20
_STDERR_TAIL = 400


class PluginInterrupted(KeyboardInterrupt):
    """The plugin reported an interruption (exit status 2, or killed by SIGINT)."""


def download_mode() -> str:
    """``$CRDS_DOWNLOAD_MODE`` in lower case (``http`` when unset); an error otherwise."""
    mode = (os.environ.get("CRDS_DOWNLOAD_MODE") or "http").strip().lower()
    if mode not in MODES:
        raise CrdsDownloadError(f"Invalid value for 'CRDS_DOWNLOAD_MODE' of {mode!r} is not "
                                f"one of {list(MODES)}")
    return mode


def default_template(dirs: tuple[str, ...] | None = None) -> str | None:
    """The wget command line of the first executable ``wget`` in ``dirs`` (default
    :data:`WGET_DIRS`); None when there is none."""
    for folder in WGET_DIRS if dirs is None else dirs:
        wget = os.path.join(folder, "wget")
        if os.path.isfile(wget) and os.access(wget, os.X_OK):
            return f"{shlex.quote(wget)} {WGET_ARGS}"
    return None


def from_env() -> DownloadPlugin | None:
    """The plugin configured by the environment; None in ``http`` mode."""
    if download_mode() != "plugin":
        return None
    template = os.environ.get("CRDS_DOWNLOAD_PLUGIN", "").strip()
    return DownloadPlugin(template or default_template())


def build_command(template: str, values: Mapping[str, str]) -> list[str]:
    """The argv of ``template`` with its ``${NAME}`` placeholders replaced from ``values``
    (keys ``SOURCE_URL``, ``OUTPUT_PATH``, ``FILE_SIZE``, ``FILE_SHA1SUM``; ``FILENAME`` is the
    URL too). Unknown ``$`` words are left as they are: no shell expands them."""
    values = {**values, "FILENAME": values["SOURCE_URL"]}
    try:
        words = shlex.split(template)
    except ValueError as exc:
        raise CrdsDownloadError(f"CRDS_DOWNLOAD_PLUGIN {template!r} cannot be split into "
                                f"arguments: {exc}") from exc
    if template.lstrip().startswith(S3_GET):
        return [words[0], values["SOURCE_URL"], "-d", values["OUTPUT_PATH"],
                "-s", values["FILE_SIZE"], "-c", values["FILE_SHA1SUM"]]
    argv = [_PLACEHOLDER.sub(lambda m: values[m.group(1)], word)
            for word in words]
    if not argv:
        raise CrdsDownloadError("CRDS_DOWNLOAD_PLUGIN is an empty command")
    return argv


class DownloadPlugin:
    """Downloads single files with an external command built from ``template``."""

    def __init__(self, template: str | None) -> None:
        self.template = template

    def check(self) -> None:
        """Raise :class:`CrdsDownloadError` when there is no command to run (no template and
        no wget): a configuration error, not worth a retry."""
        if not self.template:
            raise CrdsDownloadError(
                "CRDS_DOWNLOAD_MODE=plugin but CRDS_DOWNLOAD_PLUGIN is not set and no wget "
                f"was found in {', '.join(WGET_DIRS)}")

    def command(self, url: str, output: str | os.PathLike[str],
                meta: Mapping[str, Any]) -> list[str]:
        """The argv that downloads ``url`` into ``output``; ``meta`` is the file's
        ``download_metadata`` entry (``size``, ``sha1sum``)."""
        self.check()
        assert self.template is not None
        return build_command(self.template, {
            "SOURCE_URL": url, "OUTPUT_PATH": os.fspath(output),
            "FILE_SIZE": str(meta.get("size", "")), "FILE_SHA1SUM": str(meta.get("sha1sum", ""))})

    def fetch(self, name: str, url: str, target: Path, meta: Mapping[str, Any],
              size: int | None, sha1: str | None,
              progress: Callable[[str, int], None] | None = None) -> None:
        """Run the plugin into a temporary file, then verify and rename it onto ``target``
        (nothing is left under any name when anything fails)."""
        output = temp_path_beside(target)
        try:
            argv = self.command(url, output, meta)
            self.run(name, argv)
            if not output.is_file():
                raise CrdsDownloadError(f"Failed downloading '{name}' with plugin "
                                        f"{shlex.join(argv)!r} :: it wrote no output file")
            write_verified(target, _read_chunks(output, name, progress), size, sha1)
        finally:
            try:
                output.unlink()
            except FileNotFoundError:
                pass

    @staticmethod
    def run(name: str, argv: list[str]) -> None:
        """Run ``argv`` (no shell, no stdin); raise on a failure exit status."""
        log.debug("Download plugin for '%s': %s", name, shlex.join(argv))
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, errors="replace", check=False)
        except OSError as exc:
            raise CrdsDownloadError(f"Failed downloading '{name}' with plugin "
                                    f"{shlex.join(argv)!r} :: {exc}") from exc
        if done.stdout.strip():
            log.debug("plugin output for '%s': %s", name, done.stdout.strip())
        if done.returncode == 0:
            return
        detail = done.stderr.strip()[-_STDERR_TAIL:]
        status = (f"exit status {done.returncode}" if done.returncode > 0
                  else f"killed by signal {-done.returncode}")
        message = (f"Failed downloading '{name}' with plugin {shlex.join(argv)!r} :: "
                   f"{status}" + (f": {detail}" if detail else ""))
        if done.returncode in (INTERRUPTED, -signal.SIGINT):
            log.error("%s (interrupted)", message)
            raise PluginInterrupted(message)
        raise CrdsDownloadError(message)


def _read_chunks(path: Path, name: str,
                 progress: Callable[[str, int], None] | None) -> Iterator[bytes]:
    """The bytes of ``path`` in 8 MiB blocks, reported to ``progress``."""
    with open(path, "rb") as stream:
        while block := stream.read(_CHUNK):
            if progress:
                progress(name, len(block))
            yield block
