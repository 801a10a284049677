"""Signing in through OpenID Connect against a real provider on the loopback interface.

The test client plays the browser towards tinhso; ``requests`` plays it towards the provider;
tinhso's backend calls the provider's /token, /jwks and /userinfo over real HTTP.
"""

import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.urls import reverse

from tinhso.accounts import services
from tinhso.accounts.models import User
from tinhso.accounts.oidc import identity_from_claims, parse_birthdate
from tinhso.accounts.tests import oidc_provider
from tinhso.accounts.tests.factories import PASSWORD, OfficialFactory
from tinhso.accounts.validators import compose_cccd

BORN = datetime.date(1988, 9, 2)
CCCD = compose_cccd(province_code="040", date_of_birth=BORN, sex="female", serial=123456)
CLAIMS = {
    "sub": "vneid|8f1c2a",
    "name": "Nguyễn Thị Minh Khai",
    "cccd": CCCD,
    "birthdate": "1988-09-02",
    "gender": "female",
    "email": "minhkhai@example.vn",
    "email_verified": True,
}


@pytest.fixture
def provider():
    running = oidc_provider.Provider(claims=dict(CLAIMS)).start()
    yield running
    running.stop()


@pytest.fixture
def oidc_on(settings, provider):
    issuer = provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = oidc_provider.CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.CLIENT_SECRET
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
    settings.OIDC_USE_PKCE = True
    settings.OIDC_TIMEOUT = 5
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "tinhso.accounts.oidc.CitizenOIDCBackend",
    ]
    return provider


pytestmark = [pytest.mark.django_db, pytest.mark.urls("tinhso.accounts.tests.oidc_urls")]


def sign_in(client):
    """Start at tinhso, sign in at the provider, come back with the code."""
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == reverse("oidc_authentication_callback")
    return client.get(back.path, dict(parse_qsl(back.query)))


