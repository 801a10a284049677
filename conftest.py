"""Project-wide test setup."""

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

# The browser-test harness (Playwright + Chromium + axe-core): fixtures browser, phone_page,
# desktop_page; helper tinhso.portal.tests.browser.assert_accessible.
pytest_plugins = ["tinhso.portal.tests.browser"]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Argon2 is the production hasher; tests that are not about hashing need not pay for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain HTTP; the HTTPS redirect is covered by the deploy check.
    settings.SECURE_SSL_REDIRECT = False
    # The IOC refresh after commit runs in the request, so a test reads what it just wrote;
    # tinhso/indicators/tests/test_refresher.py covers the background thread.
    settings.TINHSO_IOC_REFRESH = "inline"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache (one directory per test worker, below): every
    # test starts with none, whatever the tests before it sent.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _session_test_settings(django_test_environment, tmp_path_factory):
    # With DEBUG off the settings pick the manifest storage, whose {% static %} fails without
    # a collectstatic run. Tests serve the source files instead (the live server through the
    # staticfiles finders), so a page renders and a browser loads its CSS and JavaScript.
    # Session-wide because the live server builds its middleware once, when it starts: the
    # HTTPS redirect must be off by then (it speaks plain HTTP), not just inside each test.
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
        # Also session-wide (besides _test_settings): module-scoped fixtures that load data
        # run before any function-scoped setting, and a refresher thread writing to the
        # in-memory SQLite test database beside them would find its tables locked.
        TINHSO_IOC_REFRESH="inline",
        # A shared file cache as in production, but one per test worker (xdist), not var/.
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path_factory.mktemp("cache")),
                "OPTIONS": {"MAX_ENTRIES": 20000},
            }
        },
    ):
        yield
