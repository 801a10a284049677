"""Duplicates: nearby open reports of the same category are suggested; the citizen can follow
one instead; handlers merge duplicates."""

import pytest

from tinhso.feedback import selectors, services
from tinhso.feedback.models import Report
from tinhso.feedback.tests.factories import VINH, ReportFactory, citizen, near
from tinhso.kernel.models import Notification

pytestmark = pytest.mark.django_db


def test_suggests_open_reports_of_the_same_category_within_50_m(world):
    close = ReportFactory(category=world.roads, latitude=near(VINH, 30)[0], longitude=VINH[1])
    ReportFactory(category=world.roads, latitude=near(VINH, 80)[0], longitude=VINH[1])  # too far
    ReportFactory(category=world.lights, latitude=VINH[0], longitude=VINH[1])  # other category
    ReportFactory(category=world.roads, latitude=VINH[0], longitude=VINH[1], handled=True)
    found = selectors.nearby_open_reports(category=world.roads, latitude=VINH[0], longitude=VINH[1])
    assert [item.report for item in found] == [close]
    assert 29 <= found[0].distance_m <= 31


def test_nearby_api(world, client):
    close = ReportFactory(category=world.roads, latitude=near(VINH, 10)[0], longitude=VINH[1])
    response = client.get(
        "/api/v1/feedback/nearby", {"category": "o-ga", "lat": VINH[0], "long": VINH[1]}
    )
    assert response.status_code == 200
    body = response.json()
    assert [item["code"] for item in body] == [close.code]
    assert "reporter" not in body[0] and "contact_email" not in body[0]


def test_follow_instead_and_be_told(world, client):
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    neighbour = citizen()
    client.force_login(neighbour)
    response = client.post(
        f"/api/v1/feedback/reports/{report.code}/follow", {}, content_type="application/json"
    )
    assert response.status_code == 200
    client.logout()
    response = client.post(
        f"/api/v1/feedback/reports/{report.code}/follow",
        {"email": "hang.xom@example.vn"},
        content_type="application/json",
    )
    assert response.status_code == 200
    services.report_accept(acting_user=world.handler_a, report=report)
    told = set(Notification.objects.values_list("address", flat=True))
    assert {neighbour.email, "hang.xom@example.vn"} <= told
    response = client.post(
        f"/api/v1/feedback/reports/{report.code}/follow",
        {"email": "khong-hop-le"},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "contact_invalid"


def test_merge_moves_the_reporter_to_the_kept_report(world):
    kept = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    duplicate = ReportFactory(
        category=world.roads, commune_code=world.commune_a.code, reporter=world.reporter
    )
    services.report_merge(acting_user=world.handler_a, report=duplicate, into=kept)
    duplicate.refresh_from_db()
    assert duplicate.status == "rejected_duplicate" and duplicate.duplicate_of == kept
    assert kept.followers.filter(user=world.reporter).exists()
    assert kept.updates.filter(kind="merge").exists()
    Notification.objects.all().delete()
    services.report_accept(acting_user=world.handler_a, report=kept)
    assert Notification.objects.filter(recipient=world.reporter).exists()
    # Merged reports are not suggested and cannot be merged into.
    other = ReportFactory(category=world.roads, commune_code=world.commune_a.code)
    with pytest.raises(Exception) as caught:
        services.report_merge(acting_user=world.handler_a, report=other, into=duplicate)
    assert caught.value.code == "duplicate_invalid"
    assert Report.objects.filter(pk=duplicate.pk).exists()  # nothing is deleted
