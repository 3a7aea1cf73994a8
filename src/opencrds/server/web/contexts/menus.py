"""The home page's service menus, each link with a tooltip, shown to who may use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...accounts import roles


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    tip: str


@dataclass(frozen=True)
class Menu:
    title: str
    ident: str
    links: tuple[Link, ...]


PUBLIC = (
    Menu("Obtain Best Reference Files", "menu_bestrefs", (
        Link("Using the Command Line", "/docs/cmdline_bestrefs/",
             "Set up the crds client to compute best references on your own machine"),
        Link("From Dataset ID or Header Upload", "/bestrefs/",
             "Best references of a dataset id or an uploaded FITS, ASDF or JSON header"),
        Link("Exploring with Instrument Parameters", "/bestrefs_explore/",
             "Pick an instrument's parameter values from menus and see the references chosen"),
    )),
    Menu("Reference File Database Services", "menu_database", (
        Link("Server Environment Package Versions", "/version_info/",
             "Versions of the software this server runs"),
        Link("Browse Database", "/browse_db/", "Search the catalog of files"),
        Link("Recent Activity", "/recent_activity_input/",
             "Deliveries, context changes and other actions, filtered"),
        Link("All Contexts", "/display_all_contexts/", "Every .pmap ever delivered"),
        Link("Context History", "/display_context_history/",
             "Which context was operational when, with a timeline"),
    )),
)


def _submitter(user: Any) -> bool:
    return roles.is_operator(user) or bool(
        user.is_authenticated and user.is_active and user.has_perm(roles.SUBMIT_PERMISSION))


def private_menus(user: Any) -> list[Menu]:
    """The menus of the right column for ``user`` (none when anonymous)."""
    if not (user.is_authenticated and user.is_active):
        return []
    operator, submitter = roles.is_operator(user), _submitter(user)
    restricted = [
        Link("Certify Files", "/certify/", "Check files against CRDS's rules without submitting"),
        Link("Difference Files", "/difference/", "Compare two mappings or reference files"),
        Link("Delivery Status", "/delivery_status/",
             "Infer archiving status from files in the delivery directory"),
    ]
    if operator:
        restricted.append(Link("Set Context", "/set_default_context/",
                               "Choose the context everyone should use by default"))
    menus = [Menu("Restricted Services", "menu_restricted", tuple(restricted))]
    if submitter:
        menus.append(Menu("Routine Submission Services", "menu_routine", (
            Link("Batch Submit References", "/batch_submit_references/",
                 "Submit references and generate the new rules for them"),
            Link("Enhanced Batch Submit References", "/submission_form/redcat_submit/",
                 "Batch submit with the ReDCaT delivery form"),
            Link("Submit Mappings", "/submit/mapping/", "Submit hand-edited rules files"),
        )))
        advanced = [
            Link("Submit References", "/submit/reference/",
                 "Submit references without generating rules"),
            Link("Add References", "/add_existing/reference/",
                 "Add catalogued references to the rules"),
            Link("Delete References", "/delete/reference/", "Remove references from the rules"),
        ]
        if operator:
            advanced.insert(0, Link("Mark Files Bad", "/mark_bad/",
                                    "Mark files scientifically invalid (or OK again)"))
        menus.append(Menu("Advanced Services", "menu_advanced", tuple(advanced)))
    menus.append(Menu("Your Submissions", "menu_submissions", (
        Link("Submission History", "/submission_history/", "Submissions and their status"),
        Link("Old Results", "/old_results/", "Result pages of earlier submissions"),
    )))
    if roles.is_admin(user):
        menus.append(Menu("Super User Services", "menu_super", (
            Link("Server Version Info", "/version_info/", "Versions of the server's software"),
            Link("Admin", "/admin/", "Django's administration of users and the catalog"),
        )))
    return menus
