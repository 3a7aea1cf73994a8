"""The sequence of a submission (PROTOCOL.md §7.3): server info, credentials, local certify,
login, upload area, jpoll channel, uploads, the form POST, monitoring, confirm or cancel,
official names, logout. Every step logs what it does; a failure raises a CrdsError naming the
URL (``session.WebError``) that ``command.run`` reports as one ERROR line."""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from ...client.rpc import RpcClient, server_url
from ...client.serverinfo import normalize
from ...client.specifiers import observatory_of_spec, resolve
from ...protocol import ServerInfo
from ...rules.errors import CrdsError
from ..common import count, one_line, server_required
from . import auth
from .confirm import confirm_or_cancel, result_path
from .credentials import credentials
from .files import common_instrument
from .form import FORM_URLS, DeriveFrom, pmap_mode, read_redcat_parameters, submission_fields
from .monitor import COMPLETED, Outcome, follow
from .pages import list_items, logged_errors
from .progress import UploadProgress
from .results import SubmissionResults, log_results, read_results
from .session import CSRF_FIELD, WebError, WebSession
from .uploads import prepare_area, upload_file, wipe_area

log = logging.getLogger("opencrds")

#: What a jpoll channel key may look like (crds's PROCESS_KEY_RE).
CHANNEL_KEY_RE = re.compile(r"[A-Za-z0-9:.\-]{1,128}")
_RESULT_LINK = re.compile(r"""href=["']((?:https?://[^"']*)?/display_result/[^"'/]+)/?["']""")


class ServerUnavailable(CrdsError):
    """The server cannot be reached (its FATAL line is already logged)."""


@dataclass(frozen=True)
class SubmitOptions:
    """What to submit and how (the options of ``opencrds submit``)."""

    files: tuple[Path, ...]
    observatory: str | None = None
    derive_from_context: str | None = None
    change_level: str = "SEVERE"
    creator: str | None = None
    description: str | None = None
    auto_rename: bool = True
    compare_old_reference: bool = True
    username: str | None = None
    monitor: bool = False
    wait: bool = False
    kind: str = "batch"
    redcat_parameters: str | None = None
    wipe: bool = False
    keep: bool = False
    certify: bool = False
    autoconfirm: bool = False
    logout: bool = False
    poll_seconds: float = 2.0


