"""Instrument locks: one holder per instrument, take-over by the same user, renewal by every
request, expiry (the lock timeout is a setting users have), the ``/lock_status/`` JSON."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from accounts_helpers import error_message, log_in
from django.test import Client

from opencrds.server.accounts import locks
from opencrds.server.accounts.models import InstrumentLock

LOCK_KEYS = {"name", "type", "user", "created_on", "time_remaining", "is_expired", "status"}


def test_a_second_user_is_refused_a_locked_instrument(make_user: Any) -> None:
    make_user("alice", "acs")
    make_user("bob", "acs")
    assert log_in(Client(), "alice", instrument="acs").status_code == 302
    response = log_in(Client(), "bob", instrument="acs")
    assert response.status_code == 200
    message = error_message(response)
    assert message.startswith("Instrument 'acs' is locked by 'alice' (")
    assert message.endswith(" remaining)")
    assert "Login</a>" in Client().get("/").content.decode()  # bob is not logged in
    assert locks.lock_status("bob")["name"] == ""


def test_the_same_user_logging_in_again_takes_the_lock_over(make_user: Any,
                                                            released: list) -> None:
    make_user("alice", "acs")
    first, second = Client(), Client()
    log_in(first, "alice", instrument="acs")
    before = InstrumentLock.objects.get()
    assert log_in(second, "alice", instrument="acs").status_code == 302
    after = InstrumentLock.objects.get()
    assert (after.pk, after.instrument) == (before.pk, "acs")
    assert after.created_on >= before.created_on
    assert released == []  # kept, not released
    assert first.get("/").status_code == 200


def test_a_login_for_another_instrument_moves_the_lock(make_user: Any, released: list) -> None:
    make_user("alice", "acs", "cos")
    client = Client()
    log_in(client, "alice", instrument="acs")
    log_in(client, "alice", instrument="cos")
    assert locks.lock_status("alice")["name"] == "cos"
    assert released == [("alice", "login")]
    log_in(client, "alice", instrument="none")
    assert locks.lock_status("alice")["name"] == ""
    assert released == [("alice", "login"), ("alice", "login")]


def test_every_request_renews_the_lock(make_user: Any) -> None:
    make_user("alice", "acs")
    client = Client()
    log_in(client, "alice", instrument="acs")
    InstrumentLock.objects.update(
        last_activity=InstrumentLock.objects.get().last_activity - datetime.timedelta(hours=1))
    stale = InstrumentLock.objects.get().last_activity
    client.get("/lock_status/alice/")
    assert InstrumentLock.objects.get().last_activity > stale + datetime.timedelta(minutes=59)
    assert locks.lock_status("alice")["time_remaining"] in ("4:00:00", "3:59:59")


def test_an_expired_lock_logs_its_user_out_and_frees_the_instrument(
        make_user: Any, released: list, settings: Any) -> None:
    settings.OPENCRDS_LOCK_TIMEOUT = datetime.timedelta(seconds=1)
    make_user("alice", "acs")
    make_user("bob", "acs")
    alice = Client()
    log_in(alice, "alice", instrument="acs")
    assert locks.lock_status("alice")["status"] == "ok"
    time.sleep(1.2)
    page = alice.get("/").content.decode()
    assert released == [("alice", "expired")]
    assert "Login</a>" in page and "alice" not in page  # logged out
    assert locks.lock_status("alice")["name"] == ""
    assert log_in(Client(), "bob", instrument="acs").status_code == 302


def test_another_user_takes_an_expired_lock(make_user: Any, released: list,
                                            settings: Any) -> None:
    settings.OPENCRDS_LOCK_TIMEOUT = 1  # seconds, as the environment variable gives it
    make_user("alice", "acs")
    make_user("bob", "acs")
    log_in(Client(), "alice", instrument="acs")
    time.sleep(1.2)
    assert log_in(Client(), "bob", instrument="acs").status_code == 302
    assert released == [("alice", "expired")]
    assert locks.lock_status("bob")["name"] == "acs"


def test_lock_status_with_a_lock(make_user: Any) -> None:
    make_user("alice", "acs")
    log_in(Client(), "alice", instrument="acs")
    response = Client().get("/lock_status/alice/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    status = response.json()
    assert LOCK_KEYS <= set(status)
    assert {k: status[k] for k in ("name", "type", "user", "is_expired", "status")} == {
        "name": "acs", "type": "instrument", "user": "alice", "is_expired": False,
        "status": "ok"}
    assert status["time_remaining"] in ("4:00:00", "3:59:59")
    datetime.datetime.strptime(status["created_on"], "%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_lock_status_without_a_lock(make_user: Any, username: str) -> None:
    make_user("alice", "acs")
    status = Client().get(f"/lock_status/{username}/").json()
    assert status["name"] == "" and status["user"] == username
    assert status["status"] == "error" and status["exception"] == "no lock found."


def test_require_lock(make_user: Any) -> None:
    alice = make_user("alice", "acs", "cos")
    with pytest.raises(locks.LockError, match="holds no instrument lock"):
        locks.require_lock(alice, "hst", "acs")
    locks.acquire(alice, "hst", "acs")
    assert locks.require_lock(alice, "hst", "acs").instrument == "acs"
    with pytest.raises(locks.LockError, match="'acs', not 'cos'"):
        locks.require_lock(alice, "hst", "cos")
    assert locks.current_lock(alice).instrument == "acs"
    assert locks.renew(alice).instrument == "acs"
    assert locks.release(alice, "logout") is True
    assert locks.current_lock(alice) is None and locks.renew(alice) is None


def test_a_failing_receiver_does_not_undo_the_release(make_user: Any) -> None:
    from opencrds.server.accounts.signals import lock_released

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    alice = make_user("alice", "acs")
    locks.acquire(alice, "hst", "acs")
    lock_released.connect(broken, weak=False)
    try:
        assert locks.release(alice, "logout") is True
    finally:
        lock_released.disconnect(broken)
    assert locks.current_lock(alice) is None


def test_logging_in_again_after_expiry_releases_the_old_lock_first(
        make_user: Any, released: list, settings: Any) -> None:
    settings.OPENCRDS_LOCK_TIMEOUT = 1
    alice = make_user("alice", "acs")
    first = locks.acquire(alice, "hst", "acs")
    time.sleep(1.2)
    again = locks.acquire(alice, "hst", "acs")
    assert released == [("alice", "expired")]  # unconfirmed work of the old lock is cancelled
    assert again.pk != first.pk and again.instrument == "acs"
