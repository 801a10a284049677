"""The "Sign in with VNeID" button on the login page: shown only when OpenID Connect is on."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import NoReverseMatch, reverse

# The project's URLs, loaded now (as at start-up) and not after a test switched OIDC on.
import tinhso.urls  # noqa: F401

pytestmark = pytest.mark.django_db

LOGIN = "/tai-khoan/dang-nhap/"
OIDC_INIT = "/oidc/authenticate/"


class Links(HTMLParser):
    """Every link of a page: its attributes and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = {**dict(attrs), "text": ""}
            self.links.append(self._open)

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def oidc_links(response) -> list[dict]:
    parser = Links()
    parser.feed(response.content.decode())
    return [a for a in parser.links if urlsplit(a.get("href", "")).path == OIDC_INIT]


@pytest.mark.urls("tinhso.accounts.tests.oidc_urls")
def test_the_button_is_shown_in_vietnamese_when_oidc_is_on(client, settings):
    settings.OIDC_ENABLED = True

    response = client.get(LOGIN)

    (link,) = oidc_links(response)
    assert link["text"].strip() == "Đăng nhập bằng VNeID"
    assert "button--secondary" in link["class"].split()
    assert link["href"] == OIDC_INIT


@pytest.mark.urls("tinhso.accounts.tests.oidc_urls")
def test_the_button_keeps_the_next_page(client, settings):
    settings.OIDC_ENABLED = True

    response = client.get(LOGIN, {"next": "/don-vi/?q=anh son&all=1"})

    (link,) = oidc_links(response)
    query = parse_qs(urlsplit(link["href"]).query)
    assert query == {"next": ["/don-vi/?q=anh son&all=1"]}


@pytest.mark.urls("tinhso.accounts.tests.oidc_urls")
def test_the_button_drops_a_next_page_on_another_site(client, settings):
    settings.OIDC_ENABLED = True

    response = client.get(LOGIN, {"next": "https://lua-dao.example/"})

    (link,) = oidc_links(response)
    assert link["href"] == OIDC_INIT


@pytest.mark.urls("tinhso.accounts.tests.oidc_urls")
def test_the_provider_name_is_a_setting(client, settings):
    settings.OIDC_ENABLED = True
    settings.TINHSO_OIDC_PROVIDER_NAME = "Cổng định danh Thử"

    response = client.get(LOGIN)

    (link,) = oidc_links(response)
    assert link["text"].strip() == "Đăng nhập bằng Cổng định danh Thử"


@pytest.mark.urls("tinhso.accounts.tests.oidc_urls")
def test_nothing_is_shown_when_oidc_is_off(client, settings):
    settings.OIDC_ENABLED = False

    response = client.get(LOGIN)

    assert response.status_code == 200
    assert oidc_links(response) == []
    assert "VNeID" not in response.content.decode()


def test_oidc_switched_on_without_its_urls_hides_the_button_instead_of_failing(client, settings):
    settings.OIDC_ENABLED = True  # the OIDC views are mounted only when configured at start-up
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")

    response = client.get(LOGIN)

    assert response.status_code == 200
    assert "VNeID" not in response.content.decode()
