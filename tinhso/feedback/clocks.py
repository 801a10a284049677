"""The report's clock (thời hạn xử lý): deadline from the kernel calendar, with pauses and
legal extensions.

- Working days (the default) are counted by ``tinhso.kernel.calendar.add_working_days`` from
  the receipt, skipping the days the clock was paused (on hold, waiting for the reporter).
- Calendar days count every day, and add the paused days back.
- An extension (gia hạn) adds its days to the handling time: ``deadline`` includes it, so an
  extended report is not overdue; ``original_deadline`` keeps the first deadline to show that
  it was extended.
- While a pause is open the deadline is unknown (``None``) and the report is never overdue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from tinhso.feedback import workflow
from tinhso.kernel.calendar import (
    WorkingCalendar,
    add_working_days,
    calendar_from_db,
    classify,
    working_days_between,
)


def pauses_of(report) -> list[tuple[datetime, datetime | None]]:
    return [(pause.started_at, pause.ended_at) for pause in report.pauses.all()]


def _add(report, days: int, pauses, calendar: WorkingCalendar) -> datetime | None:
    if report.day_kind == "calendar":
        if any(end is None for _start, end in pauses):
            return None
        paused = sum(
            (calendar.local(end).date() - calendar.local(start).date()).days
            for start, end in pauses
        )
        day = calendar.local(report.received_at).date() + timedelta(days=days + paused)
        return calendar.end_of_day(day)
    return add_working_days(report.received_at, days, calendar=calendar, pauses=pauses)


def compute_deadlines(
    report, *, calendar: WorkingCalendar | None = None
) -> tuple[datetime | None, datetime | None]:
    """(original deadline, deadline with extensions); both ``None`` while a pause is open."""
    calendar = calendar or calendar_from_db()
    pauses = pauses_of(report)
    original = _add(report, report.handling_days, pauses, calendar)
    extended = _add(report, report.handling_days + report.extension_days, pauses, calendar)
    return original, extended


def refresh_deadlines(report, *, calendar: WorkingCalendar | None = None) -> None:
    """Set ``original_deadline`` and ``deadline`` on the instance (the caller saves)."""
    report.original_deadline, report.deadline = compute_deadlines(report, calendar=calendar)


def is_overdue(report, *, now: datetime | None = None) -> bool:
    """Open, running (not paused) and past the deadline with its extensions."""
    now = now or timezone.now()
    return (
        report.status in workflow.OPEN_STATES
        and report.status not in workflow.PAUSED_STATES
        and report.deadline is not None
        and now > report.deadline
    )


def is_extended(report) -> bool:
    return bool(report.extension_days)


def on_time(report, *, calendar: WorkingCalendar | None = None) -> bool | None:
    """Whether a handled report was handled by its deadline (None when not handled)."""
    if report.handled_at is None or report.deadline is None:
        return None
    calendar = calendar or calendar_from_db()
    return classify(report.handled_at, report.deadline, calendar=calendar) != "late"


def handling_days_used(report, *, calendar: WorkingCalendar | None = None) -> int | None:
    """Working days from receipt to the answer, paused days excluded."""
    if report.handled_at is None:
        return None
    calendar = calendar or calendar_from_db()
    return max(
        0,
        working_days_between(
            report.received_at, report.handled_at, calendar=calendar, pauses=pauses_of(report)
        ),
    )
