"""The account management commands (``opencrds manage ...``, run in-process) and the admin."""

from __future__ import annotations

import io
from typing import Any

import pytest
from accounts_helpers import PASSWORD, error_message, log_in
from django.core.management import CommandError, call_command
from django.test import Client

from opencrds.server.accounts import locks, roles, services, tokens
from opencrds.server.accounts.models import ApiToken


def run(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> str:
    """What ``manage ARGS`` prints on standard output."""
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_add_user_with_a_password_from_the_environment(site: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCRDS_USER_PASSWORD", PASSWORD)
    assert "created user 'alice'" in run("add_user", "alice", "--email", "a@example.org",
                                         "--instrument", "acs", "--instrument", "COS")
    alice = services.find_user("alice")
    assert alice.email == "a@example.org"
    assert roles.may_submit(alice, "hst", "cos") and not roles.may_submit(alice, "hst", "stis")
    assert log_in(Client(), "alice", instrument="cos").status_code == 302


def test_add_user_with_the_password_on_stdin(site: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENCRDS_USER_PASSWORD", raising=False)
    run("add_user", "alice", "--all-instruments", "--password-stdin", stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch)
    assert log_in(Client(), "alice", instrument="stis").status_code == 302


def test_a_token_only_user_logs_in_with_the_token_issued(site: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENCRDS_USER_PASSWORD", raising=False)
    assert "(API tokens only)" in run("add_user", "bot", "--email", "b@example.org",
                                      "--instrument", "wfc3")
    out = run("issue_token", "bot", "--name", "ci", "--days", "14")
    assert out.count("\n") == 1
    key = out.strip()
    token = ApiToken.objects.get(user__username="bot")
    assert (token.name, token.prefix) == ("ci", key[:tokens.PREFIX_LENGTH]) and token.key_hash != key
    assert token.expires is not None
    assert log_in(Client(), "bot", key, "wfc3").status_code == 302
    run("revoke_token", "bot", "--prefix", key[:tokens.PREFIX_LENGTH])
    assert error_message(log_in(Client(), "bot", key, "wfc3")).startswith("Invalid")


def test_revoking_every_token(site: None) -> None:
    run("add_user", "bot", "--instrument", "acs")
    keys = [run("issue_token", "bot").strip() for _ in range(2)]
    assert "revoked 2 token(s)" in run("revoke_token", "bot", "--all")
    for key in keys:
        assert log_in(Client(), "bot", key, "acs").status_code == 200
    with pytest.raises(CommandError, match="no active token"):
        run("revoke_token", "bot", "--prefix", keys[0][:tokens.PREFIX_LENGTH])


def test_grant_and_revoke(site: None) -> None:
    run("add_user", "alice", "--instrument", "acs")
    run("grant", "alice", "--instrument", "cos", "--operator")
    alice = services.find_user("alice")
    assert roles.is_operator(alice) and roles.may_submit(alice, "hst", "cos")
    assert "may submit for: acs" in run("grant", "alice", "--instrument", "cos", "--operator",
                                        "--revoke")
    alice = services.find_user("alice")
    assert not roles.is_operator(alice) and not roles.may_submit(alice, "hst", "cos")
    with pytest.raises(CommandError, match="give --instrument"):
        run("grant", "alice")
    with pytest.raises(CommandError, match="no user 'nobody'"):
        run("grant", "nobody", "--instrument", "acs")
    with pytest.raises(CommandError, match="'a c s' is not an instrument name"):
        run("grant", "alice", "--instrument", "a c s")


def test_release_lock(make_user: Any, released: list) -> None:
    alice = make_user("alice", "acs")
    locks.acquire(alice, "hst", "acs")
    assert "released the lock of 'alice'" in run("release_lock", "alice")
    assert released == [("alice", "operator")]
    assert locks.lock_status("alice")["name"] == ""
    assert "held no lock" in run("release_lock", "alice")


def test_createsuperuser_may_do_everything(site: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--username", "root",
                 "--email", "root@example.org", stdout=io.StringIO())
    root = services.find_user("root")
    assert roles.is_admin(root) and roles.may_submit(root, "hst", "nicmos")
    assert log_in(Client(), "root", instrument="nicmos").status_code == 302


def test_the_admin_shows_token_prefixes_only(make_user: Any) -> None:
    from opencrds.server.accounts import tokens

    make_user("root", operator=True)
    services.find_user("root").__class__.objects.filter(username="root").update(
        is_staff=True, is_superuser=True)
    key = tokens.issue(services.find_user("root"), "laptop")
    client = Client()
    client.force_login(services.find_user("root"))
    page = client.get("/admin/accounts/apitoken/").content.decode()
    assert key[:tokens.PREFIX_LENGTH] in page and key not in page
    assert ApiToken.objects.get().key_hash not in page
    token = ApiToken.objects.get()
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.key_hash not in detail and key[:tokens.PREFIX_LENGTH] in detail
    response = client.post("/admin/accounts/apitoken/", {
        "action": "revoke", "_selected_action": [str(token.pk)]})
    assert response.status_code == 302
    assert ApiToken.objects.get().revoked
    locks.acquire(services.find_user("root"), "hst", "acs")
    lock = locks.current_lock(services.find_user("root"))
    response = client.post(f"/admin/accounts/instrumentlock/{lock.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and locks.current_lock(services.find_user("root")) is None
