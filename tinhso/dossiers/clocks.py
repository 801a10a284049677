"""The dossier's clocks: deadlines, pauses, working days left, early / on time / late.

Every number here comes from the kernel calendar (``tinhso.kernel.calendar``): weekends,
Vietnamese holidays with their lunar dates, the days off an administrator entered (decreed
swaps) and office hours. This module only decides *which* moments and pauses to give it:

- a dossier's legal deadline is ``processing_days`` working days after its receipt, counted
  from the next working day when the procedure has the after-15:00 cut-off and the receipt came
  later (settings ``TINHSO_DOSSIER_CUTOFF``, default ``"15:00"``), with the supplement pauses
  of processing taken out (``DossierPause.counts``);
- a step's deadline is its own ``days`` after the step started, with the pauses that fell in
  it taken out;
- classification (sớm / đúng / trễ hạn) compares the moment the result was ready (or the step
  was done) with the *legal* deadline: an apology's new date does not make a late dossier
  on time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tinhso.kernel.calendar import (
    Pause,
    WorkingCalendar,
    add_working_days,
    calendar_from_db,
    classify,
    working_days_between,
)

DEFAULT_CUTOFF = dt.time(15, 0)


def cutoff_for(version) -> dt.time | None:
    """The cut-off time of a procedure version, or None when it has none."""
    if not version.cutoff:
        return None
    value = getattr(settings, "TINHSO_DOSSIER_CUTOFF", DEFAULT_CUTOFF)
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def pauses_of(dossier) -> list[Pause]:
    """The pauses that stop the dossier's clock (supplements requested during processing)."""
    return [(pause.paused_at, pause.resumed_at) for pause in dossier.pauses.all() if pause.counts]


def is_paused(dossier) -> bool:
    return any(resumed is None for _, resumed in pauses_of(dossier))


def legal_due(
    dossier, *, calendar: WorkingCalendar | None = None, pauses: list[Pause] | None = None
) -> dt.datetime | None:
    """The deadline the law gives the dossier; None before receipt or while paused."""
    if dossier.received_at is None:
        return None
    calendar = calendar or calendar_from_db()
    version = dossier.procedure_version
    return add_working_days(
        dossier.received_at,
        version.processing_days,
        calendar=calendar,
        cutoff=cutoff_for(version),
        pauses=pauses_of(dossier) if pauses is None else pauses,
    )


def _pauses_within(pauses: list[Pause], start: dt.datetime) -> list[Pause]:
    return [(low, high) for low, high in pauses if high is None or high >= start]


def step_due(
    step, *, calendar: WorkingCalendar | None = None, pauses: list[Pause] | None = None
) -> dt.datetime | None:
    """The deadline of one processing step: its own ``days`` from its start, pauses taken out."""
    calendar = calendar or calendar_from_db()
    pauses = pauses_of(step.dossier) if pauses is None else pauses
    return add_working_days(
        step.started_at,
        step.days,
        calendar=calendar,
        pauses=_pauses_within(pauses, step.started_at),
    )


def working_days_left(
    due_at: dt.datetime | None,
    *,
    now: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> int | None:
    """Working days from now to ``due_at``: 0 = due today, negative = that many days late.

    None when there is no deadline (before receipt, while paused).
    """
    if due_at is None:
        return None
    calendar = calendar or calendar_from_db()
    now = now or timezone.now()
    if now > due_at:
        # Late: count the working days since the deadline's day (at least 1 once it passed).
        late = working_days_between(due_at, now, calendar=calendar)
        return -max(late, 1)
    return working_days_between(now, due_at, calendar=calendar)


def classify_done(
    done_at: dt.datetime, due_at: dt.datetime | None, *, calendar: WorkingCalendar | None = None
) -> str:
    """``early`` / ``on_time`` / ``late`` for something done at ``done_at``."""
    if due_at is None:
        return ""
    return classify(done_at, due_at, calendar=calendar or calendar_from_db())


def due_soon(
    due_at: dt.datetime | None,
    *,
    within_days: int = 1,
    now: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> bool:
    """Whether ``due_at`` is at most ``within_days`` working days away and not yet passed."""
    left = working_days_left(due_at, now=now, calendar=calendar)
    return left is not None and 0 <= left <= within_days and (now or timezone.now()) <= due_at


def new_due_from_date(day: dt.date, *, calendar: WorkingCalendar | None = None) -> dt.datetime:
    """The end of office hours on ``day`` (an apology's new date)."""
    calendar = calendar or calendar_from_db()
    return calendar.end_of_day(day)
