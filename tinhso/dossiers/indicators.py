"""The indicators this room publishes to the IOC (Decision 766/QĐ-TTg's measurable groups).

The registry format, for the ``indicators`` room to consume::

    INDICATORS: list[Indicator]
    Indicator(code: str, name: lazy str, unit: lazy str, compute: Callable[[Unit, date, date],
              float | int | None])

``compute(unit, start, end)`` counts the dossiers of ``unit``'s subtree (a dossier belongs to
its receiving agency's unit) over the local dates ``start``..``end`` inclusive; it returns a
number, or ``None`` when a rate has nothing to divide by. Shares and rates are percentages
(0..100, rounded to 2 decimals); the satisfaction is the average rating (1..5). No scope is
applied here: the caller decides who may see which unit (the API checks
``dossiers.view_register`` on the unit). ``compute_all(unit, start, end)`` returns
``{code: value}`` for every indicator.

Definitions:

- ``received`` / ``received_online`` / ``received_in_person``: received in the period;
- ``fully_online_share``: of those, filed online under a fully online (toàn trình) procedure;
- ``resolved``: results ready in the period (đã giải quyết);
- ``on_time_rate``: (early + on time) ÷ resolved;
- ``late``: resolved late in the period; ``overdue_open``: not resolved and past the legal
  deadline at the end of the period;
- ``e_result_share``: of the results returned in the period, those returned electronically;
- ``online_payment_share``: of the fees paid in the period, those paid online;
- ``digitised_share``: of the dossiers received, those whose required papers were all held
  electronically at receipt;
- ``satisfaction``: the average rating given in the period.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db.models import Avg, DateTimeField, F, Q, QuerySet, Sum, Value
from django.db.models import Count as Count_
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import Channel, Classification, Dossier, Payment
from tinhso.dossiers.workflow import RESOLVED
from tinhso.kernel.months import (
    count_by_month,
    count_groups,
    first_days,
    local_midnight,
    month_id,
)
from tinhso.units.models import Unit, subtree_bounds


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    compute: Callable[[Unit, dt.date, dt.date], float | int | None]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def _in(unit: Unit) -> QuerySet[Dossier]:
    low, high = subtree_bounds(unit.path)
    return Dossier.objects.filter(unit__path__gte=low, unit__path__lt=high)


def _between(field: str, start: dt.date, end: dt.date) -> Q:
    low, high = _bounds(start, end)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 2)


def received(unit, start, end) -> int:
    return _in(unit).filter(_between("received_at", start, end)).count()


def received_online(unit, start, end) -> int:
    return _in(unit).filter(_between("received_at", start, end), channel=Channel.ONLINE).count()


def received_in_person(unit, start, end) -> int:
    return _in(unit).filter(_between("received_at", start, end), channel=Channel.IN_PERSON).count()


def fully_online_share(unit, start, end) -> float | None:
    qs = _in(unit).filter(_between("received_at", start, end))
    full = qs.filter(channel=Channel.ONLINE, procedure_version__data__online_mode="full")
    return _share(full.count(), qs.count())


def _resolved(unit, start, end) -> QuerySet[Dossier]:
    return _in(unit).filter(_between("resolved_at", start, end), status__in=RESOLVED)


def resolved(unit, start, end) -> int:
    return _resolved(unit, start, end).count()


def on_time_rate(unit, start, end) -> float | None:
    qs = _resolved(unit, start, end)
    good = qs.filter(classification__in=[Classification.EARLY, Classification.ON_TIME])
    return _share(good.count(), qs.count())


def late(unit, start, end) -> int:
    return _resolved(unit, start, end).filter(classification=Classification.LATE).count()


def overdue_open(unit, start, end) -> int:
    _low, high = _bounds(start, end)
    unresolved = Q(resolved_at__isnull=True) | Q(resolved_at__gte=high)
    return (
        _in(unit)
        .filter(unresolved, received_at__lt=high, legal_due_at__lt=high)
        .exclude(status__in=["refused", "stopped", "withdrawn"])
        .count()
    )


def e_result_share(unit, start, end) -> float | None:
    qs = _in(unit).filter(_between("returned_at", start, end))
    return _share(qs.filter(returned_electronically=True).count(), qs.count())


def online_payment_share(unit, start, end) -> float | None:
    low, high = subtree_bounds(unit.path)
    qs = Payment.objects.filter(
        _between("paid_at", start, end),
        state=Payment.State.PAID,
        dossier__unit__path__gte=low,
        dossier__unit__path__lt=high,
    )
    return _share(qs.filter(method=Payment.Method.ONLINE).count(), qs.count())


def digitised_share(unit, start, end) -> float | None:
    qs = _in(unit).filter(_between("received_at", start, end))
    return _share(qs.filter(digitised=True).count(), qs.count())


def satisfaction(unit, start, end) -> float | None:
    value = (
        _in(unit)
        .filter(_between("rated_at", start, end), rating__isnull=False)
        .aggregate(value=Avg("rating"))["value"]
    )
    return None if value is None else round(float(value), 2)


DOSSIERS = _("dossiers")
PERCENT = "%"

INDICATORS: list[Indicator] = [
    Indicator("dossiers.received", _("Dossiers received"), DOSSIERS, received),
    Indicator("dossiers.received_online", _("Dossiers received online"), DOSSIERS, received_online),
    Indicator(
        "dossiers.received_in_person",
        _("Dossiers received in person"),
        DOSSIERS,
        received_in_person,
    ),
    Indicator(
        "dossiers.fully_online_share",
        _("Share of dossiers filed fully online"),
        PERCENT,
        fully_online_share,
    ),
    Indicator("dossiers.resolved", _("Dossiers resolved"), DOSSIERS, resolved),
    Indicator("dossiers.on_time_rate", _("Resolved on time"), PERCENT, on_time_rate),
    Indicator("dossiers.late", _("Dossiers resolved late"), DOSSIERS, late),
    Indicator("dossiers.overdue_open", _("Dossiers overdue, not resolved"), DOSSIERS, overdue_open),
    Indicator(
        "dossiers.e_result_share", _("Share of results returned electronically"), PERCENT,
        e_result_share,
    ),
    Indicator(
        "dossiers.online_payment_share", _("Share of fees paid online"), PERCENT,
        online_payment_share,
    ),
    Indicator(
        "dossiers.digitised_share", _("Share of dossiers digitised"), PERCENT, digitised_share
    ),
    Indicator("dossiers.satisfaction", _("Average satisfaction (1–5)"), _("points"), satisfaction),
]  # fmt: skip

BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


def compute_all(unit: Unit, start: dt.date, end: dt.date) -> dict[str, float | int | None]:
    """Every indicator of ``unit``'s subtree over ``start``..``end``."""
    return {indicator.code: indicator.compute(unit, start, end) for indicator in INDICATORS}


