"""Template context every page gets: the installation's name and the visitor's display
preferences (so ``base.html`` renders the right classes before any JavaScript runs)."""

import unicodedata

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language_info

from tinhso.portal import preferences


def site(request):
    display = preferences.preferences_from_request(request)
    return {
        "SITE_NAME": settings.TINHSO_SITE_NAME,
        # Where the footer's "source code" link points (AGPL-3.0 §13 asks us to offer it).
        "SOURCE_URL": getattr(settings, "TINHSO_SOURCE_URL", "") or reverse("portal:source"),
        "DISPLAY": display,
        "A11Y_HTML_CLASSES": display.html_classes,
        "A11Y_FONT_SIZES": preferences.FONT_SIZES,
        "LANGUAGE_SWITCH": language_switch(),
    }


def language_switch() -> list[dict[str, str]]:
    """Each language by its own name ("Tiếng Việt", "English") for the toolbar.

    Django's names are in decomposed Unicode (a letter, then combining accents), which some
    phone fonts draw with misplaced marks; the composed form renders everywhere.
    """
    return [
        {"code": code, "name": unicodedata.normalize("NFC", get_language_info(code)["name_local"])}
        for code, _name in settings.LANGUAGES
    ]
