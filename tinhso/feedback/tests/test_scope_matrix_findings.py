"""Regressions found by the scope matrix (tinhso/accounts/tests/scope_matrix)."""

import pytest

from tinhso.feedback import services
from tinhso.feedback.models import Report
from tinhso.feedback.tests.factories import ReportFactory
from tinhso.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db


def _waiting(world) -> Report:
    report = ReportFactory(category=world.roads, commune_code=world.commune_a.code, accepted=True)
    services.report_ask_reporter(acting_user=None, report=report, question="Số nhà cụ thể?")
    report.refresh_from_db()
    assert report.status == "waiting_for_reporter"
    return report


def test_a_handler_cannot_post_the_reporters_reply_as_an_action(world, client):
    """``reporter_replied`` is in the transitions table but is the reporter's move (their
    message); through the handlers' action endpoint it was a 500 (an AssertionError)."""
    report = _waiting(world)
    audit = AuditEvent.objects.count()
    client.force_login(world.handler_a)
    response = client.post(
        f"/api/v1/feedback/reports/{report.code}/actions/reporter_replied",
        {"message": "Tôi tự trả lời"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    report.refresh_from_db()
    assert report.status == "waiting_for_reporter"
    assert AuditEvent.objects.count() == audit


def test_the_reporters_reply_action_is_still_404_outside_scope(world, client):
    report = _waiting(world)
    client.force_login(world.handler_b)
    response = client.post(
        f"/api/v1/feedback/reports/{report.code}/actions/reporter_replied",
        {"message": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
