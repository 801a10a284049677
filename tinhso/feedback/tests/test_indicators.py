"""Indicator numbers on a known data set."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from tinhso.feedback import indicators, services
from tinhso.feedback.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour=9):
    return dt.datetime(2026, 3, day, hour, tzinfo=VN)


@pytest.fixture
def data(world):
    """Received Monday 2 March (5 working days: due Monday 9 March 17:00):

    - A1 (commune A, portal): handled 4 March → on time, 2 days; rated 4
    - A2 (commune A, hotline): handled 11 March → late, 7 days; rated 2 (reopened, then
      handled again 12 March: 8 days, late)
    - A3 (commune A, portal): still in progress → overdue at 20 March
    - B1 (commune B, portal): on hold since 3 March → never overdue
    - B2 (commune B, portal, lights): rejected as spam
    """
    h = world.handler_a

    def make(commune, channel="portal", category=None):
        with freeze_time(at(2)):
            return ReportFactory(
                category=category or world.roads, commune_code=commune.code, channel=channel,
                reporter=world.reporter,
            )  # fmt: skip

    a1, a2, a3 = make(world.commune_a), make(world.commune_a, "hotline"), make(world.commune_a)
    b1, b2 = make(world.commune_b), make(world.commune_b, category=world.lights)
    with freeze_time(at(3)):
        for report in (a1, a2, a3):
            services.report_accept(acting_user=h, report=report)
        services.report_accept(acting_user=world.handler_b, report=b1)
        services.report_hold(acting_user=world.handler_b, report=b1, reason="Chờ")
        services.report_reject(acting_user=None, report=b2, kind="spam", reason="Quảng cáo")
    with freeze_time(at(4)):
        services.report_resolve(acting_user=h, report=a1, answer="Xong")
        services.report_rate(acting_user=world.reporter, report=a1, rating=4)
    with freeze_time(at(11)):
        services.report_resolve(acting_user=h, report=a2, answer="Xong")
        services.report_rate(acting_user=world.reporter, report=a2, rating=2)
    with freeze_time(at(12)):
        services.report_resolve(acting_user=h, report=a2, answer="Xong hẳn")
    return world


def test_the_numbers(data):
    values = indicators.compute_all(now=at(20))
    assert values == {
        "feedback.received": 5,
        "feedback.handled": 1 + 1,  # a1 closed, a2 handled again
        "feedback.handled_rate": 40.0,
        "feedback.on_time_rate": 50.0,
        "feedback.overdue_open": 1,
        "feedback.avg_handling_days": 5.0,  # (2 + 8) / 2
        "feedback.satisfaction": 3.0,
    }


def test_by_unit_channel_category_and_period(data):
    by_a = indicators.compute_all(unit=data.commune_a, now=at(20))
    assert by_a["feedback.received"] == 3 and by_a["feedback.handled"] == 2
    by_b = indicators.compute_all(unit=data.commune_b, now=at(20))
    assert by_b["feedback.received"] == 2 and by_b["feedback.overdue_open"] == 0
    assert by_b["feedback.on_time_rate"] is None
    assert indicators.handled(channel="hotline") == 1
    assert indicators.received(category=data.traffic) == 4
    assert indicators.received(start=at(3), end=at(31)) == 0
    assert indicators.received(start=at(1), end=at(3)) == 5
    assert indicators.received(unit=data.province) == 5


def test_the_list_is_documented():
    codes = [indicator.code for indicator in indicators.INDICATORS]
    assert len(codes) == len(set(codes)) == 7
    for indicator in indicators.INDICATORS:
        assert indicator.code in indicators.__doc__
        assert str(indicator.name)


def test_monthly_counts_summed_over_the_tree_give_the_same_figures(data):
    from tinhso.units.models import Unit

    with freeze_time(at(20)):
        counts = indicators.monthly_counts(None, dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    for unit in (data.commune_a, data.commune_b, data.province):
        ids = set(Unit.objects.subtree(unit, include_self=True).values_list("pk", flat=True))
        own: dict[str, float] = {}
        for (unit_id, month, code), value in counts.items():
            assert month == "202603"
            if unit_id in ids:
                own[code] = own.get(code, 0) + value
        expected = indicators.compute_all(unit=unit, now=at(20))
        assert own["feedback.received"] == expected["feedback.received"]
        assert own.get("feedback.handled", 0) == expected["feedback.handled"]
        assert own.get("feedback.overdue_open", 0) == expected["feedback.overdue_open"]
        if expected["feedback.handled"]:
            handled = own["feedback.handled"]
            assert (
                round(100 * own["feedback.handled_on_time"] / handled, 1)
                == (expected["feedback.on_time_rate"])
            )
            assert (
                round(own["feedback.handling_days"] / handled, 1)
                == (expected["feedback.avg_handling_days"])
            )
            assert (
                own["feedback.rating_points"] / own["feedback.rated"]
                == (expected["feedback.satisfaction"])
            )
    assert indicators.WATCH["feedback.report"]([]) == set()
