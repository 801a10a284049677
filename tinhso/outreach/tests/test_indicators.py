"""Indicator numbers on a known data set, per unit subtree and period."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from tinhso.outreach import indicators, selectors, services, sync
from tinhso.outreach.models import Delivery, Dispatch
from tinhso.outreach.tests.conftest import approved

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour=9):
    return dt.datetime(2026, 3, day, hour, tzinfo=VN)


@pytest.fixture
def data(world):
    """March 2026 (weeks from Monday 2, 9):

    - team A1 (Xóm 1 of commune A): 2 logs, 3 and 10 March; team B1 (commune B): 1 log, 4 March
    - commune A's station: DX sections of 8 min on 4 March and 9 min on 11 March (compliant both
      weeks) plus a 5-minute other bulletin; commune B's station: one 5-minute DX on 5 March
    - SMS: 3 delivered (commune A content) on 5 March, 1 failed
    - survey answers: 100 (commune A), 50 (commune B)
    """
    team_a = services.team_create(acting_user=None, unit=world.village_a1, name="Tổ Xóm 1")
    team_b = services.team_create(acting_user=None, unit=world.village_b1, name="Tổ Xóm 1 B")
    sync.activity_log_sync(acting_user=None, items=[
        {"client_uuid": "00000000-0000-4000-8000-000000000001", "team_id": team_a.pk,
         "date": "2026-03-03", "households_visited": 20, "guided_public_services": 6,
         "guided_online_shopping": 2, "guided_online_payment": 4, "guided_safety_online": 8,
         "guided_local_platforms": 1, "vneid_installed": 5, "vneid_level2": 7,
         "online_dossiers": 3},
        {"client_uuid": "00000000-0000-4000-8000-000000000002", "team_id": team_a.pk,
         "date": "2026-03-10", "households_visited": 15, "guided_public_services": 4,
         "vneid_level2": 3},
        {"client_uuid": "00000000-0000-4000-8000-000000000003", "team_id": team_b.pk,
         "date": "2026-03-04", "households_visited": 30, "guided_online_payment": 10},
    ])  # fmt: skip
    station_a = services.station_create(
        acting_user=None, unit=world.commune_a, code="DAI-A", name="Đài A"
    )
    station_b = services.station_create(
        acting_user=None, unit=world.commune_b, code="DAI-B", name="Đài B"
    )
    cluster_a, _ = services.cluster_create(
        acting_user=None, station=station_a, code="A1", name="A1"
    )
    cluster_b, _ = services.cluster_create(
        acting_user=None, station=station_b, code="B1", name="B1"
    )
    dx_a = approved(world, kind="radio", unit=world.commune_a, dx_section=True)
    other_a = approved(world, kind="radio", unit=world.commune_a)
    dx_b = approved(world, kind="radio", unit=world.commune_b, dx_section=True)
    for cluster, content, when, seconds in [
        (cluster_a, dx_a, at(4, 18), 480),
        (cluster_a, dx_a, at(11, 18), 540),
        (cluster_a, other_a, at(5, 18), 300),
        (cluster_b, dx_b, at(5, 18), 300),
    ]:
        services.playlog_record(
            acting_user=None, cluster=cluster, content=content, started_at=when,
            duration_seconds=seconds,
        )  # fmt: skip
    sms = approved(world, kind="sms", unit=world.commune_a)
    dispatch = Dispatch.objects.create(content=sms, channel="sms", status="partly_failed")
    for n, status in enumerate(["sent", "sent", "sent", "failed"]):
        Delivery.objects.create(
            dispatch=dispatch, address=f"8491234567{n}", status=status,
            sent_at=at(5) if status == "sent" else None,
        )  # fmt: skip
    survey = services.survey_create(
        acting_user=None, unit=world.province, title="Khảo sát",
        questions=[{"text": "Biết VNeID?", "kind": "yes_no"},
                   {"text": "Biết nộp hồ sơ trực tuyến?", "kind": "yes_no"}],
    )  # fmt: skip
    services.survey_open(acting_user=None, survey=survey)
    q1, q2 = survey.questions.order_by("order")
    with freeze_time(at(12)):
        services.survey_answer(acting_user=None, survey=survey, unit=world.commune_a,
                               answers={q1.pk: "yes", q2.pk: "yes"})  # fmt: skip
        services.survey_answer(acting_user=None, survey=survey, unit=world.commune_b,
                               answers={q1.pk: "yes", q2.pk: "no"})  # fmt: skip
    return world


def test_indicators_for_the_province_in_march(data):
    values = indicators.compute_all(
        unit=data.province, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 16)
    )
    assert values == {
        "outreach.households_reached": 65,
        "outreach.people_guided": 35,
        "outreach.guided_public_services": 10,
        "outreach.guided_online_shopping": 2,
        "outreach.guided_online_payment": 14,
        "outreach.guided_safety_online": 8,
        "outreach.guided_local_platforms": 1,
        "outreach.vneid_installed": 5,
        "outreach.vneid_level2": 10,
        "outreach.online_dossiers": 3,
        "outreach.active_teams": 2,
        "outreach.radio_minutes": 27.0,  # 8 + 9 + 5 + 5
        "outreach.radio_compliance": 50.0,  # A compliant both weeks, B not
        "outreach.messages_delivered": 3,
        "outreach.awareness_score": 75.0,
    }


def test_indicators_for_one_commune_and_one_week(data):
    values = indicators.compute_all(
        unit=data.commune_a,
        start=dt.datetime(2026, 3, 2, tzinfo=VN),
        end=dt.datetime(2026, 3, 9, tzinfo=VN),
    )
    assert values["outreach.households_reached"] == 20
    assert values["outreach.people_guided"] == 21
    assert values["outreach.radio_minutes"] == 13.0
    assert values["outreach.radio_compliance"] == 100.0
    assert values["outreach.awareness_score"] is None  # answered on 12 March
    b = indicators.compute_all(unit=data.commune_b, start=at(2, 0), end=at(9, 0))
    assert b["outreach.households_reached"] == 30 and b["outreach.radio_compliance"] == 0.0
    assert b["outreach.messages_delivered"] == 0


def test_no_station_means_no_compliance_figure(world):
    assert indicators.compute_all(unit=world.commune_a)["outreach.radio_compliance"] is None


def test_the_indicator_shape_matches_the_other_modules(data):
    # The same plain shape as every module's indicators.py: (code, name, unit, compute).
    assert list(indicators.Indicator.__dataclass_fields__) == ["code", "name", "unit", "compute"]
    codes = [i.code for i in indicators.INDICATORS]
    assert len(codes) == len(set(codes)) and all(c.startswith("outreach.") for c in codes)


def test_campaign_progress_against_targets(data):
    campaign = services.campaign_create(
        acting_user=data.officer, unit=data.province, title="Cao điểm tháng 3",
        starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 8), is_peak=True,
        target_units=[data.commune_a], targets={"households_reached": 40, "vneid_level2": 14},
    )  # fmt: skip
    progress = {row.metric: row for row in selectors.campaign_progress(campaign)}
    # Only commune A's log of 3 March falls in the campaign's units and period.
    assert progress["households_reached"].actual == 20
    assert progress["households_reached"].percent == 50.0
    assert progress["vneid_level2"].actual == 7 and progress["vneid_level2"].percent == 50.0
    assert progress["people_guided"].target is None


def test_monthly_counts_summed_over_the_tree_give_the_same_figures(data):
    from tinhso.units.models import Unit

    counts = indicators.monthly_counts(None, dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    ids = set(Unit.objects.subtree(data.province, include_self=True).values_list("pk", flat=True))
    own: dict[str, float] = {}
    for (unit_id, month, code), value in counts.items():
        assert month == "202603" and unit_id in ids
        own[code] = own.get(code, 0) + value
    expected = indicators.compute_all(
        unit=data.province, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1)
    )
    for code in [*indicators._ACTIVITY_SUMS, "outreach.people_guided", "outreach.radio_minutes",
                 "outreach.messages_delivered"]:  # fmt: skip
        assert own[code] == expected[code], code
    assert (
        own["outreach.awareness_points"] / own["outreach.awareness_answers"]
        == (expected["outreach.awareness_score"])
    )
    # Both communes have a station; over the whole of March neither aired every week.
    assert own["outreach.radio_communes"] == 2
    assert "outreach.radio_compliant_communes" not in own
    # A team's log counts for the team's own unit (the hamlet), not its commune.
    assert counts[(data.village_a1.pk, "202603", "outreach.households_reached")] == 35
    # Active teams are a stock known now: only the current month has it.
    assert "outreach.active_teams" not in own
    assert indicators.WATCH["outreach.activitylog"]([]) == set()
