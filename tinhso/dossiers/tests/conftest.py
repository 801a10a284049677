"""Test setup of the dossiers room.

Rendering and signing real PDFs takes a second each; the documents engineer's tests cover
them. Here ``pdf.render_form`` and ``signing.sign_pdf`` are replaced by stand-ins that return
a tiny valid PDF naming the form, unless a test is marked ``real_pdf``
(``@pytest.mark.usefixtures("real_pdf")``).
"""

from types import SimpleNamespace

import pytest

from tinhso.dossiers import services
from tinhso.dossiers.tests.factories import PDF_BYTES, desk_setup


def _fake_render(form, context):
    return PDF_BYTES.replace(
        b"%%EOF", f"% form {form} {context.get('dossier_code', '')}\n%%EOF".encode()
    )


@pytest.fixture(autouse=True)
def _fast_pdf(request, monkeypatch):
    if "real_pdf" in request.fixturenames:
        return
    fake_pdf = SimpleNamespace(render_form=_fake_render, PdfUnavailable=RuntimeError)
    fake_signing = SimpleNamespace(sign_pdf=lambda content, **kwargs: content + b"% signed\n")
    monkeypatch.setattr(services, "_pdf_module", lambda: fake_pdf)
    monkeypatch.setattr(services, "_signing_module", lambda: fake_signing)


@pytest.fixture
def real_pdf():
    """Use the real pdf.render_form and signing.sign_pdf."""


@pytest.fixture
def setup(db):
    return desk_setup()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_calendar():
    from tinhso.kernel.calendar import clear_calendar_cache

    clear_calendar_cache()
    yield
    clear_calendar_cache()


class _Clock:
    """A settable "now" for the services (``timezone.now`` patched)."""

    def __init__(self, monkeypatch):
        from django.utils import timezone

        self.moment = None
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: self.moment or real_now())

    def set(self, moment):
        from tinhso.kernel.calendar import DEFAULT_TIME_ZONE

        if moment.tzinfo is None:
            from zoneinfo import ZoneInfo

            moment = moment.replace(tzinfo=ZoneInfo(DEFAULT_TIME_ZONE))
        self.moment = moment
        return moment


@pytest.fixture
def clock(monkeypatch):
    """``clock.set(datetime(2026, 2, 13, 10, 0))`` (naive = Vietnam time) moves "now"."""
    return _Clock(monkeypatch)
