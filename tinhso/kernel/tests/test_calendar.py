"""The working-day calendar and the SLA clock, without the database.

Expected dates are worked out by hand from the national calendar (``holidays.VN``):
2025: Tết 27 Jan–1 Feb (then Sunday 2 Feb), Hùng Kings Mon 7 Apr, Sat 26 Apr a decreed
working day, 30 Apr, 1 May, Fri 2 May a day off in lieu, 1–2 Sep (Mon, Tue).
2026: Tết 16–20 Feb (Mon–Fri), 27 Apr (in lieu of Sunday 26 Apr), 30 Apr, 1 May, Sat 22 Aug a
decreed working day, Mon 31 Aug a day off in lieu, 1–2 Sep (Tue, Wed).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.kernel.calendar import (
    WorkingCalendar,
    add_working_days,
    classify,
    working_days_between,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NATIONAL = WorkingCalendar()
FIFTEEN = dt.time(15, 0)


def at(year, month, day, hour=9, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=VN)


def due(year, month, day):
    return dt.datetime(year, month, day, 17, 0, tzinfo=VN)


def deadline(start, n, calendar=NATIONAL, **kwargs):
    return add_working_days(start, n, calendar=calendar, **kwargs)


class TestNationalCalendar:
    @pytest.mark.parametrize(
        ("day", "working"),
        [
            (dt.date(2025, 1, 24), True),  # Friday before Tết
            (dt.date(2025, 1, 27), False),  # Tết
            (dt.date(2025, 1, 31), False),
            (dt.date(2025, 2, 3), True),  # first day back
            (dt.date(2025, 4, 26), True),  # decreed working Saturday
            (dt.date(2025, 4, 27), False),  # Sunday
            (dt.date(2025, 5, 2), False),  # day off in lieu of 26 Apr
            (dt.date(2025, 9, 1), False),
            (dt.date(2025, 9, 2), False),
            (dt.date(2026, 2, 16), False),  # Tết 2026
            (dt.date(2026, 2, 20), False),
            (dt.date(2026, 2, 23), True),
            (dt.date(2026, 8, 22), True),  # decreed working Saturday
            (dt.date(2026, 8, 31), False),  # day off in lieu
            (dt.date(2026, 9, 2), False),
        ],
    )
    def test_is_working_day(self, day, working):
        assert NATIONAL.is_working_day(day) is working

    def test_next_and_previous_working_day_jump_over_tet(self):
        assert NATIONAL.next_working_day(dt.date(2025, 1, 24)) == dt.date(2025, 2, 3)
        assert NATIONAL.previous_working_day(dt.date(2025, 2, 3)) == dt.date(2025, 1, 24)
        assert NATIONAL.next_working_day(dt.date(2026, 2, 13)) == dt.date(2026, 2, 23)


class TestDeadlinesAroundHolidays:
    def test_three_days_from_the_friday_before_tet_2025(self):
        # Fri 24 Jan → Tết and the weekend → Mon 3 (1), Tue 4 (2), Wed 5 Feb (3).
        assert deadline(at(2025, 1, 24), 3) == due(2025, 2, 5)

    def test_zero_days_is_the_same_effective_day(self):
        assert deadline(at(2025, 1, 24), 0) == due(2025, 1, 24)
        # Received during Tết: the clock starts on the first working day after it.
        assert deadline(at(2025, 1, 29), 0) == due(2025, 2, 3)

    def test_decreed_working_saturday_and_day_off_in_lieu_2025(self):
        # Fri 25 Apr → Sat 26 (1), Mon 28 (2), Tue 29 (3); 30 Apr–4 May off → Mon 5 May (4).
        start = at(2025, 4, 25)
        assert [deadline(start, n) for n in (1, 2, 3, 4)] == [
            due(2025, 4, 26),
            due(2025, 4, 28),
            due(2025, 4, 29),
            due(2025, 5, 5),
        ]

    def test_tet_2026(self):
        # Fri 13 Feb → 14–22 Feb off → Mon 23 (1) ... Fri 27 Feb (5).
        assert deadline(at(2026, 2, 13), 1) == due(2026, 2, 23)
        assert deadline(at(2026, 2, 13), 5) == due(2026, 2, 27)

    def test_national_day_2025(self):
        # Fri 29 Aug → 30 Aug–2 Sep off → Wed 3 Sep.
        assert deadline(at(2025, 8, 29), 1) == due(2025, 9, 3)

    def test_national_day_2026_with_its_swap(self):
        # Sat 22 Aug 2026 is worked so that Mon 31 Aug can be off with 1–2 Sep.
        assert deadline(at(2026, 8, 21), 1) == due(2026, 8, 22)
        assert deadline(at(2026, 8, 28), 1) == due(2026, 9, 3)
        assert deadline(at(2026, 8, 28), 2) == due(2026, 9, 4)


class TestAdministratorOverrides:
    def test_a_decreed_swap_changes_a_deadline(self):
        # A province gives Mon 23 Feb 2026 off and works Sat 28 Feb instead.
        swap = WorkingCalendar(
            extra_days_off={dt.date(2026, 2, 23)}, extra_working_days={dt.date(2026, 2, 28)}
        )
        assert deadline(at(2026, 2, 13), 1, swap) == due(2026, 2, 24)
        assert deadline(at(2026, 2, 27), 1, swap) == due(2026, 2, 28)
        assert deadline(at(2026, 2, 13), 5, swap) == due(2026, 2, 28)
        # Without the swap the same receipt is due on Friday 27.
        assert deadline(at(2026, 2, 13), 5) == due(2026, 2, 27)

    def test_an_override_wins_over_the_national_calendar(self):
        calendar = WorkingCalendar(
            extra_days_off={dt.date(2025, 4, 26)}, extra_working_days={dt.date(2025, 5, 2)}
        )
        assert not calendar.is_working_day(dt.date(2025, 4, 26))
        assert calendar.is_working_day(dt.date(2025, 5, 2))

    def test_a_date_cannot_be_both(self):
        with pytest.raises(ValueError):
            WorkingCalendar(
                extra_days_off={dt.date(2025, 3, 3)}, extra_working_days={dt.date(2025, 3, 3)}
            )


class TestCutoff:
    def test_after_the_cutoff_counts_from_the_next_working_day(self):
        assert deadline(at(2025, 3, 3, 15, 0, 0), 1, cutoff=FIFTEEN) == due(2025, 3, 4)
        assert deadline(at(2025, 3, 3, 15, 0, 1), 1, cutoff=FIFTEEN) == due(2025, 3, 5)
        assert deadline(at(2025, 3, 3, 16, 30), 1) == due(2025, 3, 4)  # no cut-off given

    def test_after_the_cutoff_before_tet(self):
        # Fri 24 Jan 2025 at 16:00 counts from Mon 3 Feb: Tue 4 (1), Wed 5 (2), Thu 6 (3).
        assert deadline(at(2025, 1, 24, 16), 3, cutoff=FIFTEEN) == due(2025, 2, 6)

    def test_a_weekend_receipt_moves_once_not_twice(self):
        # Saturday 18:00: the next working day is Monday, whatever the cut-off.
        start = at(2025, 3, 8, 18)
        assert NATIONAL.effective_start(start, cutoff=FIFTEEN) == dt.date(2025, 3, 10)

    def test_times_are_read_in_vietnam(self):
        # 09:00 UTC is 16:00 in Hà Nội: after the cut-off.
        start = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
        assert NATIONAL.effective_start(start, cutoff=FIFTEEN) == dt.date(2025, 3, 4)
        # A naive datetime is local time.
        assert NATIONAL.effective_start(dt.datetime(2025, 3, 3, 9, 0), cutoff=FIFTEEN) == (
            dt.date(2025, 3, 3)
        )


class TestPauses:
    def test_the_clock_stops_while_paused(self):
        start = at(2025, 3, 3)  # Monday
        assert deadline(start, 3) == due(2025, 3, 6)
        # Supplement requested Tue 4, complete dossier Thu 6: Wed 5 and Thu 6 do not count.
        pause = (at(2025, 3, 4, 10), at(2025, 3, 6, 14))
        assert deadline(start, 3, pauses=[pause]) == due(2025, 3, 10)
        assert working_days_between(start, at(2025, 3, 10), calendar=NATIONAL, pauses=[pause]) == 3

    def test_an_open_pause_makes_the_deadline_unknown(self):
        assert deadline(at(2025, 3, 3), 3, pauses=[(at(2025, 3, 4), None)]) is None

    def test_an_open_pause_stops_the_elapsed_count(self):
        pauses = [(at(2025, 3, 4), None)]
        elapsed = working_days_between(
            at(2025, 3, 3), at(2025, 3, 20), calendar=NATIONAL, pauses=pauses
        )
        assert elapsed == 1

    def test_a_pause_cannot_end_before_it_starts(self):
        with pytest.raises(ValueError):
            deadline(at(2025, 3, 3), 3, pauses=[(at(2025, 3, 5), at(2025, 3, 4))])

    def test_negative_days_are_refused(self):
        with pytest.raises(ValueError):
            deadline(at(2025, 3, 3), -1)


class TestWorkingDaysBetween:
    def test_counts_across_tet(self):
        assert working_days_between(at(2025, 1, 24), at(2025, 2, 5), calendar=NATIONAL) == 3

    def test_negative_when_b_is_before_a(self):
        assert working_days_between(at(2025, 2, 5), at(2025, 1, 24), calendar=NATIONAL) == -3

    def test_same_day_is_zero(self):
        assert working_days_between(at(2025, 3, 3, 8), at(2025, 3, 3, 16), calendar=NATIONAL) == 0


class TestClassify:
    DEADLINE = due(2025, 2, 5)  # Wednesday after Tết

    @pytest.mark.parametrize(
        ("done", "expected"),
        [
            (at(2025, 1, 24, 16), "early"),
            (at(2025, 2, 3), "early"),
            (at(2025, 2, 4, 16, 59), "early"),  # the working day before
            (at(2025, 2, 5, 8), "on_time"),
            (at(2025, 2, 5, 17, 0), "on_time"),
            (at(2025, 2, 5, 17, 1), "late"),
            (at(2025, 2, 6, 8), "late"),
        ],
    )
    def test_classify(self, done, expected):
        assert classify(done, self.DEADLINE, calendar=NATIONAL) == expected

    def test_a_weekend_just_before_the_deadline_is_on_time(self):
        # Deadline Monday 3 Mar; done Sunday 2 Mar is not a working day ahead of it.
        assert classify(at(2025, 3, 2), due(2025, 3, 3), calendar=NATIONAL) == "on_time"
        assert classify(at(2025, 2, 28), due(2025, 3, 3), calendar=NATIONAL) == "early"


# Properties -----------------------------------------------------------------------------------

SWAPPED = WorkingCalendar(
    extra_days_off={dt.date(2026, 2, 23), dt.date(2025, 6, 2)},
    extra_working_days={dt.date(2026, 2, 28), dt.date(2025, 6, 7)},
)
calendars = st.sampled_from([NATIONAL, SWAPPED])
moments = st.datetimes(
    min_value=dt.datetime(2024, 11, 1), max_value=dt.datetime(2027, 2, 1), timezones=st.just(VN)
)
cutoffs = st.one_of(st.none(), st.sampled_from([dt.time(11, 30), FIFTEEN, dt.time(16, 0)]))
days = st.integers(min_value=0, max_value=45)


@st.composite
def closed_pauses(draw, start):
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paused_at = start + dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 60)))
        length = dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 20)))
        pauses.append((paused_at, paused_at + length))
    return pauses


@st.composite
def cases(draw):
    start = draw(moments)
    return draw(calendars), start, draw(days), draw(cutoffs), draw(closed_pauses(start))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_working_days_between_inverts_add_working_days(case):
    calendar, start, n, cutoff, pauses = case
    end = add_working_days(start, n, calendar=calendar, cutoff=cutoff, pauses=pauses)
    assert working_days_between(start, end, calendar=calendar, cutoff=cutoff, pauses=pauses) == n


@settings(max_examples=100, deadline=None)
@given(cases())
def test_deadlines_are_monotonic_in_n(case):
    calendar, start, n, cutoff, pauses = case
    kwargs = {"calendar": calendar, "cutoff": cutoff, "pauses": pauses}
    assert add_working_days(start, n, **kwargs) < add_working_days(start, n + 1, **kwargs)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_a_deadline_falls_on_a_working_day_at_closing_time(case):
    calendar, start, n, cutoff, pauses = case
    end = add_working_days(start, n, calendar=calendar, cutoff=cutoff, pauses=pauses)
    assert calendar.is_working_day(end.date())
    assert (end.time(), end.tzinfo) == (dt.time(17, 0), VN)
    assert end.date() >= calendar.effective_start(start, cutoff=cutoff)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_pauses_never_make_a_deadline_earlier(case):
    calendar, start, n, cutoff, pauses = case
    plain = add_working_days(start, n, calendar=calendar, cutoff=cutoff)
    paused = add_working_days(start, n, calendar=calendar, cutoff=cutoff, pauses=pauses)
    assert paused >= plain