def signed_in_user(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_a_citizen_signs_in_and_is_created(client, oidc_on):
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    user = signed_in_user(client)
    assert user is not None
    assert user.kind == User.Kind.CITIZEN
    assert user.cccd == CCCD and user.username == CCCD
    assert user.oidc_subject == "vneid|8f1c2a"
    assert user.full_name == "Nguyễn Thị Minh Khai"
    assert user.date_of_birth == BORN and user.sex == "female"
    assert user.email == "minhkhai@example.vn"
    assert not user.has_usable_password()
    # The session works for the API too.
    assert client.get("/api/v1/accounts/me").json()["cccd"] == CCCD


def test_the_backend_proved_itself_to_the_provider(client, oidc_on):
    sign_in(client)
    (token_request,) = oidc_on.token_requests
    assert token_request["client_secret"] == oidc_provider.CLIENT_SECRET
    assert len(token_request["code_verifier"]) >= 43  # PKCE: checked by the provider
    assert token_request["redirect_uri"] == "http://testserver/oidc/callback/"


def test_signing_in_again_updates_the_same_citizen(client, oidc_on):
    sign_in(client)
    client.logout()
    oidc_on.claims["name"] = "Nguyễn Thị Minh Khai (đã đổi)"
    sign_in(client)
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == 1
    assert signed_in_user(client).full_name == "Nguyễn Thị Minh Khai (đã đổi)"


def test_a_citizen_who_registered_with_a_password_is_linked_by_cccd(client, oidc_on):
    registered = services.citizen_register(
        cccd=CCCD, full_name="Minh Khai", date_of_birth=BORN, sex="female", password=PASSWORD
    )
    sign_in(client)
    assert signed_in_user(client) == registered
    registered.refresh_from_db()
    assert registered.oidc_subject == "vneid|8f1c2a"
    assert registered.has_usable_password()
    assert User.objects.count() == 1


def test_no_cccd_claim_still_makes_a_citizen(client, oidc_on):
    del oidc_on.claims["cccd"]
    sign_in(client)
    user = signed_in_user(client)
    assert user.kind == User.Kind.CITIZEN
    assert user.cccd == ""
    assert user.username.startswith("vneid-")


def test_the_identity_number_claim_is_understood_too(client, oidc_on):
    oidc_on.claims["identity_number"] = oidc_on.claims.pop("cccd")
    sign_in(client)
    assert signed_in_user(client).cccd == CCCD


def refused(client, response) -> bool:
    return response.status_code == 302 and signed_in_user(client) is None


def refusal_reasons(caplog) -> str:
    return " ".join(r.getMessage() for r in caplog.records if r.name == "tinhso.accounts.oidc")


def test_a_token_with_a_wrong_signature_is_refused(client, oidc_on, caplog):
    oidc_on.sign_with_wrong_key = True
    assert refused(client, sign_in(client))
    assert not User.objects.exists()
    assert "JWS token verification failed" in refusal_reasons(caplog)


def test_a_token_with_a_wrong_nonce_is_refused(client, oidc_on, caplog):
    oidc_on.id_token_claims["nonce"] = "not-the-one-we-sent"
    assert refused(client, sign_in(client))
    assert not User.objects.exists()
    assert "Nonce verification failed" in refusal_reasons(caplog)


def test_a_token_for_another_client_is_refused(client, oidc_on, caplog):
    oidc_on.id_token_claims["aud"] = "another-client"
    assert refused(client, sign_in(client))
    assert "another client" in refusal_reasons(caplog)


def test_a_token_from_another_issuer_is_refused(client, oidc_on, caplog):
    oidc_on.id_token_claims["iss"] = "https://impostor.example"
    assert refused(client, sign_in(client))
    assert "another issuer" in refusal_reasons(caplog)


def test_an_expired_token_is_refused(client, oidc_on, caplog):
    oidc_on.id_token_claims["exp"] = 1_000_000_000
    assert refused(client, sign_in(client))
    assert "expired" in refusal_reasons(caplog)


def test_userinfo_about_someone_else_is_refused(client, oidc_on):
    oidc_on.userinfo_subject = "vneid|someone-else"
    assert refused(client, sign_in(client))
    assert not User.objects.exists()


def test_a_cccd_that_disagrees_with_the_birth_date_is_refused(client, oidc_on):
    oidc_on.claims["birthdate"] = "1989-09-02"
    assert refused(client, sign_in(client))
    assert not User.objects.exists()


def test_never_signs_in_as_an_official(client, oidc_on):
    official = OfficialFactory(cccd=CCCD)
    assert refused(client, sign_in(client))
    official.refresh_from_db()
    assert official.oidc_subject == ""
    assert User.objects.count() == 1


def test_a_replayed_callback_is_refused(client, oidc_on):
    start = client.get(reverse("oidc_authentication_init"))
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_provider.headers["Location"])
    query = dict(parse_qsl(back.query))
    client.get(back.path, query)
    assert signed_in_user(client) is not None
    client.logout()
    response = client.get(back.path, query)  # same state and code again
    assert response.status_code in (302, 400)
    assert signed_in_user(client) is None


def test_an_inactive_citizen_is_refused(client, oidc_on):
    sign_in(client)
    user = signed_in_user(client)
    client.logout()
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert refused(client, sign_in(client))


def test_the_login_page_offers_vneid_when_enabled(client, oidc_on):
    html = client.get(reverse("accounts:login")).content.decode()
    assert reverse("oidc_authentication_init") in html


def test_a_password_sign_in_never_calls_the_provider(client, oidc_on):
    services.citizen_register(
        cccd=CCCD, full_name="Minh Khai", date_of_birth=BORN, sex="female", password=PASSWORD
    )
    response = client.post(
        reverse("accounts:login") + "?code=x&state=y", {"username": CCCD, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert oidc_on.token_requests == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1988-09-02", BORN),
        ("02/09/1988", BORN),
        ("1988", None),
        (None, None),
        (19880902, None),
    ],
)
def test_parse_birthdate(value, expected):
    assert parse_birthdate(value) == expected


def test_identity_from_claims_maps_vietnamese_genders_and_unverified_email():
    identity = identity_from_claims(
        {"sub": "x", "family_name": "Trần", "given_name": "An", "gender": "Nam",
         "email": "a@b.vn", "email_verified": False}
    )  # fmt: skip
    assert identity["full_name"] == "Trần An"
    assert identity["sex"] == "male"
    assert identity["email"] == ""
