"""The KPIs the feedback room publishes to the IOC (chỉ số phản ánh hiện trường).

``INDICATORS`` is a plain list of ``Indicator(code, name, unit, compute)``. Every ``compute``
takes the same keyword filters and returns a number (``None`` when it has no basis, e.g. an
on-time rate with nothing handled)::

    compute(*, unit=None, category=None, channel=None, start=None, end=None, now=None)

- ``unit``: a ``Unit``; reports located in its subtree (by resolved commune, or by the
  responsible agency's unit when the commune is unknown);
- ``category``: a ``Category``; a group includes its categories;
- ``channel``: one of ``Report.Channel`` values;
- ``start`` / ``end``: the period, on the receipt time (``start <= received_at < end``): the
  indicators follow the reports *received* in the period (a cohort), as provincial reports do;
- ``now``: the moment "overdue" is judged at (default: ``end`` if given and past, else now).

Codes, units and meaning:

=========================  =========  ====================================================
feedback.received          reports    reports received (every channel, spam included)
feedback.handled           reports    handled or closed (answered), rejections excluded
feedback.handled_rate      %          handled / received × 100
feedback.on_time_rate      %          handled by the deadline (extensions included) /
                                      handled × 100 (kernel ``classify`` ≠ late)
feedback.overdue_open      reports    open, clock running, past the deadline at ``now``
feedback.avg_handling_days days       mean working days receipt → answer, paused days out
feedback.satisfaction      /5         mean rating given by reporters (1..5)
=========================  =========  ====================================================

``compute_all(**filters)`` returns ``{code: value}`` for the whole list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Avg, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.feedback import clocks, workflow
from tinhso.feedback.models import Report
from tinhso.kernel.calendar import calendar_from_db
from tinhso.units.models import subtree_bounds


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    compute: Callable[..., float | int | None]


def reports(*, unit=None, category=None, channel=None, start=None, end=None) -> QuerySet:
    qs = Report.objects.all()
    if unit is not None:
        low, high = subtree_bounds(unit.path)
        qs = qs.filter(
            Q(commune__path__gte=low, commune__path__lt=high)
            | Q(commune__isnull=True, agency__unit__path__gte=low, agency__unit__path__lt=high)
        )
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    if channel:
        qs = qs.filter(channel=channel)
    if start is not None:
        qs = qs.filter(received_at__gte=start)
    if end is not None:
        qs = qs.filter(received_at__lt=end)
    return qs


def _handled(qs: QuerySet) -> QuerySet:
    return qs.filter(status__in=workflow.ANSWERED_STATES, handled_at__isnull=False)


def received(*, now=None, **filters) -> int:
    return reports(**filters).count()


def handled(*, now=None, **filters) -> int:
    return _handled(reports(**filters)).count()


def handled_rate(*, now=None, **filters) -> float | None:
    total = received(**filters)
    return round(100.0 * handled(**filters) / total, 1) if total else None


def on_time_rate(*, now=None, **filters) -> float | None:
    calendar = calendar_from_db()
    done = list(_handled(reports(**filters)).prefetch_related("pauses"))
    if not done:
        return None
    on_time = sum(1 for report in done if clocks.on_time(report, calendar=calendar))
    return round(100.0 * on_time / len(done), 1)


def overdue_open(*, now=None, **filters) -> int:
    moment = now or timezone.now()
    end = filters.get("end")
    if now is None and end is not None and end < moment:
        moment = end
    return (
        reports(**filters)
        .filter(
            status__in=workflow.OPEN_STATES - workflow.PAUSED_STATES,
            deadline__isnull=False,
            deadline__lt=moment,
        )
        .count()
    )


def avg_handling_days(*, now=None, **filters) -> float | None:
    calendar = calendar_from_db()
    done = list(_handled(reports(**filters)).prefetch_related("pauses"))
    if not done:
        return None
    days = [clocks.handling_days_used(report, calendar=calendar) or 0 for report in done]
    return round(sum(days) / len(days), 1)


def satisfaction(*, now=None, **filters) -> float | None:
    value = reports(**filters).filter(rating__isnull=False).aggregate(value=Avg("rating"))["value"]
    return round(float(value), 2) if value is not None else None


INDICATORS: list[Indicator] = [
    Indicator("feedback.received", _("Field reports received"), _("reports"), received),
    Indicator("feedback.handled", _("Field reports handled"), _("reports"), handled),
    Indicator("feedback.handled_rate", _("Share of field reports handled"), "%", handled_rate),
    Indicator("feedback.on_time_rate", _("Field reports handled on time"), "%", on_time_rate),
    Indicator(
        "feedback.overdue_open",
        _("Open field reports past their deadline"),
        _("reports"),
        overdue_open,
    ),
    Indicator(
        "feedback.avg_handling_days",
        _("Average time to handle a field report"),
        _("working days"),
        avg_handling_days,
    ),
    Indicator(
        "feedback.satisfaction", _("Reporters' satisfaction with the answer"), "/5", satisfaction
    ),
]


def compute_all(
    *,
    unit=None,
    category=None,
    channel: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> dict[str, float | int | None]:
    filters = {"unit": unit, "category": category, "channel": channel, "start": start, "end": end}
    return {indicator.code: indicator.compute(now=now, **filters) for indicator in INDICATORS}
