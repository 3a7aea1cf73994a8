"""Roles (admin, operator, submitter per instrument) and the page decorators."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from opencrds.server.accounts import roles, services


def test_submitters_need_the_permission_and_a_grant(make_user: Any) -> None:
    alice = make_user("alice", "acs")
    assert roles.may_submit(alice, "hst", "acs")
    assert not roles.may_submit(alice, "hst", "cos")
    assert not roles.may_submit(alice, "jwst", "acs")
    assert not roles.may_submit(alice, "hst", "none")
    assert not roles.is_operator(alice) and not roles.is_admin(alice)
    services.grant(alice, "hst", all_instruments=True)
    alice = services.find_user("alice")  # permissions are cached per user object
    assert roles.may_submit(alice, "hst", "cos")
    services.grant(alice, "hst", ["acs"], all_instruments=True, revoke=True)
    alice = services.find_user("alice")
    assert not roles.may_submit(alice, "hst", "acs")
    assert not alice.has_perm(roles.SUBMIT_PERMISSION)


def test_operators_and_superusers(make_user: Any, django_user_model: Any) -> None:
    olga = make_user("olga", operator=True)
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    for user in (olga, root):
        assert roles.is_operator(user) and roles.may_submit(user, "hst", "stis")
    assert roles.is_admin(root) and not roles.is_admin(olga)
    anonymous = AnonymousUser()
    assert not (roles.is_operator(anonymous) or roles.may_submit(anonymous, "hst", "acs"))
    olga.is_active = False
    assert not roles.is_operator(olga)


def _view(request: Any) -> HttpResponse:
    return HttpResponse("secret")


def test_login_required_page(make_user: Any) -> None:
    view = roles.login_required_page(_view)
    request = RequestFactory().get("/submit/?x=1")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302 and response["Location"] == "/login/?next=/submit/%3Fx%3D1"
    request = RequestFactory().post("/submit/")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 403 and b'id="error_message"' in response.content
    request.user = make_user("alice", "acs")
    assert view(request).content == b"secret"


def test_operator_required(make_user: Any) -> None:
    view = roles.operator_required(_view)
    request = RequestFactory().post("/set_default_context/")
    request.user = make_user("alice", "acs")
    response = view(request)
    assert response.status_code == 403
    assert b"User &#x27;alice&#x27; is not an operator." in response.content
    request.user = make_user("olga", operator=True)
    assert view(request).content == b"secret"
    request = RequestFactory().get("/set_default_context/")
    request.user = AnonymousUser()
    assert view(request).status_code == 302
