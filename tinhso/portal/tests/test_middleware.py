"""Vietnamese first: the language comes from the visitor's choice, not the browser's."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from tinhso.portal.middleware import VietnameseFirstLocaleMiddleware


def run(request):
    middleware = VietnameseFirstLocaleMiddleware(lambda r: HttpResponse(translation.get_language()))
    with translation.override(None):
        return middleware(request)


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "fr", ""])
def test_browser_language_is_ignored(accept):
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE=accept)

    response = run(request)

    assert response.content == b"vi"
    assert request.LANGUAGE_CODE == "vi"
    assert response["Content-Language"] == "vi"
    assert "Cookie" in response["Vary"]


def test_chosen_language_is_used():
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="vi")
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert run(request).content == b"en"


def test_unknown_chosen_language_falls_back_to_vietnamese():
    request = RequestFactory().get("/")
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "xx"

    assert run(request).content == b"vi"
