"""Vietnamese first: choose the page language from the visitor's explicit choice only.

Django's ``LocaleMiddleware`` falls back to the browser's ``Accept-Language``. Many phones
sold here ship set to English, and a citizen who never chose English should still get the
Vietnamese site; English stays one tap away in the toolbar (the ``set_language`` view stores
the choice in the language cookie, which this middleware honours).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """A drop-in replacement for ``django.middleware.locale.LocaleMiddleware``."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(language)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        # The language now comes from a cookie, so shared caches must key on cookies.
        patch_vary_headers(response, ("Cookie",))
        return response
