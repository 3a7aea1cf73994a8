"""Logging in with a password or an API token, the login form's CSRF cookie, safe ``next``,
who may lock which instrument, logging out."""

from __future__ import annotations

import datetime
from typing import Any

from accounts_helpers import PASSWORD, error_message, log_in
from django.test import Client
from django.utils import timezone

from opencrds.server.accounts import locks, tokens
from opencrds.server.accounts.models import ApiToken


def test_the_login_form_sets_the_csrf_cookie_and_lists_the_instruments(site: None) -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    text = response.content.decode()
    assert '<option value="acs"' in text and '<option value="none"' in text
    assert "<title>Login | HST CRDS" in text and "MyST SSO Portal" not in text
    assert error_message(response) == ""


def test_a_post_without_the_csrf_token_is_refused(make_user: Any) -> None:
    make_user("alice", "acs")
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    response = client.post("/login/", {"username": "alice", "password": PASSWORD,
                                       "instrument": "acs"})
    assert response.status_code == 403
    assert locks.lock_status("alice")["name"] == ""


def test_password_login_locks_the_instrument_and_goes_home(make_user: Any) -> None:
    make_user("alice", "acs")
    client = Client(enforce_csrf_checks=True)
    response = log_in(client, "alice", instrument="acs", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/", 302)]
    assert error_message(response) == ""
    page = response.content.decode()
    assert 'id="logged_in_user">alice <span id="locked_instrument">acs</span>' in page
    assert 'id="operational_context">hst_0729.pmap' in page
    status = client.get("/lock_status/alice/").json()
    assert status["name"] == "acs" and status["status"] == "ok"


def test_token_login_in_the_password_field(make_user: Any) -> None:
    user = make_user("bot", "cos", password=None)  # token-only account
    key = tokens.issue(user, "ci")
    assert user.has_usable_password() is False
    response = log_in(Client(), "bot", key, "cos")
    assert response.status_code == 302 and response["Location"] == "/"
    assert ApiToken.objects.get(user=user).last_used is not None
    assert locks.lock_status("bot")["name"] == "cos"


def test_token_login_through_the_asb_auth_cookie(make_user: Any) -> None:
    user = make_user("bot", "cos", password=None)
    client = Client()
    client.cookies["ASB-AUTH"] = tokens.issue(user)
    response = log_in(client, "bot", "", "cos")
    assert response.status_code == 302


def test_a_password_still_works_next_to_tokens(make_user: Any) -> None:
    user = make_user("alice", "acs")
    tokens.issue(user)
    assert log_in(Client(), "alice", PASSWORD, "acs").status_code == 302


def test_revoked_and_expired_tokens_and_wrong_passwords_are_refused(make_user: Any) -> None:
    user = make_user("bot", "cos", password=None)
    revoked, expired = tokens.issue(user, "old"), tokens.issue(user, "short", days=1)
    tokens.revoke(user, revoked[:tokens.PREFIX_LENGTH])
    ApiToken.objects.filter(prefix=expired[:tokens.PREFIX_LENGTH]).update(
        expires=timezone.now() - datetime.timedelta(seconds=1))
    for key in (revoked, expired, "not-a-token", PASSWORD):
        response = log_in(Client(), "bot", key, "cos")
        assert response.status_code == 200
        assert error_message(response) == "Invalid user name or password (or API token)."
    assert locks.lock_status("bot")["name"] == ""


def test_unknown_users_are_refused_like_wrong_passwords(site: None) -> None:
    response = log_in(Client(), "nobody", "whatever", "acs")
    assert error_message(response) == "Invalid user name or password (or API token)."


def test_only_granted_instruments_may_be_locked(make_user: Any) -> None:
    make_user("alice", "acs")
    response = log_in(Client(), "alice", instrument="cos")
    assert response.status_code == 200
    assert error_message(response) == "User 'alice' may not submit files for instrument 'cos'."
    response = log_in(Client(), "alice", instrument="hubble2")
    assert error_message(response) == "Unknown instrument 'hubble2' for HST."


def test_operators_lock_any_instrument_and_anyone_may_lock_none(make_user: Any) -> None:
    make_user("olga", operator=True)
    make_user("alice", "acs")
    assert log_in(Client(), "olga", instrument="stis").status_code == 302
    assert log_in(Client(), "alice", instrument="none").status_code == 302
    assert locks.lock_status("alice")["name"] == ""


def test_next_is_followed_only_on_this_site(make_user: Any) -> None:
    make_user("alice", "acs")
    for target, expected in (("https://evil.example/", "/"), ("//evil.example/x", "/"),
                             ("/lock_status/alice/", "/lock_status/alice/"), ("", "/")):
        response = log_in(Client(), "alice", instrument="acs", next=target)
        assert response["Location"] == expected, target


def test_logout_releases_the_lock(make_user: Any, released: list) -> None:
    make_user("alice", "acs")
    client = Client()
    log_in(client, "alice", instrument="acs")
    response = client.get("/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert released == [("alice", "logout")]
    assert locks.lock_status("alice")["exception"] == "no lock found."
    assert "Login</a>" in client.get("/").content.decode()


def test_logout_without_the_slash(make_user: Any, released: list) -> None:
    make_user("alice", "acs")
    client = Client()
    log_in(client, "alice", instrument="acs")
    assert client.get("/logout").status_code == 302
    assert released == [("alice", "logout")]


def test_the_home_page_for_anyone(site: None) -> None:
    response = Client().get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/login/"' in page and 'id="edit_context">hst_' in page


def test_repeated_failures_are_throttled(make_user: Any, settings: Any) -> None:
    """django-axes (before the password-or-token backend) locks the user name out."""
    user = make_user("bot", "cos", password=None)
    key = tokens.issue(user)
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(Client(), "bot", f"wrong-{attempt}", "cos").status_code == 200
    assert log_in(Client(), "bot", "wrong-again", "cos").status_code == 429  # the limit
    assert log_in(Client(), "bot", key, "cos").status_code == 429
    assert locks.lock_status("bot")["name"] == ""
