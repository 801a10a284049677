"""The calendar built from the administrators' overrides, its cache, and the services that
change the overrides."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from tinhso.kernel.calendar import add_working_days, calendar_from_db
from tinhso.kernel.errors import InvalidInput, NotFound
from tinhso.kernel.models import AuditEvent, CalendarDay
from tinhso.kernel.services import calendar_day_remove, calendar_day_set
from tinhso.kernel.tests.factories import CalendarDayFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FRIDAY_BEFORE_TET_2026 = dt.datetime(2026, 2, 13, 9, tzinfo=VN)
FRIDAY_27_FEB_2026 = dt.datetime(2026, 2, 27, 9, tzinfo=VN)


def due(year, month, day):
    return dt.datetime(year, month, day, 17, tzinfo=VN)


@pytest.mark.django_db
class TestCalendarFromDb:
    def test_without_overrides_it_is_the_national_calendar(self):
        calendar = calendar_from_db()
        assert not calendar.is_working_day(dt.date(2026, 2, 16))
        assert add_working_days(FRIDAY_BEFORE_TET_2026, 1, calendar=calendar) == due(2026, 2, 23)

    def test_overrides_saved_and_deleted_change_the_deadline(self):
        assert calendar_from_db().is_working_day(dt.date(2026, 2, 23))
        day_off = CalendarDayFactory(date=dt.date(2026, 2, 23))
        CalendarDayFactory(date=dt.date(2026, 2, 28), working=True)
        calendar = calendar_from_db()
        assert add_working_days(FRIDAY_BEFORE_TET_2026, 1, calendar=calendar) == due(2026, 2, 24)
        assert add_working_days(FRIDAY_27_FEB_2026, 1, calendar=calendar) == due(2026, 2, 28)
        day_off.delete()
        calendar = calendar_from_db()
        assert add_working_days(FRIDAY_BEFORE_TET_2026, 1, calendar=calendar) == due(2026, 2, 23)


@pytest.mark.django_db(transaction=True)
def test_the_calendar_is_cached_until_an_override_changes(django_assert_num_queries):
    with django_assert_num_queries(1):
        first = calendar_from_db()
    with django_assert_num_queries(0):
        assert calendar_from_db() is first
    CalendarDay.objects.create(date=dt.date(2026, 3, 2), kind="day_off", name="Local festival")
    with django_assert_num_queries(1):
        changed = calendar_from_db()
    assert not changed.is_working_day(dt.date(2026, 3, 2))
    with django_assert_num_queries(0):
        assert calendar_from_db() is changed
    CalendarDay.objects.filter(date=dt.date(2026, 3, 2)).get().delete()
    assert calendar_from_db().is_working_day(dt.date(2026, 3, 2))


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_override_is_not_cached():
    calendar_from_db()
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=dt.date(2026, 3, 2), kind="day_off", name="Never")
        assert not calendar_from_db().is_working_day(dt.date(2026, 3, 2))
        raise RuntimeError
    assert calendar_from_db().is_working_day(dt.date(2026, 3, 2))


@pytest.mark.django_db
class TestCalendarServices:
    def test_set_creates_an_override_and_audits_it(self, official):
        day = calendar_day_set(
            acting_user=official,
            date=dt.date(2026, 2, 23),
            kind=CalendarDay.Kind.DAY_OFF,
            name="  Nghỉ bù   Tết  ",
            legal_basis="Quyết định 12/QĐ-UBND",
        )
        assert day.name == "Nghỉ bù Tết"
        event = AuditEvent.objects.get(action="calendar_day.set")
        assert (event.object_type, event.object_id) == ("kernel.calendarday", "2026-02-23")
        assert event.actor == official
        assert event.actor_label == "can_bo_mot_cua"
        assert event.changes["kind"] == [None, "day_off"]
        assert event.changes["date"] == [None, "2026-02-23"]
        calendar = calendar_from_db()
        assert add_working_days(FRIDAY_BEFORE_TET_2026, 1, calendar=calendar) == due(2026, 2, 24)

    def test_set_again_changes_the_override_and_records_only_the_difference(self, official):
        calendar_day_set(acting_user=official, date=dt.date(2026, 3, 7), kind="day_off", name="A")
        calendar_day_set(
            acting_user=official, date=dt.date(2026, 3, 7), kind="working_day", name="A"
        )
        assert CalendarDay.objects.get().kind == "working_day"
        last = AuditEvent.objects.filter(action="calendar_day.set").first()
        assert last.changes == {"kind": ["day_off", "working_day"]}
        assert calendar_from_db().is_working_day(dt.date(2026, 3, 7))

    def test_remove_restores_the_national_calendar(self, official):
        calendar_day_set(acting_user=official, date=dt.date(2026, 3, 2), kind="day_off", name="A")
        calendar_day_remove(acting_user=official, date=dt.date(2026, 3, 2))
        assert not CalendarDay.objects.exists()
        event = AuditEvent.objects.get(action="calendar_day.remove")
        assert event.changes["kind"] == ["day_off", None]
        assert calendar_from_db().is_working_day(dt.date(2026, 3, 2))

    def test_remove_of_a_missing_override_is_not_found(self, official):
        with pytest.raises(NotFound) as caught:
            calendar_day_remove(acting_user=official, date=dt.date(2026, 3, 2))
        assert caught.value.code == "calendar_day_not_found"

    @pytest.mark.parametrize(
        ("kind", "name", "code"),
        [
            ("holiday", "A", "calendar_kind_invalid"),
            ("day_off", "   ", "calendar_name_required"),
            ("day_off", "x" * 201, "calendar_text_too_long"),
        ],
    )
    def test_bad_input_is_refused_without_writing(self, official, kind, name, code):
        with pytest.raises(InvalidInput) as caught:
            calendar_day_set(acting_user=official, date=dt.date(2026, 3, 2), kind=kind, name=name)
        assert caught.value.code == code
        assert not CalendarDay.objects.exists()
        assert not AuditEvent.objects.exists()
