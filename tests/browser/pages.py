"""Every page of the web site (issue #14, SERVER.md §1), with what each must show for the real
JWST and HST caches: one row per (observatory, page).

A row names the URL, who looks at it (anonymous, or a ``submitter`` with an instrument locked,
an ``operator``, an ``admin``), the HTTP status, and checks: a CSS selector (the element ids
agreed between the parts of the site) and a text the element must contain, taken from the
shared data by catalog_facts.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog_facts import Facts, facts
from server_helpers import HAVE_SHARED_DATA, OBSERVATORIES
from site_users import locked_instrument


@dataclass(frozen=True)
class Expect:
    """``selector`` matches an element whose text contains ``text`` ("" : present is enough)."""

    selector: str
    text: str = ""


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    expects: tuple[Expect, ...]
    owner: str                     # the part of the site that builds it
    role: str | None = None        # None: anonymous; submitter, operator, admin
    status: int = 200
    kind: str = "html"             # html, json or csv
    narrow: bool = False           # also checked 375 px wide
    allow_404: tuple[str, ...] = ()  # URL patterns whose 404 the page may ask for
    observatories: tuple[str, ...] = field(default=OBSERVATORIES)

    @property
    def id(self) -> str:
        return self.key


def _e(selector: str, *texts: str) -> tuple[Expect, ...]:
    return tuple(Expect(selector, text) for text in texts) or (Expect(selector),)


def pages_of(f: Facts) -> list[Page]:
    """The table for one observatory."""
    rows = [
        # ---- home and contexts (SERVER.md §1.1, §1.2, §1.5, §1.6, §1.9, §1.24, §1.27) ----
        Page("home", "/", (
            *_e("#operational_context", f.operational), *_e("#edit_context", f.edit),
            *_e("#context_history", f.history[0][1]), *_e("main", f.imap)),
            owner="contexts", narrow=True),
        Page("home-contexts", "/", (
            *_e("#operational_context", f.operational), *_e("#edit_context", f.edit)),
            owner="skeleton"),
        Page("context-table", f"/context_table/{f.operational}", (
            *_e("h1", f.operational), *_e("main", f.imap, f.rmap)),
            owner="contexts", narrow=True),
        Page("context-table-instrument", f"/context_table/{f.operational}/{f.instrument}/", (
            *_e("h1", f.operational), *_e("#instrument_tables", f.rmap, f.reference)),
            owner="contexts"),
        Page("context-history", "/display_context_history/", (
            *_e("#context_history", f.history[0][1], f.history_description, f.history[1][1]),),
            owner="contexts", narrow=True),
        Page("all-contexts", "/display_all_contexts/", _e("#all_contexts", f.newest_pmap),
             owner="contexts"),
        Page("build-contexts", "/display_build_contexts/", _e("#build_contexts"),
             owner="contexts"),
        Page("recent-activity", "/recent_activity_input/", _e("main form"), owner="contexts"),
        Page("version-info", "/version_info/", _e("main", "opencrds", "Django", "crds"),
             owner="contexts"),
        Page("cmdline-bestrefs", "/docs/cmdline_bestrefs/",
             _e("main", "CRDS_PATH", "CRDS_SERVER_URL"), owner="contexts"),
        Page("json-browse", "/json/browse/",
             _e("main", "get_best_references", "get_server_info", "get_file_info"),
             owner="contexts"),
        Page("difference-contexts", f"/difference/?file1={f.previous}&file2={f.operational}",
             _e("main", f.previous, f.operational, *f.changed_imaps), owner="bestrefs"),
        # ---- browse (SERVER.md §1.7, §1.8) ----
        Page("browse-db", "/browse_db/", (*_e("main form"), *_e("#browse_results")),
             owner="browse", narrow=True),
        Page("browse-db-json", "/browse_db/?format=json", _e("body", '"name"'),
             owner="browse", kind="json"),
        Page("browse-db-csv", "/browse_db/?format=csv", _e("body", "name"),
             owner="browse", kind="csv"),
        Page("browse-rmap", f"/browse/{f.rmap}", (
            *_e("h1", f.rmap), *_e("#file_database", f.rmap_sha1),
            *_e("#file_contents", f.reference)), owner="browse", narrow=True),
        Page("browse-reference", f"/browse/{f.reference}", (
            *_e("h1", f.reference), *_e("#file_database", f.reference_sha1, f.instrument)),
            owner="browse"),
        Page("browse-context", f"/browse/{f.operational}", (
            *_e("#file_database", f.operational), *_e("#file_contents", f.imap)),
            owner="browse"),
        Page("browse-json", f"/browse/{f.rmap}?format=json", _e("body", f.rmap_sha1),
             owner="browse", kind="json"),
        Page("browse-unknown", "/browse/no_such_file_0001.fits", _e("h1", "404"),
             owner="browse", status=404),
        # ---- best references (SERVER.md §1.3, §1.4) ----
        Page("bestrefs", "/bestrefs/", (
            *_e("form#bestrefs_form", f.edit), *_e("#dataset_file"), *_e("#dataset_ids"),
            *_e("#bestrefs_button")), owner="bestrefs", narrow=True),
        Page("bestrefs-explore", "/bestrefs_explore/", _e("main form", f.instrument),
             owner="bestrefs"),
        # ---- accounts and the chrome (SERVER.md §0.2, §1.11) ----
        Page("login", "/login/", _e("select[name=instrument]", f.instrument, "none"),
             owner="skeleton", narrow=True),
        Page("login-form", "/login/", (
            *_e("form#login_form"), *_e("#id_username"), *_e("#id_password"),
            *_e("#id_instrument", f.instrument), *_e("#login_button")), owner="forms"),
        Page("home-submitter", "/", (
            *_e("#locked_instrument", locked_instrument(f.observatory)),
            *_e("#lock_time_remaining"),
            *_e("#operational_context", f.operational)),
            owner="skeleton", role="submitter"),
        Page("health", "/health", _e("body", f'"operational_context": "{f.operational}"'),
             owner="skeleton", kind="json"),
        Page("not-found", "/no/such/page/", (*_e("h1", "404"), *_e("#error_explanation")),
             owner="skeleton", status=404),
        # Django's admin pages name no icon: Chromium asks for /favicon.ico (redirected to the
        # site's icon).
        Page("admin-login", "/admin/", _e("main, #content", "Username"),
             owner="skeleton"),
        Page("admin", "/admin/", _e("#content", "Site administration"),
             owner="skeleton", role="admin"),
        # ---- submission forms (SERVER.md §1.12-§1.23) ----
        *[Page(key, path, (*_e("form#submission_form", f.edit), *_e("#upload_files"),
                           *_e("#upload_dropzone"), *_e("#start_upload"), *_e("#upload_list"),
                           *_e("#submit_button")),
               owner="forms", role="submitter", narrow=key == "batch-submit")
          for key, path in (("batch-submit", "/batch_submit_references/"),
                            ("redcat-submit", "/submission_form/redcat_submit/"),
                            ("submit-mappings", "/submit/mapping/"),
                            ("submit-references", "/submit/reference/"))],
        Page("certify", "/certify/", (*_e("#upload_files"), *_e("#upload_list")),
             owner="forms", role="submitter"),
        Page("difference-form", "/difference/", _e("main form"), owner="forms",
             role="submitter"),
        Page("add-references", "/add_existing/reference/",
             (*_e("form#submission_form", f.edit), *_e("#submit_button")),
             owner="forms", role="submitter"),
        Page("delete-references", "/delete/reference/",
             (*_e("form#submission_form", f.edit), *_e("#submit_button")),
             owner="forms", role="submitter"),
        Page("mark-bad", "/mark_bad/", _e("main form textarea"), owner="forms",
             role="operator"),
        Page("set-context", "/set_default_context/", _e("main", f.operational),
             owner="forms", role="operator"),
        Page("delivery-status", "/delivery_status/", _e("h1"), owner="forms",
             role="submitter"),
        Page("submission-history", "/submission_history/", _e("main form"), owner="forms",
             role="submitter"),
        Page("old-results", "/old_results/", _e("h1"), owner="forms", role="submitter"),
    ]
    return [row for row in rows if f.observatory in row.observatories]


def all_pages() -> list[tuple[str, Page]]:
    """(observatory, page) for every row: the walk's parameters."""
    if not HAVE_SHARED_DATA:
        return []
    return [(observatory, row) for observatory in OBSERVATORIES
            for row in pages_of(facts(observatory))]


def normalised(text: str) -> str:
    """Text with its runs of white space (also non-breaking) made one space."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()
