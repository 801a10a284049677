"""The demo: a peak campaign with content in every channel, radio, teams, surveys; idempotent."""

import pytest

from tinhso.outreach import demo, indicators, selectors
from tinhso.outreach.models import (
    ActivityLog,
    BroadcastSlot,
    Campaign,
    Content,
    Delivery,
    News,
    PlayLog,
    SurveyResponse,
    Team,
)
from tinhso.units.models import Unit

pytestmark = pytest.mark.django_db


def _counts():
    models = [Campaign, Content, News, Delivery, BroadcastSlot, PlayLog, Team, ActivityLog,
              SurveyResponse]  # fmt: skip
    return [model.objects.count() for model in models]


def test_demo_loads_every_channel_once():
    from tinhso.portal.demo import load_demo

    load_demo(province="nghe_an")
    campaign = Campaign.objects.get(title=demo.CAMPAIGN_TITLE)
    assert campaign.is_peak and (campaign.ends_on - campaign.starts_on).days == 61
    kinds = set(Content.objects.filter(campaign=campaign).values_list("kind", flat=True))
    assert kinds == {"article", "sms", "zalo", "email", "leaflet", "radio"}
    assert News.objects.filter(is_visible=True).count() == 2
    delivered = set(
        Delivery.objects.filter(status="sent").values_list("dispatch__channel", flat=True)
    )
    assert delivered == {"portal", "sms", "zalo", "email"}
    assert Delivery.objects.filter(status="refused_opt_out").count() == 1
    villages = Unit.objects.filter(name__in=demo.VILLAGES, parent__parent__parent__isnull=True)
    assert Team.objects.count() == villages.count() >= 4
    assert ActivityLog.objects.exists() and PlayLog.objects.exists()
    assert BroadcastSlot.objects.filter(moved_from__isnull=False).exists()
    progress = {row.metric: row for row in selectors.campaign_progress(campaign)}
    assert progress["households_reached"].actual > 0
    assert progress["messages_delivered"].actual > 0
    province = campaign.unit
    values = indicators.compute_all(unit=province)
    assert values["outreach.awareness_score"] > 0
    assert values["outreach.radio_compliance"] is not None
    before = _counts()
    demo.load_demo(province=province)
    assert _counts() == before
