"""Test setup of the kernel room."""

import pytest

from tinhso.kernel.calendar import clear_calendar_cache


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Each test starts from the database's overrides, not from a calendar a previous test built.
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def official(django_user_model):
    return django_user_model.objects.create_user(
        username="can_bo_mot_cua", password="x" * 12, email="canbo@example.vn"
    )
