"""The demo data: categories, rules, centre points, reports in every state; idempotent."""

import pytest

from tinhso.feedback import demo, selectors, workflow
from tinhso.feedback.models import Category, Report

pytestmark = pytest.mark.django_db


def test_demo_loads_every_state_once():
    from tinhso.portal.demo import load_demo

    load_demo(province="nghe_an")
    statuses = set(Report.objects.values_list("status", flat=True))
    assert statuses == workflow.REPORT_FLOW.states
    counts = (Category.objects.count(), Report.objects.count())
    demo.load_demo(province=None)
    assert (Category.objects.count(), Report.objects.count()) == counts
    # Every demo report was routed, and the Open311 key is the documented one.
    assert not Report.objects.filter(agency__isnull=True).exists()
    assert selectors.api_client_by_key(demo.DEMO_OPEN311_KEY) is not None
    assert selectors.public_reports().exists()


def test_the_api_client_command_prints_the_key_once(capsys):
    from django.core.management import call_command

    call_command("feedback_api_client", "Ứng dụng phường", "--per-minute", "10")
    key = capsys.readouterr().out.strip().rsplit("api_key=", 1)[1]
    client = selectors.api_client_by_key(key)
    assert client.name == "Ứng dụng phường" and client.requests_per_minute == 10
    assert key not in (client.key_hash, client.key_prefix)
