"""Publication (handled public reports with the answer, reporter never shown, approved photos
only), the reporter told of each public change, ratings and reopening, anonymisation."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from tinhso.feedback import selectors, services
from tinhso.feedback.tests.factories import CategoryFactory, ReportFactory
from tinhso.kernel.models import Notification

pytestmark = pytest.mark.django_db


def _png(name="anh.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def handled(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = services.report_create(
        acting_user=world.reporter,
        category=world.roads,
        description="Ổ gà trước nhà văn hóa <b>xóm 3</b>",
        latitude=18.6796,
        longitude=105.6813,
        contact_phone="0912345678",
        photos=[_png()],
    )
    services.report_accept(acting_user=world.handler_a, report=report)
    services.report_resolve(acting_user=world.handler_a, report=report, answer="Đã vá ổ gà.")
    return report


def test_only_handled_public_reports_are_published(world, handled):
    ReportFactory(category=world.roads, commune_code=world.commune_a.code)  # still open
    private = CategoryFactory(private=True, service_code="rieng", name="Riêng tư")
    ReportFactory(category=private, commune_code=world.commune_a.code, handled=True)
    withheld = ReportFactory(category=world.roads, commune_code=world.commune_a.code, handled=True)
    services.report_set_public(acting_user=world.handler_a, report=withheld, is_public=False)
    assert list(selectors.public_reports()) == [handled]


def test_the_reporter_is_never_public_and_photos_need_approval(world, handled, client):
    data = selectors.public_report_data(handled)
    text = repr(data)
    for secret in (world.reporter.username, world.reporter.email, "0912345678"):
        assert secret not in text
    assert data["answer"] == "Đã vá ổ gà."
    assert data["description"] == "Ổ gà trước nhà văn hóa <b>xóm 3</b>"  # kept as text
    assert data["photo_ids"] == []
    photo = handled.photos.get()
    services.photo_approve(acting_user=world.handler_a, photo=photo)
    assert selectors.public_report_data(handled)["photo_ids"] == [str(photo.file_id)]
    response = client.get(f"/api/v1/feedback/public/reports/{handled.code}")
    assert response.status_code == 200
    assert "reporter" not in response.json() and "contact_phone" not in response.json()
    assert client.get(f"/open311/v2/media/{photo.file_id}").status_code == 200


def test_the_reporter_is_told_of_each_public_change(world):
    report = ReportFactory(
        category=world.roads, commune_code=world.commune_a.code, reporter=world.reporter
    )
    services.report_accept(acting_user=world.handler_a, report=report)
    services.report_comment(acting_user=world.handler_a, report=report, message="Nội bộ")
    services.report_resolve(acting_user=world.handler_a, report=report, answer="Đã xử lý xong.")
    subjects = list(
        Notification.objects.filter(recipient=world.reporter)
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    # The internal note told nobody.
    assert subjects == [
        f"Phản ánh {report.code}: Chờ tiếp nhận",
        f"Phản ánh {report.code}: Đã tiếp nhận",
        f"Phản ánh {report.code}: Đã xử lý",
    ]
    body = Notification.objects.filter(recipient=world.reporter).order_by("-pk").first().body
    assert "Đã xử lý xong." in body


@pytest.mark.parametrize(("rating", "status"), [(1, "reopened"), (2, "reopened"), (3, "closed")])
def test_a_low_rating_reopens_a_good_one_closes(world, handled, rating, status):
    services.report_rate(acting_user=world.reporter, report=handled, rating=rating)
    assert handled.status == status and handled.rating == rating
    with pytest.raises(Exception) as caught:
        services.report_rate(acting_user=world.reporter, report=handled, rating=5)
    assert caught.value.code == "rating_not_allowed"


def test_rating_checks(world, handled):
    with pytest.raises(Exception) as caught:
        services.report_rate(acting_user=world.reporter, report=handled, rating=6)
    assert caught.value.code == "rating_invalid"
    with pytest.raises(Exception) as caught:
        services.report_rate(acting_user=world.handler_a, report=handled, rating=4)
    assert caught.value.code == "not_reporter"


def test_an_update_on_a_closed_report_reopens_it(world, handled):
    services.report_close(acting_user=world.handler_a, report=handled)
    services.report_reporter_update(
        acting_user=world.reporter, report=handled, message="Ổ gà lại xuất hiện"
    )
    assert handled.status == "reopened"
    assert handled.updates.filter(kind="reporter", message="Ổ gà lại xuất hiện").exists()


def test_anonymisation_after_the_retention_period(world, handled, settings):
    settings.TINHSO_FEEDBACK_RETENTION_DAYS = 30
    services.report_follow(acting_user=None, report=handled, email="hang.xom@example.vn")
    services.report_rate(
        acting_user=world.reporter, report=handled, rating=5, comment="Tốt, cảm ơn"
    )
    assert services.reports_anonymise() == 0  # too recent
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        assert services.reports_anonymise() == 1
        assert services.reports_anonymise() == 0
    handled.refresh_from_db()
    assert handled.reporter is None and handled.contact_phone == "" and handled.anonymised_at
    assert handled.rating_comment == "" and handled.rating == 5
    assert not handled.followers.exists()
    # What the public and the indicators need stays.
    assert handled.public_answer == "Đã vá ổ gà." and handled.description
    assert selectors.public_reports().filter(pk=handled.pk).exists()
