"""Signing in and out: the page, the API session, the lockout after repeated failures."""

import json

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tinhso.accounts.tests.factories import PASSWORD, CitizenFactory, OfficialFactory

pytestmark = pytest.mark.django_db

LOGIN = "/tai-khoan/dang-nhap/"
SESSION = "/api/v1/accounts/session"


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def api_sign_in(client, username, password=PASSWORD):
    return client.post(
        SESSION, json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )  # fmt: skip


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_urls_are_where_the_portal_expects_them():
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:logout") == "/tai-khoan/dang-xuat/"
    assert reverse("accounts:account") == "/tai-khoan/"


def test_login_page_is_a_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'autocomplete="current-password"' in html
    assert "csrfmiddlewaretoken" in html


def test_citizen_signs_in_with_their_cccd_typed_with_spaces(client):
    citizen = CitizenFactory()
    typed = f"{citizen.cccd[:3]} {citizen.cccd[3:6]} {citizen.cccd[6:]}"
    response = sign_in(client, typed)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert signed_in_as(client) == str(citizen.pk)


def test_official_signs_in_with_a_username(client):
    official = OfficialFactory()
    assert sign_in(client, official.username).status_code == 302
    assert signed_in_as(client) == str(official.pk)


def test_wrong_password_is_refused_on_the_page(client):
    citizen = CitizenFactory()
    response = sign_in(client, citizen.cccd, "sai-mat-khau")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_as(client) is None


def test_an_inactive_account_cannot_sign_in(client):
    citizen = CitizenFactory(is_active=False)
    assert sign_in(client, citizen.cccd).status_code == 200
    assert signed_in_as(client) is None


def test_logout_is_post_only(client):
    citizen = CitizenFactory()
    client.force_login(citizen)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_as(client) == str(citizen.pk)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert signed_in_as(client) is None


# ---- lockout (django-axes: 5 failures per username and address → 15 minutes) ----------------


def test_five_failures_lock_the_pair_even_for_the_right_password(client):
    citizen = CitizenFactory()
    for attempt in range(4):
        assert sign_in(client, citizen.cccd, f"sai-{attempt}").status_code == 200
    locked = sign_in(client, citizen.cccd, "sai-4")
    assert locked.status_code == 429
    response = sign_in(client, citizen.cccd)  # the right password, too late
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert response["Retry-After"] == str(15 * 60)
    assert "accounts/locked.html" in [template.name for template in response.templates]
    assert "15" in response.content.decode()


def test_the_lock_is_per_username_so_a_shared_address_keeps_working(client):
    victim, colleague = CitizenFactory(), CitizenFactory()
    for attempt in range(5):
        sign_in(client, victim.cccd, f"sai-{attempt}")
    assert sign_in(client, victim.cccd).status_code == 429
    assert sign_in(client, colleague.cccd).status_code == 302
    assert signed_in_as(client) == str(colleague.pk)


def test_the_lock_is_per_address_too(client):
    citizen = CitizenFactory()
    for attempt in range(5):
        sign_in(client, citizen.cccd, f"sai-{attempt}")
    elsewhere = client.post(
        LOGIN, {"username": citizen.cccd, "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert elsewhere.status_code == 302


def test_a_successful_sign_in_resets_the_count(client):
    citizen = CitizenFactory()
    for attempt in range(4):
        sign_in(client, citizen.cccd, f"sai-{attempt}")
    assert sign_in(client, citizen.cccd).status_code == 302
    client.post(reverse("accounts:logout"))
    for attempt in range(4):
        assert sign_in(client, citizen.cccd, f"lai-sai-{attempt}").status_code == 200
    assert sign_in(client, citizen.cccd).status_code == 302
    assert signed_in_as(client) == str(citizen.pk)


def test_spacing_the_cccd_differently_does_not_escape_the_lock(client):
    citizen = CitizenFactory()
    for attempt in range(5):
        sign_in(client, citizen.cccd, f"sai-{attempt}")
    spaced = f"{citizen.cccd[:6]} {citizen.cccd[6:]}"
    assert sign_in(client, spaced).status_code == 429


def test_the_log_of_attempts_never_holds_the_password(client):
    citizen = CitizenFactory()
    sign_in(client, citizen.cccd, "mat-khau-bi-mat")
    attempt = AccessAttempt.objects.get()
    assert "mat-khau-bi-mat" not in attempt.post_data


def test_the_api_lockout_is_an_error_envelope(client):
    citizen = CitizenFactory()
    for attempt in range(4):
        response = api_sign_in(client, citizen.cccd, f"sai-{attempt}")
        assert response.status_code == 401
        assert response.json()["code"] == "login_failed"
    response = api_sign_in(client, citizen.cccd, "sai-4")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "login_locked"
    assert body["message"]
    assert body["details"] == {"retry_after_seconds": 900}
    assert api_sign_in(client, citizen.cccd).status_code == 429


def test_a_page_request_asking_for_json_gets_json(client):
    citizen = CitizenFactory()
    for attempt in range(5):
        sign_in(client, citizen.cccd, f"sai-{attempt}")
    response = client.post(
        LOGIN, {"username": citizen.cccd, "password": PASSWORD}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"


# ---- the API session ------------------------------------------------------------------------


def test_api_session_sign_in_me_and_sign_out(client):
    citizen = CitizenFactory()
    assert client.get("/api/v1/accounts/me").status_code == 401
    response = api_sign_in(client, citizen.cccd)
    assert response.status_code == 200
    assert response.json()["id"] == citizen.pk
    assert "sessionid" in response.cookies
    me = client.get("/api/v1/accounts/me").json()
    assert me["kind"] == "citizen"
    assert me["cccd"] == citizen.cccd  # their own data, in clear
    assert me["roles"] == [] and me["permissions"] == []
    assert client.delete(SESSION).status_code == 204
    assert client.get("/api/v1/accounts/me").json()["code"] == "not_authenticated"


def test_api_session_only_takes_json(client):
    citizen = CitizenFactory()
    forged = client.post(
        SESSION,
        json.dumps({"username": citizen.cccd, "password": PASSWORD, "x": "="}),
        content_type="text/plain",
    )
    assert forged.status_code == 415
    assert forged.json()["code"] == "unsupported_media_type"
    assert signed_in_as(client) is None


def test_api_session_bad_input_is_an_envelope(client):
    response = client.post(SESSION, json.dumps({"username": "x"}), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_api_me_for_an_official_lists_roles_and_permissions(client):
    official = OfficialFactory(permissions=["accounts.view_officials"])
    client.force_login(official)
    me = client.get("/api/v1/accounts/me").json()
    assert me["agency"]["id"] == official.agency_id
    assert me["agency"]["unit"]["id"] == official.agency.unit_id
    assert me["permissions"] == ["accounts.view_officials"]
    assert len(me["roles"]) == 1


# ---- my account -------------------------------------------------------------------------------


def test_my_account_needs_a_sign_in(client):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_my_account_shows_my_own_data(client):
    citizen = CitizenFactory()
    client.force_login(citizen)
    html = client.get(reverse("accounts:account")).content.decode()
    assert citizen.full_name in html
    assert citizen.cccd in html
    assert citizen.address in html
