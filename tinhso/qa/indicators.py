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
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db.models import Avg, Q, QuerySet, Sum
from django.db.models import Count as Count_
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.months import count_by_month
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


# --- leaf counts for the IOC ---------------------------------------------------------------------
#
# The IOC counts, for each unit, its OWN questions per month and sums them up the unit tree and
# over time itself; the rate and the average above are ratios of these counts in its catalogue
# (``qa.on_time_rate`` = ``qa.answered_on_time`` ÷ ``qa.answered`` × 100,
# ``qa.avg_days_to_answer`` = ``qa.answering_days`` ÷ ``qa.answered``).


@dataclass(frozen=True)
class Count:
    """A summable monthly count of a unit's own questions."""

    code: str
    name: str
    unit: str
    aggregation: str = "sum"


COUNTS: list[Count] = [
    Count("qa.received", _("Questions received"), "question"),
    Count("qa.answered", _("Questions answered"), "question"),
    Count("qa.answered_on_time", _("Questions answered on time"), "question"),
    Count("qa.answering_days", _("Working days spent answering questions"), "working_day"),
]


def monthly_counts(
    unit_ids: Collection[int] | None, start: dt.date, end: dt.date
) -> dict[tuple[int, str, str], float]:
    """``{(unit id, "YYYYMM", code): value}`` of the ``COUNTS`` for the months from ``start``
    to ``end`` (exclusive), each unit's own questions (``unit_ids`` None: every unit); zeros
    left out. Two ``GROUP BY``: one on the asking time, one on the answering time."""
    common = {"owner": "unit_id", "start": start, "end": end, "owners": unit_ids}
    found = count_by_month(
        Question.objects.all(),
        field="created_at",
        measures={"qa.received": Count_("pk")},
        **common,
    )
    found |= count_by_month(
        Question.objects.all(),
        field="answered_at",
        measures={
            "qa.answered": Count_("pk"),
            "qa.answered_on_time": Count_("pk", filter=Q(answered_on_time=True)),
            "qa.answering_days": Sum("working_days_to_answer"),
        },
        **common,
    )
    return found


def _touched_questions(pks: Collection[str]) -> set[tuple[int, dt.date]]:
    return {
        (unit_id, timezone.localdate(moment))
        for unit_id, *moments in Question.objects.filter(pk__in=list(pks)).values_list(
            "unit_id", "created_at", "answered_at"
        )
        for moment in moments
        if moment is not None and unit_id is not None
    }


# Which changes move the counts: the audited object's label → the (unit, day) pairs it touches.
WATCH = {"qa.question": _touched_questions}
