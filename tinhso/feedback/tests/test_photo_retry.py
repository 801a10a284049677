"""Adding a photo through the API is a create: a retry after a lost answer (the server killed
between the commit and the response, found by ``reliability/crash.py``) must not add the same
photo twice."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.feedback import services
from tinhso.feedback.models import ReportPhoto
from tinhso.kernel.models import AuditEvent, StoredFile

pytestmark = pytest.mark.django_db


def _png(colour="red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def report(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.report_create(
        acting_user=world.reporter,
        category=world.roads,
        description="Ổ gà trước cổng trường",
        latitude=18.6796,
        longitude=105.6813,
    )


def _add(client, report, content: bytes, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    upload = SimpleUploadedFile("o-ga.png", content, content_type="image/png")
    return client.post(
        f"/api/v1/feedback/reports/{report.code}/photos", {"file": upload}, **headers
    )


def test_a_retried_photo_upload_is_kept_once(world, report, client):
    client.force_login(world.reporter)
    content = _png()
    first = _add(client, report, content, "anh-1")
    assert first.status_code == 201, first.json()
    again = _add(client, report, content, "anh-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert ReportPhoto.objects.filter(report=report).count() == 1
    assert StoredFile.objects.filter(purpose="feedback.photo").count() == 1
    assert AuditEvent.objects.filter(action="feedback.photo_add").count() == 1
    # Another photo under its own key is a second photo.
    assert _add(client, report, _png("blue"), "anh-2").status_code == 201
    assert ReportPhoto.objects.filter(report=report).count() == 2


def test_a_photo_needs_an_idempotency_key_and_one_key_per_photo(world, report, client):
    client.force_login(world.reporter)
    response = _add(client, report, _png(), None)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert _add(client, report, _png(), "anh-1").status_code == 201
    reused = _add(client, report, _png("green"), "anh-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert ReportPhoto.objects.filter(report=report).count() == 1
