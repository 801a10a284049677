"""Project-wide test setup."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Argon2 is the production hasher; tests that are not about hashing need not pay for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain HTTP; the HTTPS redirect is covered by the deploy check.
    settings.SECURE_SSL_REDIRECT = False
