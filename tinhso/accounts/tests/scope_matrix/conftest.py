"""Fixtures of the scope matrix: files under a temporary media root, PDFs and signatures as
tiny stand-ins (the matrix is about who may act, not about rendering), a fresh calendar."""

from types import SimpleNamespace

import pytest

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _matrix_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture(autouse=True)
def _matrix_fast_pdf(monkeypatch):
    from tinhso.dossiers import services

    fake_pdf = SimpleNamespace(
        render_form=lambda form, context: PDF_BYTES, PdfUnavailable=RuntimeError
    )
    fake_signing = SimpleNamespace(sign_pdf=lambda content, **kwargs: content + b"% signed\n")
    monkeypatch.setattr(services, "_pdf_module", lambda: fake_pdf)
    monkeypatch.setattr(services, "_signing_module", lambda: fake_signing)


@pytest.fixture(autouse=True)
def _matrix_calendar():
    from tinhso.kernel.calendar import clear_calendar_cache

    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def _matrix_quiet(settings):
    """No rate limits (the matrix sends thousands of requests as one person), and no log line
    per refused request."""
    import logging

    settings.TINHSO_RATE_LIMIT_PER_USER = 0
    settings.TINHSO_RATE_LIMIT_PER_IP = 0
    settings.TINHSO_RATE_LIMITS = {}
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
