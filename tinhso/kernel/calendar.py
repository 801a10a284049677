"""The working-day calendar and the SLA clock (lịch làm việc, thời hạn giải quyết).

Every deadline in the platform (dossier, feedback, question, document) is counted here. A day
is a working day by the national calendar (``holidays.VN``: weekends, Tết and the other public
holidays, days off in lieu and the Saturdays the government decreed as working days) unless an
administrator's override (a ``CalendarDay`` row) says otherwise; the override always wins.

``WorkingCalendar`` is pure: it is built from explicit override sets, so it can be tested and
used without the database. ``calendar_from_db()`` builds one from the ``CalendarDay`` table and
caches it. This room knows nothing of dossiers; it only counts days.

Rules, in words:

- The *effective start* of a receipt is its local date, moved to the next working day when the
  receipt falls on a non-working day or (when the caller gives a cut-off, e.g. 15:00) after the
  cut-off.
- A deadline ``n`` working days after a receipt is the end of office hours on the ``n``-th
  working day after the effective start (``n = 0``: the effective start itself).
- While a dossier is paused (e.g. a supplement was requested) the clock stops: a working day
  ``d`` with ``paused_at.date() < d <= resumed_at.date()`` does not count. A pause that has not
  ended makes the deadline unknown.
"""

from __future__ import annotations

import functools
import threading
import time as monotonic_time
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_OPENS = time(7, 30)
DEFAULT_CLOSES = time(17, 0)
# Searching further than this for a working day means the calendar is broken (e.g. a whole
# year entered as days off); fail loudly instead of looping.
_MAX_SEARCH_DAYS = 3660

Pause = tuple[datetime, datetime | None]
Classification = Literal["early", "on_time", "late"]


