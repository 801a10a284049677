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
import itertools
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db.models import Avg, Q, QuerySet, Sum
from django.db.models import Count as Count_
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.feedback import clocks, workflow
from tinhso.feedback.models import Report
from tinhso.kernel.calendar import calendar_from_db
from tinhso.kernel.months import count_by_month, first_days, local_midnight, month_id
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


# --- leaf counts for the IOC ---------------------------------------------------------------------
#
# The IOC counts, for each unit, its OWN reports per month of receipt (the same cohort as
# above) and sums them up the unit tree and over time itself; the rates and averages above are
# ratios of these counts in its catalogue (``feedback.handled_rate`` = ``feedback.handled`` ÷
# ``feedback.received`` × 100, ``feedback.avg_handling_days`` = ``feedback.handling_days`` ÷
# ``feedback.handled``...). A report belongs to its commune, or to its agency's unit when the
# commune is unknown.


@dataclass(frozen=True)
class Count:
    """A summable monthly count of a unit's own reports; ``aggregation`` ``last`` marks a
    stock (the figure at the month's end)."""

    code: str
    name: str
    unit: str
    aggregation: str = "sum"


REPORTS = _("reports")
COUNTS: list[Count] = [
    Count("feedback.received", _("Field reports received"), REPORTS),
    Count("feedback.handled", _("Field reports handled"), REPORTS),
    Count("feedback.handled_on_time", _("Field reports handled by the deadline"), REPORTS),
    Count("feedback.handling_days", _("Working days spent handling field reports"),
          _("working days")),
    Count("feedback.rated", _("Field reports rated by the reporter"), REPORTS),
    Count("feedback.rating_points", _("Rating points given by reporters"), _("points")),
    Count("feedback.overdue_open", _("Open field reports past their deadline"), REPORTS,
          aggregation="last"),
]  # fmt: skip

OWNER = Coalesce("commune_id", "agency__unit_id")


def monthly_counts(
    unit_ids: Collection[int] | None, start: dt.date, end: dt.date
) -> dict[tuple[int, str, str], float]:
    """``{(unit id, "YYYYMM", code): value}`` of the ``COUNTS`` for the reports received in
    the months from ``start`` to ``end`` (exclusive), each unit's own (``unit_ids`` None:
    every unit); zeros left out. The on-time flag and the working days follow the kernel
    calendar, so they are counted here over the handled reports only."""
    common = {"owner": OWNER, "field": "received_at", "start": start, "end": end}
    handled_q = Q(status__in=workflow.ANSWERED_STATES, handled_at__isnull=False)
    found = count_by_month(
        Report.objects.all(),
        measures={
            "feedback.received": Count_("pk"),
            "feedback.handled": Count_("pk", filter=handled_q),
            "feedback.rated": Count_("pk", filter=Q(rating__isnull=False)),
            "feedback.rating_points": Sum("rating"),
        },
        owners=unit_ids,
        **common,
    )
    firsts = first_days(start, end)
    done = (
        Report.objects.filter(
            handled_q,
            received_at__gte=local_midnight(firsts[0]),
            received_at__lt=local_midnight(firsts[-1]),
        )
        .annotate(owner=OWNER)
        .only("received_at", "handled_at", "deadline", "commune_id", "agency_id")
        .prefetch_related("pauses")
    )
    if unit_ids is not None:
        done = done.filter(owner__in=list(unit_ids))
    calendar = calendar_from_db()
    extra: dict[tuple[int, str, str], float] = defaultdict(float)
    for report in done.iterator(chunk_size=2000):
        if report.owner is None:
            continue
        month = month_id(timezone.localdate(report.received_at))
        if clocks.on_time(report, calendar=calendar):
            extra[(report.owner, month, "feedback.handled_on_time")] += 1
        days = clocks.handling_days_used(report, calendar=calendar) or 0
        if days:
            extra[(report.owner, month, "feedback.handling_days")] += days
    found |= extra
    # The stock: open, clock running, past the deadline at the month's end (or now).
    now = timezone.now()
    for first, after in itertools.pairwise(firsts):
        if first > timezone.localdate(now):
            break
        moment = min(local_midnight(after), now)
        qs = Report.objects.filter(
            status__in=workflow.OPEN_STATES - workflow.PAUSED_STATES,
            deadline__lt=moment,
            received_at__lt=moment,
        ).annotate(owner=OWNER)
        if unit_ids is not None:
            qs = qs.filter(owner__in=list(unit_ids))
        for owner, number in qs.order_by().values_list("owner").annotate(n=Count_("pk")):
            if owner is not None:
                found[(owner, month_id(first), "feedback.overdue_open")] = float(number)
    return found


def _touched_reports(pks: Collection[str]) -> set[tuple[int, dt.date]]:
    today = timezone.localdate()
    touched: set[tuple[int, dt.date]] = set()
    for owner, received_at in (
        Report.objects.filter(pk__in=list(pks))
        .annotate(owner=OWNER)
        .values_list("owner", "received_at")
    ):
        if owner is not None:
            # Today too: the report may enter or leave this month's overdue stock.
            touched |= {(owner, timezone.localdate(received_at)), (owner, today)}
    return touched


# Which changes move the counts: the audited object's label → the (unit, day) pairs it touches.
WATCH = {"feedback.report": _touched_reports}
