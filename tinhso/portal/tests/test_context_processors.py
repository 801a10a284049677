"""The ``site`` context processor: installation name, source link, display preferences."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tinhso.portal import preferences
from tinhso.portal.context_processors import site


def request_with_cookies(**cookies):
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    return request


def test_defaults_without_cookies(settings):
    context = site(request_with_cookies())

    assert context["SITE_NAME"] == settings.TINHSO_SITE_NAME
    assert context["A11Y_HTML_CLASSES"] == ""
    assert context["DISPLAY"] == preferences.DisplayPreferences("md", "normal")
    assert context["A11Y_FONT_SIZES"] == ("sm", "md", "lg", "xl", "xxl")


@pytest.mark.parametrize(
    ("font", "contrast", "classes"),
    [
        ("md", "normal", ""),
        ("sm", "normal", "font-sm"),
        ("lg", "normal", "font-lg"),
        ("xxl", "high", "font-xxl contrast-high"),
        ("md", "high", "contrast-high"),
    ],
)
def test_cookies_become_classes_on_html(font, contrast, classes):
    request = request_with_cookies(tinhso_font=font, tinhso_contrast=contrast)

    assert site(request)["A11Y_HTML_CLASSES"] == classes


@pytest.mark.parametrize(
    "value", ['lg" onload="alert(1)', "huge", "", "LG", "font-lg", "high contrast"]
)
def test_unexpected_cookie_values_fall_back_to_defaults(value):
    request = request_with_cookies(tinhso_font=value, tinhso_contrast=value)

    assert site(request)["A11Y_HTML_CLASSES"] == ""


def test_source_url_defaults_to_the_local_source_page(settings):
    if hasattr(settings, "TINHSO_SOURCE_URL"):
        del settings.TINHSO_SOURCE_URL

    assert site(request_with_cookies())["SOURCE_URL"] == reverse("portal:source")


def test_source_url_follows_the_setting(settings):
    settings.TINHSO_SOURCE_URL = "https://example.org/tinhso"

    assert site(request_with_cookies())["SOURCE_URL"] == "https://example.org/tinhso"


def test_font_steps_stop_at_the_ends():
    largest = preferences.DisplayPreferences(font_size="xxl")
    smallest = preferences.DisplayPreferences(font_size="sm")

    assert largest.with_font_step(1).font_size == "xxl"
    assert smallest.with_font_step(-1).font_size == "sm"
    assert smallest.with_font_step(1).font_size == "md"
    assert largest.is_largest and smallest.is_smallest


def test_language_names_are_composed_unicode():
    import unicodedata

    names = {item["code"]: item["name"] for item in site(request_with_cookies())["LANGUAGE_SWITCH"]}

    assert names == {"vi": "Tiếng Việt", "en": "English"}
    assert unicodedata.is_normalized("NFC", names["vi"])