@functools.lru_cache(maxsize=512)
def _national_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, working weekend days) of the national calendar for one year.

    The neighbouring years are loaded too: a day off in lieu or a decreed working Saturday can
    belong to a holiday of the year before or after (Tết straddles the new year).
    """
    national = holidays.VN(years=range(year - 1, year + 2))
    days_off = frozenset(day for day in national if day.year == year)
    working_weekend_days = frozenset(day for day in national.weekend_workdays if day.year == year)
    return days_off, working_weekend_days


class WorkingCalendar:
    """The national calendar plus an administrator's overrides, with office hours."""

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        opens: time = DEFAULT_OPENS,
        closes: time = DEFAULT_CLOSES,
        time_zone: str | ZoneInfo = DEFAULT_TIME_ZONE,
    ) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise ValueError(f"A date cannot be both a day off and a working day: {sorted(both)}")
        if opens >= closes:
            raise ValueError("Office hours must open before they close.")
        self.opens = opens
        self.closes = closes
        self.tz = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(extra_days_off={len(self.extra_days_off)}, "
            f"extra_working_days={len(self.extra_working_days)}, "
            f"opens={self.opens}, closes={self.closes}, tz={self.tz.key})"
        )

    # Days -------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = self.local(day).date()
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        days_off, working_weekend_days = _national_year(day.year)
        if day.weekday() >= 5:
            return day in working_weekend_days
        return day not in days_off

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._step(day, +1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        return self._step(day, -1)

    def _step(self, day: date, direction: int) -> date:
        for offset in range(1, _MAX_SEARCH_DAYS + 1):
            candidate = day + timedelta(days=direction * offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"No working day within {_MAX_SEARCH_DAYS} days of {day}.")

    # Moments ----------------------------------------------------------------------------

    def local(self, moment: datetime | date) -> datetime:
        """``moment`` in the calendar's time zone; a naive datetime is taken as local time and a
        bare date as the opening of the office that day."""
        if not isinstance(moment, datetime):
            return datetime.combine(moment, self.opens, tzinfo=self.tz)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def end_of_day(self, day: date) -> datetime:
        """The end of office hours on ``day``: the moment a deadline on that day expires."""
        return datetime.combine(day, self.closes, tzinfo=self.tz)

    def effective_start(self, moment: datetime | date, *, cutoff: time | None = None) -> date:
        """The day the clock starts from.

        A receipt on a non-working day counts from the next working day; so does a receipt
        after ``cutoff`` (``"received after 15:00 counts from the next working day"``).
        """
        received = self.local(moment)
        day = received.date()
        if not self.is_working_day(day):
            return self.next_working_day(day)
        if cutoff is not None and received.time() > cutoff:
            return self.next_working_day(day)
        return day


# The SLA clock --------------------------------------------------------------------------------


def _pause_ranges(
    calendar: WorkingCalendar, pauses: Iterable[Pause]
) -> list[tuple[date, date]] | None:
    """Each pause as (first excluded date - 1, last excluded date); None if a pause is open."""
    ranges = []
    for paused_at, resumed_at in pauses:
        if resumed_at is None:
            return None
        low = calendar.local(paused_at).date()
        high = calendar.local(resumed_at).date()
        if high < low:
            raise ValueError(f"A pause cannot end before it starts: {paused_at} → {resumed_at}.")
        ranges.append((low, high))
    return ranges


def _counts(calendar: WorkingCalendar, day: date, ranges: list[tuple[date, date]]) -> bool:
    return calendar.is_working_day(day) and not any(low < day <= high for low, high in ranges)


def add_working_days(
    start: datetime,
    n: int,
    *,
    calendar: WorkingCalendar,
    cutoff: time | None = None,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """The deadline for something received at ``start`` with ``n`` working days to handle it.

    Returns the end of office hours on the ``n``-th counted working day after the effective
    start, or ``None`` while a pause is open (the deadline is not known until the clock runs
    again).
    """
    if n < 0:
        raise ValueError("The number of working days cannot be negative.")
    ranges = _pause_ranges(calendar, pauses)
    if ranges is None:
        return None
    day = calendar.effective_start(start, cutoff=cutoff)
    counted = 0
    idle = 0
    while counted < n:
        day += timedelta(days=1)
        if _counts(calendar, day, ranges):
            counted, idle = counted + 1, 0
        else:
            idle += 1
            if idle > _MAX_SEARCH_DAYS:
                raise ValueError(f"No working day within {_MAX_SEARCH_DAYS} days of {day}.")
    return calendar.end_of_day(day)


def working_days_between(
    a: datetime,
    b: datetime,
    *,
    calendar: WorkingCalendar,
    pauses: Iterable[Pause] = (),
    cutoff: time | None = None,
) -> int:
    """Working days elapsed from ``a`` to ``b``: days ``d`` with effective start of ``a`` < d <=
    the date of ``b``, paused days excluded (an open pause stops counting from its start).

    Negative when ``b`` falls before ``a``'s effective start. The inverse of
    ``add_working_days``: ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    ranges = []
    for paused_at, resumed_at in pauses:
        low = calendar.local(paused_at).date()
        high = date.max if resumed_at is None else calendar.local(resumed_at).date()
        ranges.append((low, high))
    low = calendar.effective_start(a, cutoff=cutoff)
    high = calendar.local(b).date()
    sign = 1
    if high < low:
        low, high, sign = high, low, -1
    count = 0
    day = low + timedelta(days=1)
    while day <= high:
        if _counts(calendar, day, ranges):
            count += 1
        day += timedelta(days=1)
    return sign * count


def classify(done_at: datetime, deadline: datetime, *, calendar: WorkingCalendar) -> Classification:
    """Early, on time or late (sớm hạn / đúng hạn / trễ hạn), for on-time rates.

    - ``late``: finished after the deadline;
    - ``early``: finished on or before the last working day before the deadline's date, i.e. at
      least one working day ahead;
    - ``on_time``: otherwise (on the deadline's date, or on a non-working day just before it).
    """
    done = calendar.local(done_at)
    due = calendar.local(deadline)
    if done > due:
        return "late"
    if done.date() <= calendar.previous_working_day(due.date()):
        return "early"
    return "on_time"


# The calendar from the database ----------------------------------------------------------------

# A version token in the shared cache tells every process that the overrides changed; each
# process keeps its own built calendar. With a per-process cache (LocMemCache, the embedded
# default) other processes only notice after the time-to-live, so it is kept short.
_VERSION_KEY = "tinhso:kernel:calendar:version"
_TTL_SECONDS = 60.0
# Replaced whole (one assignment), so readers in other threads never see half of it.
_memo: tuple[str, float, WorkingCalendar] | None = None  # (version, loaded at, calendar)
_local = threading.local()


def _office_hours() -> tuple[time, time]:
    opens = getattr(settings, "TINHSO_OFFICE_OPENS", DEFAULT_OPENS)
    closes = getattr(settings, "TINHSO_OFFICE_CLOSES", DEFAULT_CLOSES)
    if isinstance(opens, str):
        opens = time.fromisoformat(opens)
    if isinstance(closes, str):
        closes = time.fromisoformat(closes)
    return opens, closes


def _load_calendar() -> WorkingCalendar:
    from tinhso.kernel.models import CalendarDay

    days_off, working_days = set(), set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (working_days if kind == CalendarDay.Kind.WORKING_DAY else days_off).add(day)
    opens, closes = _office_hours()
    return WorkingCalendar(
        extra_days_off=days_off,
        extra_working_days=working_days,
        opens=opens,
        closes=closes,
        time_zone=getattr(settings, "TIME_ZONE", None) or DEFAULT_TIME_ZONE,
    )


def _bump_version() -> None:
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)


def calendar_changed() -> None:
    """Tell every process the overrides changed (called when a ``CalendarDay`` is saved or
    deleted; see ``tinhso.kernel.apps``)."""
    _bump_version()
    if transaction.get_connection().in_atomic_block:
        # Until the change commits, only this thread's transaction can see it: do not share a
        # calendar built from it, and tell the others again once it is visible to them.
        _local.dirty = True
        transaction.on_commit(_committed)


def _committed() -> None:
    _local.dirty = False
    _bump_version()


def clear_calendar_cache() -> None:
    """Forget the built calendar in this process (tests that flush the database use it)."""
    global _memo
    _memo = None
    _local.dirty = False


def calendar_from_db() -> WorkingCalendar:
    """The working calendar with the administrators' overrides, cached per process."""
    global _memo
    if getattr(_local, "dirty", False):
        if transaction.get_connection().in_atomic_block:
            return _load_calendar()
        # The transaction that changed the calendar has ended (committed or rolled back).
        _local.dirty = False
        _bump_version()
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(_VERSION_KEY, version, None):
            version = cache.get(_VERSION_KEY)
    now = monotonic_time.monotonic()
    memo = _memo
    if memo is not None and memo[0] == version and now - memo[1] < _TTL_SECONDS:
        return memo[2]
    calendar = _load_calendar()
    _memo = (version, now, calendar)
    return calendar
