"""The indicators the qa room publishes to the IOC (``tinhso.indicators`` consumes them).

``INDICATORS`` is a plain list of ``Indicator(code, name, unit, compute)``; ``compute(unit,
start, end)`` returns the value for the questions of ``unit`` and every unit under it, over the
half-open period ``[start, end)`` (datetimes, or dates taken as local midnight):

- ``qa.received`` — Questions received (question): asked in the period.
- ``qa.answered`` — Questions answered (question): answer given in the period.
- ``qa.answered_on_time`` — Questions answered on time (question): answered in the period, by
  the deadline.
- ``qa.on_time_rate`` — Share of answers given on time (percent): on time ÷ answered × 100;
  None when nothing was answered.
- ``qa.avg_days_to_answer`` — Average time to answer (working_day): mean working days from the
  question to the answer; None when nothing was answered.

A question counts for the unit of the agency holding it (the unit of the installation while it
waits for routing); an answer, for the unit of the agency that held it when it was answered.
Every figure is one SQL aggregate over indexed columns (the on-time flag and the working days
are fixed when the answer is given), so it stays fast on a million questions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Avg, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.qa.models import Question
from tinhso.units.models import Unit, subtree_bounds


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str  # what one counts: "question", "percent", "working_day"
    compute: Callable[[Unit, dt.datetime, dt.datetime], float | int | None]


def _moment(value: dt.date | dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _in_unit(unit: Unit) -> QuerySet[Question]:
    low, high = subtree_bounds(unit.path)
    return Question.objects.filter(unit__path__gte=low, unit__path__lt=high)


def _answered(unit: Unit, start, end) -> QuerySet[Question]:
    return _in_unit(unit).filter(answered_at__gte=_moment(start), answered_at__lt=_moment(end))


def received(unit: Unit, start, end) -> int:
    return (
        _in_unit(unit).filter(created_at__gte=_moment(start), created_at__lt=_moment(end)).count()
    )


def answered(unit: Unit, start, end) -> int:
    return _answered(unit, start, end).count()


def answered_on_time(unit: Unit, start, end) -> int:
    return _answered(unit, start, end).filter(answered_on_time=True).count()


def on_time_rate(unit: Unit, start, end) -> float | None:
    total = answered(unit, start, end)
    if not total:
        return None
    return round(answered_on_time(unit, start, end) * 100 / total, 1)


def avg_days_to_answer(unit: Unit, start, end) -> float | None:
    value = _answered(unit, start, end).aggregate(v=Avg("working_days_to_answer"))["v"]
    return None if value is None else round(float(value), 1)


INDICATORS: list[Indicator] = [
    Indicator("qa.received", _("Questions received"), "question", received),
    Indicator("qa.answered", _("Questions answered"), "question", answered),
    Indicator("qa.answered_on_time", _("Questions answered on time"), "question", answered_on_time),
    Indicator("qa.on_time_rate", _("Share of answers given on time"), "percent", on_time_rate),
    Indicator(
        "qa.avg_days_to_answer", _("Average time to answer"), "working_day", avg_days_to_answer
    ),
]