# --- leaf counts for the IOC ---------------------------------------------------------------------
#
# The IOC keeps its board figures fresh by counting, for each unit, its OWN dossiers per month
# (not its subtree) and summing them up the unit tree and over time itself. Every figure above
# that is a share or an average is a ratio of two of these counts (the IOC's catalogue defines
# ``dossiers.on_time_rate`` = ``dossiers.resolved_on_time`` ÷ ``dossiers.resolved`` × 100...),
# so it adds up correctly over communes, provinces, quarters and years.


@dataclass(frozen=True)
class Count:
    """A summable monthly count of a unit's own rows. ``aggregation`` ``last`` marks a stock
    (the figure at the month's end: over time the latest month counts, not the sum)."""

    code: str
    name: str
    unit: str
    aggregation: str = "sum"


COUNTS: list[Count] = [
    Count("dossiers.received", _("Dossiers received"), DOSSIERS),
    Count("dossiers.received_online", _("Dossiers received online"), DOSSIERS),
    Count("dossiers.received_in_person", _("Dossiers received in person"), DOSSIERS),
    Count("dossiers.received_fully_online", _("Dossiers filed fully online"), DOSSIERS),
    Count("dossiers.digitised", _("Dossiers digitised at receipt"), DOSSIERS),
    Count("dossiers.resolved", _("Dossiers resolved"), DOSSIERS),
    Count("dossiers.resolved_on_time", _("Dossiers resolved on time"), DOSSIERS),
    Count("dossiers.late", _("Dossiers resolved late"), DOSSIERS),
    Count("dossiers.returned", _("Results returned"), DOSSIERS),
    Count("dossiers.returned_electronically", _("Results returned electronically"), DOSSIERS),
    Count("dossiers.fees_paid", _("Fees paid"), _("payments")),
    Count("dossiers.fees_paid_online", _("Fees paid online"), _("payments")),
    Count("dossiers.rated", _("Dossiers rated by the applicant"), DOSSIERS),
    Count("dossiers.rating_points", _("Rating points given by applicants"), _("points")),
    Count(
        "dossiers.overdue_open", _("Dossiers overdue, not resolved"), DOSSIERS, aggregation="last"
    ),
]


