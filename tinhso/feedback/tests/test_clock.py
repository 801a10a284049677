"""Deadlines from the kernel calendar: working and calendar days, pauses (on hold, waiting for
the reporter) that stop the clock, legal extensions never shown as overdue, reminders before
and escalation to the supervising agency after the deadline."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from tinhso.feedback import clocks, selectors, services
from tinhso.feedback.tests.factories import CategoryFactory, ReportFactory
from tinhso.kernel.models import Notification

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int = 9, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=VN)


def _report(world, **extra):
    with freeze_time(at(2)):  # Monday 2 March 2026, 09:00
        return ReportFactory(
            category=extra.pop("category", world.roads), commune_code=world.commune_a.code,
            **extra,
        )  # fmt: skip


def test_five_working_days(world):
    report = _report(world)
    assert report.deadline == at(9, 17)  # Tue..Fri + Monday, end of office hours
    assert report.original_deadline == report.deadline


def test_calendar_days(world):
    category = CategoryFactory(calendar_days=True, handling_days=5)
    report = _report(world, category=category)
    assert report.deadline == at(7, 17)  # Saturday counts


def test_a_pause_stops_the_clock_and_the_deadline_moves(world):
    report = _report(world)
    with freeze_time(at(3, 10)):
        services.report_accept(acting_user=world.handler_a, report=report)
        services.report_hold(acting_user=world.handler_a, report=report, reason="Chờ vật tư")
    assert report.deadline is None
    with freeze_time(at(10, 10)):
        # Past the first deadline, but on hold: not overdue.
        assert not clocks.is_overdue(report)
        assert selectors.report_deadline_state(report) == "paused"
        assert not selectors.reports_for_user(world.handler_a, overdue=True).exists()
    with freeze_time(at(5, 10)):
        services.report_resume(acting_user=world.handler_a, report=report)
    # 4 and 5 March did not count: 3, 6, 9, 10, 11.
    assert report.deadline == at(11, 17)


def test_waiting_for_the_reporter_also_pauses(world):
    report = _report(world, reporter=world.reporter)
    with freeze_time(at(3, 10)):
        services.report_accept(acting_user=world.handler_a, report=report)
        services.report_ask_reporter(
            acting_user=world.handler_a, report=report, question="Số nhà cụ thể?"
        )
    with freeze_time(at(4, 15)):
        services.report_reporter_update(acting_user=world.reporter, report=report, message="Số 15")
    assert report.status == "in_progress"
    assert report.deadline == at(10, 17)


def test_an_extension_is_not_overdue(world):
    report = _report(world)
    with freeze_time(at(6, 10)):
        services.report_extend(
            acting_user=world.handler_a, report=report, days=3, reason="Chờ kết quả quan trắc"
        )
    assert report.original_deadline == at(9, 17)
    assert report.deadline == at(12, 17)
    with freeze_time(at(10, 10)):
        assert not clocks.is_overdue(report)
        assert selectors.report_deadline_state(report) == "extended"
        assert services.reports_remind_and_escalate()["escalated"] == 0
    with freeze_time(at(13, 10)):
        assert clocks.is_overdue(report)
        assert selectors.report_deadline_state(report) == "overdue"
    for days in (0, 31):
        with pytest.raises(Exception) as caught:
            services.report_extend(
                acting_user=world.handler_a, report=report, days=days, reason="x"
            )
        assert caught.value.code == "extension_invalid"


def test_reminder_before_and_escalation_after_the_deadline(world):
    report = _report(world)
    with freeze_time(at(5, 10)):
        assert services.reports_remind_and_escalate() == {"reminded": 0, "escalated": 0}
    with freeze_time(at(6, 10)):  # Friday: due Monday, within one working day
        assert services.reports_remind_and_escalate() == {"reminded": 1, "escalated": 0}
        assert services.reports_remind_and_escalate() == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(address="a@xa.vn", subject__contains=report.code).exists()
    with freeze_time(at(10, 10)):
        assert services.reports_remind_and_escalate() == {"reminded": 0, "escalated": 1}
        assert services.reports_remind_and_escalate()["escalated"] == 0
    report.refresh_from_db()
    assert report.escalated_to == world.province_agency
    entry = report.updates.get(kind="escalation")
    assert (entry.agency_from, entry.agency_to) == (world.agency_a, world.province_agency)
    # The supervising agency's officials see it.
    assert selectors.reports_for_user(world.province_handler, overdue=True).get() == report


def test_handled_late_or_on_time(world):
    report = _report(world)
    with freeze_time(at(9, 16)):
        services.report_accept(acting_user=world.handler_a, report=report)
        services.report_resolve(acting_user=world.handler_a, report=report, answer="Đã xử lý")
    assert clocks.on_time(report) is True
    late = _report(world)
    with freeze_time(at(10, 8)):
        services.report_accept(acting_user=world.handler_a, report=late)
        services.report_resolve(acting_user=world.handler_a, report=late, answer="Đã xử lý")
    assert clocks.on_time(late) is False
    assert clocks.handling_days_used(late) == 6


def test_the_tick_command_runs(world, capsys):
    from django.core.management import call_command

    _report(world)
    with freeze_time(at(20, 10)):
        call_command("feedback_tick", "--now")
    assert "escalated=1" in capsys.readouterr().out