class _FormPost:
    """The form POST, sent in a thread while the processing is monitored."""

    def __init__(self, session: WebSession, path: str, fields: dict[str, str]) -> None:
        self.session, self.path, self.fields = session, path, fields
        self.response: httpx.Response | None = None
        self.error: CrdsError | None = None
        self._thread = threading.Thread(target=self._post, name="submit-form", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _post(self) -> None:
        try:
            self.response = self.session.post(self.path, data=self.fields, check=False)
            self.session.check(self.response)
        except CrdsError as exc:
            self.error = exc

    def failed(self) -> str | None:
        """Why the POST failed, once it has (else None): the monitor's stop test."""
        if self._thread.is_alive():
            return None
        return str(self.error) if self.error else None

    def wait(self) -> httpx.Response | None:
        """Wait for the answer; raise its error."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.response


def derive_from(options: SubmitOptions, observatory: str, info: ServerInfo,
                client: RpcClient) -> DeriveFrom:
    """The form's ``pmap_mode`` and ``pmap_name``: ``<obs>-edit`` is the server's edit
    context, ``…-latest`` its latest, anything else resolved as a context specifier."""
    spec = options.derive_from_context or f"{observatory}-edit"
    return DeriveFrom(pmap_mode(spec), resolve(spec, info, client))


def certify_locally(paths: tuple[Path, ...], observatory: str, context: str) -> int:
    """Certify ``paths`` against ``context`` with the library (``--certify-files``); the
    number of errors."""
    from ...certify import CertifyOptions, certify_files

    log.info("Certifying %d file(s) against '%s'.", len(paths), context)
    result = certify_files([str(path) for path in paths],
                           CertifyOptions(observatory=observatory, comparison_context=context))
    return result.counts["ERROR"]


def open_channel(session: WebSession) -> str:
    """``GET /jpoll/open_channel`` -> the channel key (a bare JSON string)."""
    key = session.json("/jpoll/open_channel")
    if not isinstance(key, str) or not CHANNEL_KEY_RE.fullmatch(key):
        raise WebError(f"GET {session.url('/jpoll/open_channel')} answered no channel key: "
                       f"{str(key)[:200]!r}")
    log.debug("jpoll channel %s", key)
    return key


def upload(session: WebSession, options: SubmitOptions) -> None:
    """Clear the upload area as asked and send every file not already there."""
    send = prepare_area(session, options.files, keep=options.keep)
    with UploadProgress(send) as progress:
        for path in send:
            progress.start(path)
            upload_file(session, path, progress)
    log.info("Uploaded %d file(s).", len(send))


def _fields(options: SubmitOptions, derive: DeriveFrom, instrument: str,
            key: str) -> dict[str, str]:
    redcat = read_redcat_parameters(options.redcat_parameters) \
        if options.redcat_parameters else None
    return submission_fields(kind=options.kind, derive=derive, instrument=instrument,
                             change_level=options.change_level,
                             description=options.description or "", creator=options.creator,
                             auto_rename=options.auto_rename,
                             compare_old_reference=options.compare_old_reference,
                             jpoll_key=key, redcat=redcat)


def started_result(html: str) -> str:
    """The ``/display_result/<id>`` link of the page a form POST answers ('' if none)."""
    match = _RESULT_LINK.search(html)
    return match[1] if match else ""


def post_form(session: WebSession, options: SubmitOptions, fields: dict[str, str]) -> _FormPost:
    """GET the form (its CSRF cookie) and start POSTing ``fields`` to it."""
    path = FORM_URLS[options.kind]
    assert path is not None
    token = session.csrf_token(session.get(path))
    post = _FormPost(session, path, {**fields, CSRF_FIELD: token})
    log.info("Submitting %d file(s) to %s", len(options.files), session.url(path))
    post.start()
    return post


def log_page_errors(session: WebSession, result_url: str) -> None:
    """Log the errors a failed submission's result page shows: its list of errors
    (``<ul class="errors">``) and the ``ERROR - …`` lines of its files' certify logs."""
    try:
        page = session.get(result_path(result_url), check=False)
    except WebError:
        return
    if page.is_success:
        for text in dict.fromkeys([*list_items(page.text, "errors"),
                                   *logged_errors(page.text)]):
            log.error("%s", text)


def finish(session: WebSession, client: RpcClient, options: SubmitOptions,
           outcome: Outcome, derive: DeriveFrom) -> SubmissionResults | None:
    """After processing: report a failure, else confirm/cancel (``--autoconfirm``) and read
    the official names from the result (or confirmation) page."""
    if outcome.status != COMPLETED:
        log.error("Submission processing %s: %s", outcome.status_name, outcome.result)
        if outcome.result:
            log_page_errors(session, outcome.result)
        return None
    names = [path.name for path in options.files]
    confirmed = options.autoconfirm and options.kind != "certify"
    if confirmed:
        confirm = count("ERROR") == 0
        page = confirm_or_cancel(session, outcome.result, confirm)
        if not confirm:
            log.error("Submission %s cancelled: there were errors.", outcome.results_id)
            return None
    else:
        page = session.get(result_path(outcome.result))
        if options.kind != "certify":
            log.info("Review and confirm the submission at %s", outcome.result)
    # an unconfirmed new context is not in the catalog yet: its mappings cannot be listed
    results = read_results(page.text, names, client if confirmed else None, derive.name)
    log_results(results, names, confirmed=confirmed)
    return results


def named_observatory(options: SubmitOptions) -> str | None:
    """The observatory named by the switch, ``--derive-from-context``, CRDS_OBSERVATORY,
    CRDS_SERVER_URL or a file name, in that order; None when nothing names one (the
    server's is then taken)."""
    from ...observatories import registered_observatories

    if options.observatory:
        return options.observatory
    if named := observatory_of_spec(options.derive_from_context):
        return named
    if env := os.environ.get("CRDS_OBSERVATORY"):
        return env.lower()
    known = registered_observatories()
    url = os.environ.get("CRDS_SERVER_URL", "")
    for name in [url, *(path.name for path in options.files)]:
        for obs in known:
            if (obs in name) if name is url else name.startswith(obs):
                return obs
    return None


def server_info(observatory: str | None, client: RpcClient) -> ServerInfo:
    """The server's info (``get_server_info``); ServerUnavailable after the FATAL line when
    it cannot be reached, CrdsError when it serves another observatory than ``observatory``."""
    try:
        info = normalize(client.call("get_server_info"), client.url)
    except CrdsError as exc:
        log.debug("get_server_info failed: %s", exc)
        server_required(client.url)
        raise ServerUnavailable(client.url) from None
    if observatory and info.observatory != observatory:
        raise CrdsError(f"CRDS server '{client.url}' serves '{info.observatory}', not "
                        f"'{observatory}': set CRDS_SERVER_URL and CRDS_OBSERVATORY to match.")
    return info


def submit(options: SubmitOptions) -> SubmissionResults | None:
    """Run a submission as ``options`` say; its results when it got that far."""
    named = named_observatory(options)
    url = server_url(named)
    with RpcClient(url) as client:
        info = server_info(named, client)
        observatory = str(info.observatory or named)
        derive = derive_from(options, observatory, info, client)
        instrument = common_instrument(options.files)
        creds = credentials(options.username)
        log.info("Connecting as '%s' to %s, instrument '%s', deriving from %s '%s'.",
                 creds.username, url, instrument, derive.mode, derive.name)
        if options.certify and options.files and certify_locally(options.files, observatory, derive.name):
            raise CrdsError("Certification of the files found errors: not submitting.")
        with WebSession(url) as session:
            auth.login(session, creds, instrument)
            try:
                return _after_login(session, client, options, derive, instrument)
            except CrdsError as exc:  # reported before the logout's lines
                log.error("%s", one_line(exc))
                return None
            finally:
                if options.logout:
                    auth.logout(session)


def _after_login(session: WebSession, client: RpcClient, options: SubmitOptions,
                 derive: DeriveFrom, instrument: str) -> SubmissionResults | None:
    if not options.files:  # --logout alone: log in and out, releasing the lock
        return None
    if options.wipe:  # as crds: before the channel is opened
        wipe_area(session)
    key = open_channel(session)
    upload(session, options)
    if FORM_URLS[options.kind] is None:
        log.info("Files uploaded; no form submitted (--submission-kind none).")
        return None
    post = post_form(session, options, _fields(options, derive, instrument, key))
    outcome = None
    if options.monitor:
        outcome = follow(client, key, interval=options.poll_seconds, stop=post.failed)
    # The answer is always awaited and checked (--wait-for-completion or not): the process
    # must not end before the POST is through, and OpenCRDS answers once the work is queued.
    response = post.wait()
    if outcome is None:
        if not options.monitor:
            started = started_result(response.text if response is not None else "")
            log.info("Submitted; the result will be at %s", session.url(started) if started
                     else f"the end of jpoll channel {key}")
        return None
    return finish(session, client, options, outcome, derive)