def monthly_counts(
    unit_ids: Collection[int] | None, start: dt.date, end: dt.date
) -> dict[tuple[int, str, str], float]:
    """``{(unit id, "YYYYMM", code): value}`` of the ``COUNTS`` for the months from ``start``
        to ``end`` (exclusive), each unit's own dossiers (``unit_ids`` None: every unit); zero
        counts are left out. One ``GROUP BY`` per date column (one query in all for a single unit
    and month, ``count_groups``), plus one per month for the stock and one for the payments."""
    common = {"owner": "unit_id", "start": start, "end": end, "owners": unit_ids}
    online = Q(channel=Channel.ONLINE)
    on_time = Q(classification__in=[Classification.EARLY, Classification.ON_TIME])
    found = count_groups(
        Dossier.objects.all(),
        groups=[
            ("received_at", Q(), {
                "dossiers.received": Count_("pk"),
                "dossiers.received_online": Count_("pk", filter=online),
                "dossiers.received_in_person": Count_("pk", filter=Q(channel=Channel.IN_PERSON)),
                "dossiers.received_fully_online": Count_(
                    "pk", filter=online & Q(procedure_version__data__online_mode="full")
                ),
                "dossiers.digitised": Count_("pk", filter=Q(digitised=True)),
            }),
            ("resolved_at", Q(status__in=RESOLVED), {
                "dossiers.resolved": Count_("pk"),
                "dossiers.resolved_on_time": Count_("pk", filter=on_time),
                "dossiers.late": Count_("pk", filter=Q(classification=Classification.LATE)),
            }),
            ("returned_at", Q(), {
                "dossiers.returned": Count_("pk"),
                "dossiers.returned_electronically": Count_(
                    "pk", filter=Q(returned_electronically=True)
                ),
            }),
            ("rated_at", Q(rating__isnull=False), {
                "dossiers.rated": Count_("pk"),
                "dossiers.rating_points": Sum("rating"),
            }),
        ],
        **common,
    )  # fmt: skip
    found |= count_by_month(
        Payment.objects.filter(state=Payment.State.PAID),
        field="paid_at",
        measures={
            "dossiers.fees_paid": Count_("pk"),
            "dossiers.fees_paid_online": Count_("pk", filter=Q(method=Payment.Method.ONLINE)),
        },
        **{**common, "owner": "dossier__unit_id"},
    )
    # The stock: overdue and not resolved at the month's end (or now, for this month). One
    # query over the dossiers that ever ran past their legal deadline (a small share), each
    # counted at every month's end that falls between its deadline and its resolution.
    now = timezone.now()
    ends = [
        (month_id(first), min(local_midnight(after), now))
        for first, after in itertools.pairwise(first_days(start, end))
        if first <= timezone.localdate(now)
    ]
    if not ends:
        return found
    late = (
        Dossier.objects.filter(received_at__isnull=False, legal_due_at__lt=ends[-1][1])
        .filter(legal_due_at__lt=Coalesce(F("resolved_at"), Value(now, DateTimeField())))
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=ends[0][1]))
    )
    late = late.exclude(status__in=["refused", "stopped", "withdrawn"])
    if unit_ids is not None:
        late = late.filter(unit_id__in=list(unit_ids))
    moments = [moment for _month, moment in ends]
    stock: dict[tuple[int, str, str], float] = defaultdict(float)
    for unit_id, due, resolved in late.values_list("unit_id", "legal_due_at", "resolved_at"):
        # Month ends with due < moment <= resolved (or every later one while unresolved).
        for index in range(bisect.bisect_right(moments, due), len(moments)):
            if resolved is not None and resolved < moments[index]:
                break
            stock[(unit_id, ends[index][0], "dossiers.overdue_open")] += 1
    found |= stock
    return found


def _days(*moments: dt.datetime | None) -> list[dt.date]:
    return [timezone.localdate(moment) for moment in moments if moment is not None]


def _touched_dossiers(pks: Collection[str]) -> set[tuple[int, dt.date]]:
    today = timezone.localdate()
    touched: set[tuple[int, dt.date]] = set()
    for unit_id, *moments in Dossier.objects.filter(pk__in=list(pks)).values_list(
        "unit_id", "received_at", "resolved_at", "returned_at", "rated_at"
    ):
        days = _days(*moments)
        if days:  # a draft counts nowhere; else today too (this month's overdue stock)
            touched |= {(unit_id, day) for day in [*days, today]}
    return touched


def _touched_payments(pks: Collection[str]) -> set[tuple[int, dt.date]]:
    return {
        (unit_id, day)
        for unit_id, paid_at in Payment.objects.filter(pk__in=list(pks)).values_list(
            "dossier__unit_id", "paid_at"
        )
        for day in _days(paid_at)
    }


# Which changes move the counts: the audited object's label → the (unit, day) pairs it touches.
WATCH = {"dossiers.dossier": _touched_dossiers, "dossiers.payment": _touched_payments}
